"""Quad groups: who is in which quad."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from bot.storage.models import QuadGroup


def quad_groups_of(session: Session, rituals: Select[tuple[int]], user_id: str
                   ) -> list[QuadGroup]:
    """The quads the person was ever drawn into in these rituals (export-user)."""
    return [g for g in session.scalars(select(QuadGroup).where(QuadGroup.ritual_id.in_(
        rituals)).order_by(QuadGroup.id)) if user_id in g.members.get("ids", [])]
