"""Replies in tend threads, kept faithfully: edits update them, deletions remove them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.inserts import insert_ignoring_conflicts
from bot.storage.models import Reply


def store_reply(
    session: Session, *, occurrence_id: int, channel_id: str, ts: str, user_id: str,
    text: str, now: datetime,
) -> Reply | None:
    """Store a new reply; None when this (channel, ts) is already stored."""
    reply_id = insert_reply(session, occurrence_id=occurrence_id, channel_id=channel_id,
                            ts=ts, user_id=user_id, text=text, now=now)
    return session.get(Reply, reply_id) if reply_id is not None else None


def insert_reply(
    session: Session, *, occurrence_id: int, channel_id: str, ts: str, user_id: str,
    text: str, now: datetime,
) -> int | None:
    """Insert a new reply without loading it back; its id, or None when already stored."""
    ids = insert_ignoring_conflicts(session, Reply, [{
        "occurrence_id": occurrence_id, "channel_id": channel_id, "ts": ts,
        "user_id": user_id, "text": text, "created_at": now,
    }], returning=Reply.id)
    return ids[0] if ids else None


def find_reply(session: Session, *, channel_id: str, ts: str) -> Reply | None:
    return session.scalars(
        select(Reply).where(Reply.channel_id == channel_id, Reply.ts == ts)
    ).first()
