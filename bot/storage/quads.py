"""Quad groups: who is in which quad."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from bot.rituals.common.sessions import TEAM_SUBJECT
from bot.storage.models import Occurrence, QuadGroup


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
               Occurrence.status == "held")
    ) or 0


def active_groups(session: Session, ritual_id: int) -> list[QuadGroup]:
    return list(session.scalars(select(QuadGroup).where(
        QuadGroup.ritual_id == ritual_id, QuadGroup.active.is_(True)).order_by(QuadGroup.id)))


def all_groups(session: Session, ritual_id: int) -> list[QuadGroup]:
    """Every group the ritual ever drew or patched (for the pair counts of a new draw)."""
    return list(session.scalars(select(QuadGroup).where(QuadGroup.ritual_id == ritual_id)))
