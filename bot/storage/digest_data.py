"""Reading a team's period out of the database as the digest policy's input.

Each measure is a team total with the set of people it came from. The sets go to the
policy (which needs them for min_group and the difference guard) and no further.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.rituals.common.sessions import TEAM_SUBJECT
from bot.rituals.digest.policy import Measure, PeriodInput, SharedItem
from bot.rituals.kinds import RitualKind
from bot.storage.models import (
    Commitment,
    Goal,
    Occurrence,
    Reply,
    Ritual,
    SharedReply,
    Team,
)

LABELS = {
    "checkins_held": "weekly check-ins held (both sides answered)",
    "commitments_made": "commitments made",
    "commitments_kept": "commitments kept",
    "commitments_carried": "commitments carried to a next conversation",
    "commitments_dropped": "commitments dropped",
    "goals_shared": "goals shared",
    "goals_done": "goals done",
    "goals_partly": "goals partly done",
    "goals_not_done": "goals not done",
    "goals_carried": "goals carried over",
    "quad_cycles_held": "quad cycles held",
    "quad_commitments_kept": "quad commitments kept",
}


def _measure(key: str, people: Iterable[str], count: int | None = None) -> Measure:
    people = list(people)
    return Measure(key=key, label=LABELS[key], value=len(people) if count is None else count,
                   contributors=frozenset(people))


def period_input(session: Session, team: Team, *, period: str, start: datetime,
                 end: datetime) -> PeriodInput:
    """Everything the team did in [start, end), as team totals with their contributors."""
    rituals = {r.kind: r.id for r in session.scalars(
        select(Ritual).where(Ritual.team_id == team.id))}
    measures = [
        *_checkins(session, rituals.get(RitualKind.WEEKLY_FEEDBACK), start, end),
        *_commitments(session, [rituals[k] for k in (RitualKind.WEEKLY_FEEDBACK, RitualKind.QUADS)
                                if k in rituals], start, end),
        *_goals(session, rituals.get(RitualKind.MONTHLY_GOALS), start, end),
        *_quads(session, rituals.get(RitualKind.QUADS), start, end),
    ]
    return PeriodInput(period=period, measures=tuple(measures),
                       shared=tuple(_shared(session, team.id, start, end)))


def _checkins(session: Session, ritual_id: int | None, start: datetime, end: datetime
              ) -> list[Measure]:
    if ritual_id is None:
        return []
    sent = session.scalars(select(Occurrence).where(
        Occurrence.ritual_id == ritual_id, Occurrence.status == "sent",
        Occurrence.scheduled_at >= start, Occurrence.scheduled_at < end)).all()
    authors: dict[int, set[str]] = {}
    for occurrence_id, user_id in session.execute(
            select(Reply.occurrence_id, Reply.user_id)
            .where(Reply.occurrence_id.in_([o.id for o in sent]))):
        authors.setdefault(occurrence_id, set()).add(user_id)
    held = [o for o in sent
            if {o.subject_id, o.counterpart_id} <= authors.get(o.id, set())]
    # Counted by member: the manager sits in every check-in, so counting them would let
    # two members' check-ins pass a min_group of three.
    return [_measure("checkins_held", {o.subject_id for o in held}, count=len(held))]


def _commitments(session: Session, ritual_ids: list[int], start: datetime, end: datetime
                 ) -> list[Measure]:
    if not ritual_ids:
        return []
    in_period = select(Occurrence.id).where(
        Occurrence.ritual_id.in_(ritual_ids), Occurrence.scheduled_at >= start,
        Occurrence.scheduled_at < end)
    # Only what the period can count (made, closed or carried in it), not the whole
    # history: the rest was loaded only to be dropped below.
    rows = session.scalars(select(Commitment).where(
        Commitment.ritual_id.in_(ritual_ids),
        or_(_within(Commitment.created_at, start, end),
            _within(Commitment.closed_at, start, end),
            Commitment.carried_in_occurrence_id.in_(in_period)))).all()
    carried_in = set(session.scalars(in_period))

    def closed(*statuses: str) -> list[Commitment]:
        return [c for c in rows if c.status in statuses and c.closed_at is not None
                and start <= c.closed_at < end]

    made = [c for c in rows if start <= c.created_at < end]
    carried = [c for c in rows if c.carried_in_occurrence_id in carried_in]
    groups = {"commitments_made": made, "commitments_kept": closed("done", "kept"),
              "commitments_carried": carried, "commitments_dropped": closed("dropped")}
    return [_measure(key, {c.owner_id for c in items}, count=len(items))
            for key, items in groups.items()]


def _within(column: InstrumentedAttribute[Any], start: datetime, end: datetime
            ) -> ColumnElement[bool]:
    return and_(column >= start, column < end)


def _goals(session: Session, ritual_id: int | None, start: datetime, end: datetime
           ) -> list[Measure]:
    if ritual_id is None:
        return []
    rows = session.scalars(select(Goal).where(
        Goal.ritual_id == ritual_id,
        or_(_within(Goal.created_at, start, end), _within(Goal.closed_at, start, end)))).all()
    shared = [g for g in rows if g.carried_from_id is None and start <= g.created_at < end]
    measures = [_measure("goals_shared", {g.owner_id for g in shared}, count=len(shared))]
    for status in ("done", "partly", "not_done", "carried"):
        ended = [g for g in rows if g.status == status and g.closed_at is not None
                 and start <= g.closed_at < end]
        measures.append(_measure(f"goals_{status}", {g.owner_id for g in ended},
                                 count=len(ended)))
    return measures


def _quads(session: Session, ritual_id: int | None, start: datetime, end: datetime
           ) -> list[Measure]:
    if ritual_id is None:
        return []
    in_period = session.scalars(select(Occurrence).where(
        Occurrence.ritual_id == ritual_id, Occurrence.scheduled_at >= start,
        Occurrence.scheduled_at < end)).all()
    cycles = [o for o in in_period if o.subject_id == TEAM_SUBJECT and o.status == "held"]
    quad_people = {m for o in in_period if o.subject_id != TEAM_SUBJECT
                   for m in o.details.get("members", [])}
    kept = session.scalars(select(Commitment).where(
        Commitment.ritual_id == ritual_id, Commitment.status == "kept",
        Commitment.closed_at >= start, Commitment.closed_at < end)).all()
    return [_measure("quad_cycles_held", quad_people, count=len(cycles)),
            _measure("quad_commitments_kept", {c.owner_id for c in kept}, count=len(kept))]


def _shared(session: Session, team_id: int, start: datetime, end: datetime
            ) -> list[SharedItem]:
    rows = session.execute(
        select(SharedReply, Reply.text).join(Reply, Reply.id == SharedReply.reply_id)
        .where(SharedReply.team_id == team_id, SharedReply.created_at >= start,
               SharedReply.created_at < end)
        .order_by(SharedReply.id))
    return [SharedItem(kind=s.kind, text=text, author_id=s.author_id, named=s.named)
            for s, text in rows]
