"""The highlights and asks their authors chose to share in a team's digest."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.rituals.digest.policy import SharedItem
from bot.storage.models import Reply, Ritual, SharedReply


def shared_items(session: Session, *, team_id: int, start: datetime, end: datetime
                 ) -> list[SharedItem]:
    rows = session.execute(
        select(SharedReply, Reply.text).join(Reply, Reply.id == SharedReply.reply_id)
        .where(SharedReply.team_id == team_id, SharedReply.created_at >= start,
               SharedReply.created_at < end)
        .order_by(SharedReply.id))
    return [SharedItem(kind=s.kind, text=text, author_id=s.author_id, named=s.named)
            for s, text in rows]


def team_rituals_by_kind(session: Session, *, team_id: int) -> dict[str, Ritual]:
    """The team's rituals, enabled or not, by kind (a digest counts a paused one too)."""
    return {r.kind: r for r in session.scalars(select(Ritual).where(Ritual.team_id == team_id))}
