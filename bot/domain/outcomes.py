"""One vocabulary for "how did this end", in every ritual (pure: no storage, no Slack).

People answer *Done · Partly · Not done*, then *Carry over* or *Drop* where the thing
goes on. The stored values stay as they were (a quad's "kept" / "missed", a check-in's
"not_yet", a goal's "not_done"): only the words people see come from here, so old rows
read the same and the buttons' action ids and values, which scripts may use, are kept.
See docs/decisions.md ("One vocabulary").
"""

from __future__ import annotations

from enum import StrEnum

from bot.domain.enums import CommitmentStatus, GoalStatus


class Outcome(StrEnum):
    """The shared answers, as the words on the buttons."""

    DONE = "Done"
    PARTLY = "Partly"
    NOT_DONE = "Not done"
    CARRY_OVER = "Carry over"
    DROP = "Drop"


# The buttons take these words from `Outcome` (templates: `Outcome.DONE`, …): a check-in's
# Done / Carry over (decision `not_yet`) / Drop, a quad's Done (`kept`) / Partly /
# Not done (`missed`), a goal's Done / Partly / Not done / Carry over.

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
