"""The retro at each tick: close the sessions whose voting is over, then post the new
ones (each exactly once, through the outbox); and `agree:` lines kept in step."""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.domain.enums import ProposalStatus, RetroChoice
from bot.rituals.base import RitualDefinition
from bot.rituals.common.sessions import (
    TeamRitual,
    due_sessions,
    following_session,
    month_label,
)
from bot.rituals.common.team_sessions import claim_session, coach_notice
from bot.rituals.kinds import RitualKind
from bot.rituals.retro import rules
from bot.rituals.retro.config import PROMPTS
from bot.rituals.retro.messages import (
    Voted,
    propose_value,
    render_result,
    render_session,
    stored,
)
from bot.storage import outbox
from bot.storage.models import Occurrence, Reply, Team
from bot.storage.proposals import add_proposal
from bot.storage.retro import (
    add_agreement,
    agreement_for_reply,
    choices_by_ritual,
    record_result,
    team_agreements,
    unclosed_sessions,
)
from bot.storage.teams import as_team_ritual, team_rituals

log = logging.getLogger(__name__)

KIND = RitualKind.RETRO


def plan_retros(session: Session, *, now: datetime, catchup: timedelta,
                ritual_ids: Collection[int] | None = None) -> int:
    """Close what is over first, so a retro closes before the next one is posted (of
    these rituals only, if given: the tick passes the due ones)."""
    rituals = team_rituals(session, KIND, ritual_ids)
    for ritual in rituals:
        for held in unclosed_sessions(session, ritual_id=ritual.ritual_id):
            if now >= closes_at(ritual, held):
                close_session(session, held, now=now)
    planned = 0
    for due in due_sessions(rituals, now=now, catchup=catchup):
        occurrence = claim_session(session, due, now=now)
        if occurrence is not None and not (due.missed or due.skipped):
            _enqueue_session(session, occurrence, now=now)
            planned += 1
    return planned


def next_closes(session: Session, ritual_ids: Collection[int]) -> dict[int, datetime]:
    """When each of these retros' earliest open vote closes (none: nothing open)."""
    found: dict[int, datetime] = {}
    for ritual in team_rituals(session, KIND, ritual_ids):
        closes = [closes_at(ritual, held)
                  for held in unclosed_sessions(session, ritual_id=ritual.ritual_id)]
        if closes:
            found[ritual.ritual_id] = min(closes)
    return found


def closes_at(ritual: TeamRitual, occurrence: Occurrence) -> datetime:
    return rules.closes_at(occurrence.scheduled_at,
                           following_session(ritual, occurrence.scheduled_at))


def min_group(team: Team) -> int:
    """The team's threshold for showing a count (P2): the strictest `min_group` any of its
    rituals is configured with (the digest's), never below the floor."""
    found = [value for r in team.rituals
             if isinstance(value := r.options.get("min_group"), int)]
    return max([rules.MIN_GROUP_FLOOR, *found])


def on_ballot(team: Team) -> list[Voted]:
    """The rituals the team runs (enabled ones, the retro and the digest too), each with
    its title, in the order they were set up."""
    titles = RitualDefinition.titles()
    return [Voted(r.id, titles[r.kind]) for r in team.rituals
            if r.enabled and r.kind in titles]


def ballot_of(occurrence: Occurrence) -> list[Voted]:
    """The rituals a session put to the vote (those still configured)."""
    by_id = {r.id: r for r in occurrence.ritual.team.rituals}
    titles = RitualDefinition.titles()
    return [Voted(i, titles.get(by_id[i].kind, by_id[i].kind))
            for i in (int(x) for x in occurrence.details.get("rituals", [])) if i in by_id]


def render_occurrence_message(session: Session, occurrence: Occurrence, *, closed: bool
                              ) -> dict[str, Any]:
    """The session message as it reads now (open, or closed without its buttons)."""
    ritual = occurrence.ritual
    team = ritual.team
    message = render_session(
        team_name=team.name, team_key=team.key,
        month=month_label(occurrence.scheduled_at, team.timezone),
        occurrence_id=occurrence.id, agreements=team_agreements(session, team_id=team.id),
        rituals=ballot_of(occurrence), closes_at=closes_at(as_team_ritual(ritual), occurrence),
        timezone=team.timezone, min_group=min_group(team), closed=closed,
        prompts=PROMPTS.resolve(ritual.options.get("prompts"),
                                round_index=occurrence.details.get("round")).of())
    return message.as_dict()


def _enqueue_session(session: Session, occurrence: Occurrence, *, now: datetime) -> None:
    team = occurrence.ritual.team
    occurrence.details = {**occurrence.details, "rituals": [v.id for v in on_ballot(team)]}
    message = render_occurrence_message(session, occurrence, closed=False)
    payload = {**message, "join": True,
               "notify_on_failure": coach_notice(team, "the team retrospective")}
    outbox.enqueue(session, workspace_id=team.workspace_id,
                   key=f"occurrence:{occurrence.id}:prompt", payload=payload,
                   channel_id=team.channel_id, occurrence_id=occurrence.id, now=now)


def close_session(session: Session, occurrence: Occurrence, *, now: datetime) -> None:
    """Count the votes (team-level, P2) and close the retro, once: the session loses its
    buttons and the result is posted in the team channel."""
    team = occurrence.ritual.team
    choices = choices_by_ritual(session, occurrence_id=occurrence.id)
    threshold = min_group(team)
    ballot = ballot_of(occurrence)
    tallies = [rules.tally(voted.title, choices.get(voted.id, []), min_group=threshold)
               for voted in ballot]
    results = stored(tallies)
    if not record_result(session, occurrence_id=occurrence.id,
                         result={"rituals": results, "min_group": threshold}, now=now):
        return  # another tick closed it
    log.info("retro %s closed", occurrence.id)  # counts only in the channel, never voters
    propose = _draft_proposals(session, occurrence, ballot, tallies, now=now)
    if not (occurrence.channel_id and occurrence.message_ts):
        return  # never posted (missed, failed): nothing to update or answer
    closed = render_occurrence_message(session, occurrence, closed=True)
    outbox.enqueue(session, workspace_id=team.workspace_id,
                   key=f"occurrence:{occurrence.id}:closed",
                   payload={**closed, "update_ts": occurrence.message_ts},
                   channel_id=occurrence.channel_id, now=now)
    result = render_result(team_name=team.name, results=results, propose=propose,
                           month=month_label(occurrence.scheduled_at, team.timezone))
    outbox.enqueue(session, workspace_id=team.workspace_id,
                   key=f"occurrence:{occurrence.id}:result", payload=result.as_dict(),
                   channel_id=occurrence.channel_id, now=now)


def _draft_proposals(session: Session, occurrence: Occurrence, ballot: list[Voted],
                     tallies: list[rules.RitualResult], *, now: datetime
                     ) -> list[tuple[str, str]]:
    """The retro's result as proposals (docs/proposals.md): a ritual most voted to *drop*
    is put to the team's vote as "switch it off" (posted at the next tick); one most
    voted to *change* gets a *Propose a change* button, returned as (title, value)."""
    team = occurrence.ritual.team
    kinds = {r.id: r.kind for r in team.rituals}
    invite: list[tuple[str, str]] = []
    for voted, tally in zip(ballot, tallies, strict=True):
        kind, leading = kinds.get(voted.id), rules.leading(tally.counts)
        if kind is None or leading is None:
            continue
        if leading == RetroChoice.DROP:
            add_proposal(session, team_id=team.id, ritual_kind=kind, proposer_id=None,
                         signed=False, origin="retrospective", reason=None, created_at=now,
                         summary=f"Switch {voted.title} off (the retrospective voted to "
                                 "drop it)",
                         change=RitualDefinition.patch(kind, {"enabled": False}),
                         choices=["yes", "no"], status=ProposalStatus.PENDING, due_at=now)
        elif leading == RetroChoice.CHANGE:
            invite.append((voted.title, propose_value(team.key, kind)))
    return invite


def sync_agreement_from_reply(session: Session, reply: Reply, *,
                              occurrence: Occurrence | None, deleted: bool,
                              now: datetime | None) -> None:
    """Make the agreement written in an `agree:` reply match the reply's current text."""
    existing = agreement_for_reply(session, reply_id=reply.id)
    if deleted:
        if existing is not None:
            session.delete(existing)
        return
    assert occurrence is not None and now is not None
    text = rules.parse_agreement(reply.text)
    if existing is None:
        add_agreement(session, team_id=occurrence.ritual.team_id, text=text, now=now,
                      reply_id=reply.id)
    else:
        existing.text = text
