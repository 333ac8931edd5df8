"""Quad groups: who is in which quad."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from bot.domain.enums import CommitmentStatus, OccurrenceStatus
from bot.domain.team_rituals import TEAM_SUBJECT
from bot.storage.models import Commitment, Occurrence, QuadGroup


def quad_groups_of(session: Session, rituals: Select[int], user_id: str
                   ) -> list[QuadGroup]:
    """The quads the person was ever drawn into in these rituals (export-user)."""
    return [g for g in session.scalars(select(QuadGroup).where(QuadGroup.ritual_id.in_(
        rituals)).order_by(QuadGroup.id)) if user_id in g.members.get("ids", [])]


def held_cycles(session: Session, ritual_id: int) -> int:
    """How many cycles of the quads ritual were held (its team-level markers)."""
    return session.scalar(
        select(func.count()).select_from(Occurrence)
        .where(Occurrence.ritual_id == ritual_id, Occurrence.subject_id == TEAM_SUBJECT,
               Occurrence.status == OccurrenceStatus.HELD)
    ) or 0


def active_groups(session: Session, ritual_id: int) -> list[QuadGroup]:
    return list(session.scalars(select(QuadGroup).where(
        QuadGroup.ritual_id == ritual_id, QuadGroup.active.is_(True)).order_by(QuadGroup.id)))


def all_groups(session: Session, ritual_id: int) -> list[QuadGroup]:
    """Every group the ritual ever drew or patched (for the pair counts of a new draw)."""
    return list(session.scalars(select(QuadGroup).where(QuadGroup.ritual_id == ritual_id)))


@dataclass(frozen=True)
class QuadPeriod:
    cycles_held: int
    people: set[str]  # everyone drawn into a quad of the period
    kept_owners: list[str]  # one per commitment kept in the period


def quad_period(session: Session, *, ritual_id: int, start: datetime, end: datetime
                ) -> QuadPeriod:
    """The quads ritual's cycles in [start, end), who took part, and what was kept."""
    in_period = session.scalars(select(Occurrence).where(
        Occurrence.ritual_id == ritual_id, Occurrence.scheduled_at >= start,
        Occurrence.scheduled_at < end)).all()
    kept = session.scalars(select(Commitment.owner_id).where(
        Commitment.ritual_id == ritual_id, Commitment.status == CommitmentStatus.KEPT,
        Commitment.closed_at >= start, Commitment.closed_at < end)).all()
    return QuadPeriod(
        cycles_held=sum(1 for o in in_period
                        if o.subject_id == TEAM_SUBJECT and o.status == OccurrenceStatus.HELD),
        people={m for o in in_period if o.subject_id != TEAM_SUBJECT
                for m in o.details.get("members", [])},
        kept_owners=list(kept))
