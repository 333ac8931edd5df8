"""One vocabulary for "how did this end", in every ritual (pure: no storage, no Slack).

People answer *Done · Partly · Not done*, then *Carry over* or *Drop* where the thing
goes on. The stored values stay as they were (a quad's "kept" / "missed", a check-in's
"not_yet", a goal's "not_done"): only the words people see come from here, so old rows
read the same and the buttons' action ids and values, which scripts may use, are kept.
See docs/decisions.md ("One vocabulary").
"""

from __future__ import annotations

from enum import StrEnum

from bot.domain.enums import CommitmentDecision, CommitmentStatus, GoalDecision, GoalStatus


class Outcome(StrEnum):
    """The shared answers, as the words on the buttons."""

    DONE = "Done"
    PARTLY = "Partly"
    NOT_DONE = "Not done"
    CARRY_OVER = "Carry over"
    DROP = "Drop"


# Each stored decision, by the shared word on its button.
DECISION_LABELS: dict[str, Outcome] = {
    CommitmentDecision.DONE: Outcome.DONE,
    CommitmentDecision.NOT_YET: Outcome.CARRY_OVER,  # open, and carried to the next one
    CommitmentDecision.DROP: Outcome.DROP,
    CommitmentDecision.KEPT: Outcome.DONE,
    CommitmentDecision.PARTLY: Outcome.PARTLY,
    CommitmentDecision.MISSED: Outcome.NOT_DONE,
}
GOAL_DECISION_LABELS: dict[str, Outcome] = {
    GoalDecision.DONE: Outcome.DONE,
    GoalDecision.PARTLY: Outcome.PARTLY,
    GoalDecision.NOT_DONE: Outcome.NOT_DONE,
    GoalDecision.CARRY: Outcome.CARRY_OVER,
}

# How a closed item reads after its answer, whatever ritual stored it.
_DONE_NOTE, _PARTLY_NOTE, _NOT_DONE_NOTE = "  ✅ *done*", "  ◐ *partly*", "  ✗ *not done*"
CARRIED_NOTE = "  🔁 *carried over*"
STATUS_NOTES: dict[str, str] = {
    CommitmentStatus.DONE: _DONE_NOTE, CommitmentStatus.KEPT: _DONE_NOTE,
    CommitmentStatus.PARTLY: _PARTLY_NOTE, CommitmentStatus.MISSED: _NOT_DONE_NOTE,
    CommitmentStatus.DROPPED: "  ➖ *dropped*",
}
GOAL_STATUS_NOTES: dict[str, str] = {
    GoalStatus.DONE: _DONE_NOTE, GoalStatus.PARTLY: _PARTLY_NOTE,
    GoalStatus.NOT_DONE: _NOT_DONE_NOTE, GoalStatus.CARRIED: CARRIED_NOTE,
}

# A status in a sentence ("This goal is already marked not done.").
STATUS_WORDS: dict[str, str] = {
    "done": "done", "kept": "done", "partly": "partly", "missed": "not done",
    "not_done": "not done", "carried": "carried over", "dropped": "dropped", "open": "open",
}
