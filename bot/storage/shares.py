"""Replies offered to the team digest: by the *Share in digest* shortcut or by `share:`
lines in the reply (one row per reply; the words stay in the reply)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.storage.inserts import insert_ignoring_conflicts
from bot.storage.models import Occurrence, Reply, Ritual, SharedReply


def team_of_reply(session: Session, reply: Reply) -> int:
    return session.scalars(
        select(Ritual.team_id).join(Occurrence, Occurrence.ritual_id == Ritual.id)
        .where(Occurrence.id == reply.occurrence_id)).one()


def share_reply(session: Session, reply: Reply, *, kind: str, named: bool, by_keyword: bool,
                now: datetime) -> None:
    """Offer the reply to its team's digest; shared before, the latest choice of kind,
    name and way wins (its first time stays: the digest period it counts in)."""
    inserted = insert_ignoring_conflicts(session, SharedReply, [{
        "reply_id": reply.id, "team_id": team_of_reply(session, reply),
        "author_id": reply.user_id, "kind": kind, "named": named, "by_keyword": by_keyword,
        "created_at": now}], returning=SharedReply.id)
    if not inserted:
        existing = session.scalars(select(SharedReply).where(
            SharedReply.reply_id == reply.id)).one()
        existing.kind, existing.named, existing.by_keyword = kind, named, by_keyword


def withdraw_keyword_share(session: Session, reply: Reply) -> None:
    """The reply's share lines were edited away: what they shared is withdrawn (a share
    made with the shortcut stays)."""
    session.execute(delete(SharedReply).where(SharedReply.reply_id == reply.id,
                                              SharedReply.by_keyword.is_(True)))
