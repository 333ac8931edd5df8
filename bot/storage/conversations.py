"""Cached conversation ids: conversations.open is Tier 3, so ask once per set of users."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.storage.inserts import insert_ignoring_conflicts
from bot.storage.models import Conversation


def users_key(users: list[str]) -> str:
    return ",".join(sorted(set(users)))


def cached_conversation(session: Session, workspace_id: str, users: list[str]) -> str | None:
    row = session.get(Conversation, (workspace_id, users_key(users)))
    return row.channel_id if row else None


def remember_conversation(
    session: Session, *, workspace_id: str, users: list[str], channel_id: str, now: datetime
) -> None:
    insert_ignoring_conflicts(
        session, Conversation,
        [{"workspace_id": workspace_id, "users_key": users_key(users), "channel_id": channel_id,
          "created_at": now}],
        returning=Conversation.users_key,
    )
