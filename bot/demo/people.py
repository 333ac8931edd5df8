"""What the demo's people write and click. The words are the demo's; everything they
trigger is tend's real code path (signed HTTP into Bolt, services, database)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from bot.demo.live import LiveApp
from bot.domain.enums import CommitmentDecision
from bot.rituals.kinds import RitualKind
from bot.slack.standin import Message
from bot.storage.models import Commitment, Goal, Occurrence

_Owned = TypeVar("_Owned", Commitment, Goal)  # the rows a person owns and closes

DONE = ["shipped the importer's retry logic", "closed the flaky-test epic",
        "wrote the on-call runbook's first half", "paired with Tom on the billing bug",
        "cut the staging deploy from 25 to 12 minutes", "reviewed four design docs"]
NEXT = ["the schema migration for invoices", "load-testing the events endpoint",
        "a proposal for the API versioning", "finishing the runbook", "the SSO spike"]
NEED = ["a decision on the vendor contract", "an hour with security about tokens",
        "nothing right now, thanks", "fewer meetings on Thursday", "access to the prod logs"]
WENT_WELL = ["how you ran the incident review", "the clear write-up on caching",
             "your patience with the new joiners", "shipping in small steps"]
SUGGEST = ["share drafts earlier", "say no to one of the three side projects",
           "ask for review before Friday", "write the decision down where the team sees it"]
UPWARD = ["give me the context behind priority changes sooner",
          "keep our 1:1 slot even in busy weeks", "tell me earlier when plans change",
          "nothing, this works"]
COMMITS = ["the invoice migration is merged", "the runbook covers all alerts",
           "load test results are shared with the team", "the SSO spike has a go/no-go",
           "two flaky tests are fixed", "the API versioning proposal is reviewed"]
GOALS = [("onboarding takes one day", "two new joiners say so"),
         ("deploys take under ten minutes", "the CI dashboard shows it"),
         ("no alert goes unowned", "every alert has a runbook link"),
         ("the billing service has an SLO", "it is on the team dashboard")]
# The team's story: after their first check-in, a member proposes to replace one of the
# check-in's questions (the members' last); the team votes, and the next check-in asks it.
PROPOSED_PROMPT = "What is in your way, and who can clear it?"
PROPOSAL_WHY = "“What do you need” gets “nothing, thanks”; asking what is in the way gets answers."
CHEERS = ["Love this one — happy to pair on it.", "Rooting for you!",
          "That would help all of us, go for it.", "Ping me if you want a reviewer."]


@dataclass(frozen=True)
class Cue:
    """A post tend just sent for an occurrence, and what the people need to answer it."""

    occurrence: Occurrence
    post: Message
    members: list[str]  # the members of the occurrence's team
    step: list[str]  # its outbox key after the occurrence id: ["prompt"], ["review", owner]


class Actor:
    """Plays the team's part after each tick, with a seeded random choice of words."""

    def __init__(self, live: LiveApp, *, advance: Callable[[int], datetime],
                 today_of: Callable[[str], date], seed: int = 7) -> None:
        self.live, self.advance, self.today_of = live, advance, today_of
        self.rng = random.Random(seed)
        # How the people answer each ritual's posts, by its kind. A ritual with no
        # script here (one added since) still runs in the demo; nobody answers it.
        self.scripts: dict[str, Callable[[Cue], None]] = {
            RitualKind.WEEKLY_FEEDBACK: lambda cue: self.checkin(cue.occurrence, cue.post),
            RitualKind.MONTHLY_GOALS: self._goals,
            RitualKind.QUADS: lambda cue: self.quad_cycle(cue.occurrence, cue.post),
        }

    def respond(self, kind: str, cue: Cue) -> None:
        """Answer a post of a ritual of this kind, if the demo scripts that ritual."""
        script = self.scripts.get(kind)
        if script is not None:
            script(cue)

    def _say(self, user: str, post: Message, text: str) -> None:
        self.advance(2)
        self.live.reply(channel=post.channel, user=user, text=text, thread_ts=post.ts)

    def _click(self, user: str, action: str, value: int | str, post: Message) -> None:
        self.advance(1)
        self.live.click(user=user, action_id=action, value=str(value), channel=post.channel,
                        message_ts=post.ts)

    # -- a weekly check-in ------------------------------------------------------------
    def checkin(self, occurrence: Occurrence, post: Message) -> None:
        member, manager = occurrence.subject_id, occurrence.counterpart_id or ""
        self._close_listed(post, {CommitmentDecision.DONE: 0.7, CommitmentDecision.NOT_YET: 0.2,
                                  CommitmentDecision.DROP: 0.1},
                           prefix="commitment_")
        pick = self.rng.choice
        self._say(member, post, f"Done: {pick(DONE)}. Next: {pick(NEXT)}. "
                                f"Need: {pick(NEED)}.")
        self._say(manager, post, f"Went well: {pick(WENT_WELL)}. Suggestion: {pick(SUGGEST)}.")
        self._say(member, post, f"Upward: {pick(UPWARD)}.")
        if self.rng.random() < 0.25:  # now and then, someone chooses to share a win
            self._share(member, post, f"Proud of this week: {pick(DONE)}.")
        if self.rng.random() < 0.8:
            self._say(member, post, f"commit: {pick(COMMITS)} by fri")
        if self.rng.random() < 0.4:
            self._modal_commitment(manager, occurrence, post)

    def _share(self, user: str, post: Message, text: str) -> None:
        """'Share in digest' on their own reply: unnamed unless they tick the box."""
        self.advance(2)
        _status, ts = self.live.reply(channel=post.channel, user=user, text=text,
                                      thread_ts=post.ts)
        self.live.message_shortcut(user=user, callback_id="share_in_digest",
                                   channel=post.channel, ts=ts, author=user)
        opened = self.live.standin.opened_views()[-1]
        named = self.rng.random() < 0.3
        values = {"share_kind": {"value": {"type": "radio_buttons",
                                           "selected_option": {"value": "highlight"}}},
                  "share_named": {"value": {"type": "checkboxes", "selected_options":
                                            [{"value": "named"}] if named else []}}}
        self.live.submit_view(user=user, callback_id="share_modal", values=values,
                              private_metadata=opened["private_metadata"])

    def _modal_commitment(self, user: str, occurrence: Occurrence, post: Message) -> None:
        self._click(user, "commitment_add", occurrence.id, post)
        due = self.today_of(user) + timedelta(days=7)
        values = {"commitment_what": {"what": {"type": "plain_text_input",
                                               "value": "unblock the staging budget"}},
                  "commitment_due": {"due": {"type": "datepicker",
                                             "selected_date": due.isoformat()}}}
        self.advance(1)
        self.live.submit_view(user=user, callback_id="commitment_modal", values=values,
                              private_metadata=str(occurrence.id))

    def _owner(self, model: type[_Owned], row_id: int) -> str | None:
        # A short read of its own: holding a transaction while the app handles our
        # clicks would lock SQLite against the app.
        with self.live.db.scope() as session:
            row = session.get(model, row_id)
            return row.owner_id if row is not None else None

    def _close_listed(self, post: Message, odds: dict[str, float], *, prefix: str) -> None:
        """Each owner closes their own listed commitments (never someone else's)."""
        for block in post.blocks or []:
            block_id = str(block.get("block_id", ""))
            if not block_id.startswith("commitment-actions-"):
                continue
            commitment_id = int(block_id.rsplit("-", 1)[1])
            owner = self._owner(Commitment, commitment_id)
            if owner is not None:
                decision = self.rng.choices(list(odds), weights=list(odds.values()))[0]
                self._click(owner, prefix + decision, commitment_id, post)

    # -- the goal-sharing session and its private review ---------------------------------
    def _goals(self, cue: Cue) -> None:
        if cue.step[:1] == ["review"]:  # a member's private review of last month's goals
            self.goal_review(cue.post, owner=cue.step[1])
        else:
            self.goal_session(cue.occurrence, cue.post, cue.members)

    def goal_session(self, occurrence: Occurrence, post: Message, members: list[str]) -> None:
        for n, member in enumerate(members):
            what, measure = GOALS[(n + occurrence.id) % len(GOALS)]
            due = self.today_of(member) + timedelta(days=24)
            if n % 2 == 0:
                self._click(member, "goals_share", occurrence.id, post)
                self.advance(3)
                self.live.submit_view(user=member, callback_id="goals_modal",
                                      values=_goal_values(what, measure, due),
                                      private_metadata=str(occurrence.id))
            else:
                self._say(member, post, f"goal: {what} | {measure} | by {due.isoformat()}")
        for cheerer in self.rng.sample(members, k=min(3, len(members))):
            self._say(cheerer, post, self.rng.choice(CHEERS))

    def goal_review(self, post: Message, owner: str) -> None:
        for block in post.blocks or []:
            block_id = str(block.get("block_id", ""))
            if block_id.startswith("goal-actions-"):
                goal_id = int(block_id.rsplit("-", 1)[1])
                if self._owner(Goal, goal_id) == owner:
                    choice = self.rng.choice(["goal_done", "goal_partly", "goal_carry"])
                    self._click(owner, choice, goal_id, post)

    # -- a quad cycle ---------------------------------------------------------------
    def quad_cycle(self, occurrence: Occurrence, post: Message) -> None:
        self._close_listed(post, {CommitmentDecision.KEPT: 0.6, CommitmentDecision.PARTLY: 0.25,
                                  CommitmentDecision.MISSED: 0.15},
                           prefix="quad_")
        members = list(occurrence.details.get("members", []))
        by = occurrence.details.get("next_cycle")
        for member in members:
            self._say(member, post, f"commit: {self.rng.choice(COMMITS)} by {by}")
        if len(members) > 1:
            self._say(members[1], post, self.rng.choice(CHEERS))


    # -- the team changes one of its prompts by vote -----------------------------------
    def propose_prompt(self, user: str, team_key: str, *, number: int) -> dict[str, str]:
        """`/tend propose`, then the modal: replace the members' check-in prompt
        `number` (their last). Returns the modal's field errors (empty: proposed)."""
        self.advance(3)
        self.live.command(user=user, text="propose")
        values = _proposal_values(team_key, number=number)
        self.advance(2)
        _status, body = self.live.submit_view(user=user, callback_id="propose_modal",
                                              values=values, private_metadata="")
        return dict(body.get("errors", {}))

    def vote(self, post: Message, voters: list[str]) -> None:
        """Each of the team votes on the proposal, in secret; most say yes."""
        for n, voter in enumerate(voters):
            self._click(voter, "proposal_no" if n % 4 == 3 else "proposal_yes",
                        _proposal_id(post), post)


def _proposal_id(post: Message) -> str:
    return next(str(e["value"]) for b in post.blocks or [] if b["type"] == "actions"
                for e in b["elements"])


def _proposal_values(team_key: str, *, number: int) -> dict[str, Any]:
    """The proposal modal as the member fills it in."""
    def select(value: str | None) -> dict[str, Any]:
        return {"value": {"type": "static_select",
                          "selected_option": {"value": value} if value else None}}

    def text(value: str | None) -> dict[str, Any]:
        return {"value": {"type": "plain_text_input", "value": value}}

    return {"proposal_team": select(team_key), "proposal_ritual": select("weekly_feedback"),
            "proposal_kind": select("prompt_replace"), "proposal_every": select(None),
            "proposal_day": text(None),
            "proposal_time": {"value": {"type": "timepicker", "selected_time": None}},
            "proposal_trial": {"value": {"type": "number_input", "value": None}},
            "proposal_role": select("member"),
            "proposal_prompt_number": {"value": {"type": "number_input",
                                                 "value": str(number)}},
            "proposal_text": text(PROPOSED_PROMPT), "proposal_why": text(PROPOSAL_WHY),
            "proposal_sign": {"value": {"type": "checkboxes", "selected_options":
                                        [{"value": "signed"}]}}}


def _goal_values(what: str, measure: str, due: date) -> dict[str, Any]:
    return {"goal1_what": {"value": {"type": "plain_text_input", "value": what}},
            "goal1_measure": {"value": {"type": "plain_text_input", "value": measure}},
            "goal1_due": {"value": {"type": "datepicker", "selected_date": due.isoformat()}}}
