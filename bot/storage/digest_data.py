"""The highlights and asks their authors chose to share in a team's digest."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.models import Reply, Ritual, SharedReply


def shared_replies(session: Session, *, team_id: int, start: datetime, end: datetime
                   ) -> list[tuple[SharedReply, str]]:
    """The replies shared in [start, end), oldest first, each with its text."""
    return [(shared, text) for shared, text in session.execute(
        select(SharedReply, Reply.text).join(Reply, Reply.id == SharedReply.reply_id)
        .where(SharedReply.team_id == team_id, SharedReply.created_at >= start,
               SharedReply.created_at < end)
        .order_by(SharedReply.id))]


def team_rituals_by_kind(session: Session, *, team_id: int) -> dict[str, Ritual]:
    """The team's rituals, enabled or not, by kind (a digest counts a paused one too)."""
    return {r.kind: r for r in session.scalars(select(Ritual).where(Ritual.team_id == team_id))}
