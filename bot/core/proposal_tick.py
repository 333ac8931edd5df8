"""The tick's part in proposals: post the drafted ones, close the due ones, and apply
an adopted change through the coach's setup path (`apply_config`), in the tick's one
planning transaction. Only team counts leave it, and only at or above min_group (P2)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy.orm import Session

from bot.config.apply import apply_config, export_config
from bot.config.schema import TeamSpec, TendConfig
from bot.domain.enums import ProposalStatus
from bot.domain.proposals import (
    KEEP_CHANGE_DROP,
    MIN_GROUP_FLOOR,
    OPEN_FOR,
    Outcome,
    decide,
    overlay,
    vote_words,
)
from bot.messages.ids import VOTE_ACTIONS
from bot.messages.render import Message, Template, render_message
from bot.rituals import registry
from bot.rituals.common.team_sessions import coach_notice
from bot.storage import outbox
from bot.storage.models import Proposal, Team
from bot.storage.proposals import choices_of, due_proposals, team_of
from bot.storage.teams import active_people

log = logging.getLogger(__name__)

LABELS = {"yes": "Yes", "no": "No", "keep": "Keep", "change": "Change", "drop": "Drop"}
ORIGINS = {"member": "Proposed by someone in the team (unsigned).",
           "retrospective": "Drafted by tend from the team's retrospective result.",
           "trial": "The trial is over: the team decides whether to keep it."}


def advance_proposals(session: Session, *, now: datetime) -> int:
    """Post every drafted proposal due and close every open one due; returns how many."""
    due = due_proposals(session, now=now)
    for proposal in due:
        if proposal.status == ProposalStatus.PENDING:
            _post(session, proposal, now=now)
        else:
            _close(session, proposal, now=now)
    return len(due)


def min_group(team: Team) -> int:
    """The team's threshold for showing a count (P2): the strictest `min_group` any of
    its rituals has (the digest's), never below the floor."""
    found = [v for r in team.rituals if isinstance(v := r.options.get("min_group"), int)]
    return max([MIN_GROUP_FLOOR, *found])


def _title(kind: str) -> str:
    ritual = registry.find(kind)
    return ritual.title if ritual else kind


def render_proposal(team: Team, proposal: Proposal, *, closes_at: datetime,
                    outcome_line: str | None = None) -> Message:
    """The channel message: open with its buttons, or closed with its outcome."""
    zone = ZoneInfo(team.timezone)
    trial = tuple(proposal.choices) == KEEP_CHANGE_DROP
    return render_message(
        Template.PROPOSAL, team_name=team.name, ritual_title=_title(proposal.ritual_kind),
        summary=proposal.summary, reason=proposal.reason,
        proposer=proposal.proposer_id if proposal.signed else None,
        origin_line=ORIGINS.get(proposal.origin, ""), proposal_id=proposal.id,
        closes_label=f"{closes_at.astimezone(zone):%a %-d %b %H:%M} ({team.timezone})",
        winning="*drop* to end it (otherwise it is kept)" if trial else "*yes*",
        min_group=min_group(team),
        choices=[{"action": VOTE_ACTIONS[c].value, "label": LABELS[c]}
                 for c in proposal.choices],
        closed=outcome_line is not None, outcome_line=outcome_line or "")


def _post(session: Session, proposal: Proposal, *, now: datetime) -> None:
    team = team_of(session, proposal)
    proposal.status, proposal.due_at = ProposalStatus.OPEN, now + OPEN_FOR
    message = render_proposal(team, proposal, closes_at=proposal.due_at)
    outbox.enqueue(session, workspace_id=team.workspace_id, key=_key(proposal, "post"),
                   payload={**message.as_dict(), "join": True,
                            "notify_on_failure": coach_notice(team, "a proposal")},
                   channel_id=team.channel_id, now=now)
    log.info("proposal %s posted for team %s", proposal.id, team.key)


def _key(proposal: Proposal, what: str) -> str:
    return f"proposal:{proposal.id}:{what}"


def _close(session: Session, proposal: Proposal, *, now: datetime) -> None:
    team = team_of(session, proposal)
    people = active_people(team, "member", "manager")
    outcome = decide(choices_of(session, proposal.id, people), people=len(people),
                     offered=proposal.choices, min_group=min_group(team))
    failure = None
    patch = _patch(proposal, outcome)
    if patch is not None:
        failure = _apply(session, team, patch, how=vote_words(outcome), now=now)
    # a trial's end is always decided (kept or dropped): `adopted` says so
    proposal.status = (ProposalStatus.FAILED if failure else
                       ProposalStatus.ADOPTED if outcome.adopted else ProposalStatus.DECLINED)
    proposal.counts, proposal.closed_at, proposal.due_at = outcome.counts, now, None
    line = _outcome_line(team, proposal, outcome, failure)
    _announce(session, team, proposal, line, now=now)
    log.info("proposal %s closed: %s", proposal.id, proposal.status)


def _patch(proposal: Proposal, outcome: Outcome) -> dict[str, Any] | None:
    """What the outcome changes, in the teams file's shape (None: nothing)."""
    if proposal.origin == "trial":
        values: dict[str, Any] = {"trial": None}
        if outcome.decision == "drop":
            values["enabled"] = False
        ritual = registry.find(proposal.ritual_kind)
        if ritual is None:
            return None
        kind = proposal.ritual_kind
        return {kind: values} if ritual.team_level_key else {"rituals": {kind: values}}
    return proposal.change if outcome.adopted else None


def _apply(session: Session, team: Team, patch: dict[str, Any], *, how: str,
           now: datetime) -> str | None:
    """Apply the patch as a coach's setup save would; why not, if the team's current
    configuration no longer accepts it."""
    current = next(t for t in export_config(session, team.workspace_id).teams
                   if t.key == team.key)
    try:
        spec = TeamSpec.model_validate(overlay(current.model_dump(mode="json",
                                                                   exclude_none=True), patch))
    except ValidationError as exc:
        error = exc.errors()[0]
        return str(error["msg"]).removeprefix("Value error, ")
    apply_config(session, TendConfig(teams=[spec]), workspace_id=team.workspace_id, now=now,
                 how=how)
    return None


def _counts_words(outcome: Outcome) -> str:
    if outcome.counts is None:
        return "Too few people voted to show the counts without identifying anyone."
    return "Team counts: " + ", ".join(f"{LABELS[c].lower()} {n}"
                                       for c, n in outcome.counts.items()) + "."


def _outcome_line(team: Team, proposal: Proposal, outcome: Outcome,
                  failure: str | None) -> str:
    what = f"“{proposal.summary}”"
    if proposal.origin == "trial":
        verdict = (f"The team dropped {_title(proposal.ritual_kind)}: it is switched off, "
                   "its settings and history kept." if outcome.decision == "drop" else
                   f"The team keeps {_title(proposal.ritual_kind)}: the trial is over.")
        if outcome.most == "change":
            verdict += " Most want it changed: propose how with `/tend propose`."
    elif proposal.status == ProposalStatus.ADOPTED:
        verdict = f"Adopted: {what}. It applies from the next run."
    elif proposal.status == ProposalStatus.FAILED:
        verdict = f"Adopted: {what}"
    else:
        verdict = f"Declined: {what}. Nothing changes."
    if failure:
        verdict += (f" It could not be applied: the team's configuration no longer accepts "
                    f"it ({failure}). Nothing was changed; the coaches were told.")
    return f"{verdict} {_counts_words(outcome)}"


def _announce(session: Session, team: Team, proposal: Proposal, line: str, *,
              now: datetime) -> None:
    """The channel message closed, the outcome in its thread, and each coach told."""
    posted = outbox.message_by_key(session, _key(proposal, "post"))
    ts = posted.sent_ts if posted is not None else None
    outcome = render_message(Template.PROPOSAL_OUTCOME, outcome_line=line).as_dict()
    if ts:
        closed = render_proposal(team, proposal, closes_at=now, outcome_line=line)
        outbox.enqueue(session, workspace_id=team.workspace_id, key=_key(proposal, "closed"),
                       payload={**closed.as_dict(), "update_ts": ts},
                       channel_id=team.channel_id, now=now)
    outbox.enqueue(session, workspace_id=team.workspace_id, key=_key(proposal, "outcome"),
                   payload={**outcome, **({"thread_ts": ts} if ts else {})},
                   channel_id=team.channel_id, now=now)
    note = render_message(Template.PROPOSAL_OUTCOME,
                          outcome_line=f"*{team.name}*, {_title(proposal.ritual_kind)}: "
                                       f"{line}").as_dict()
    for coach in active_people(team, "coach"):
        outbox.enqueue(session, workspace_id=team.workspace_id,
                       key=_key(proposal, f"coach:{coach}"), payload=note, users=[coach],
                       now=now)
