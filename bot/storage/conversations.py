"""Cached conversation ids: conversations.open is Tier 3, so ask once per set of users,
and for the conversations known ahead (check-in pairs), ask before the first post."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, literal, select
from sqlalchemy.orm import Session

from bot.storage.db import rows_changed
from bot.storage.inserts import insert_ignoring_conflicts
from bot.storage.models import Conversation, ConversationToOpen


def users_key(users: list[str]) -> str:
    return ",".join(sorted(set(users)))


def cached_conversation(session: Session, workspace_id: str, users: list[str]) -> str | None:
    row = session.get(Conversation, (workspace_id, users_key(users)))
    return row.channel_id if row else None


def remember_conversation(
    session: Session, *, workspace_id: str, users: list[str], channel_id: str, now: datetime
) -> None:
    key = users_key(users)
    insert_ignoring_conflicts(
        session, Conversation,
        [{"workspace_id": workspace_id, "users_key": key, "channel_id": channel_id,
          "created_at": now}],
        returning=Conversation.users_key,
    )
    forget_to_open(session, workspace_id=workspace_id, key=key)


def want_conversations(session: Session, *, workspace_id: str, groups: Iterable[list[str]],
                       now: datetime) -> int:
    """The conversations a workspace's rituals will post to, to be opened ahead: those
    not cached yet are marked, and marks no longer wanted (a member who left) dropped.
    Returns how many were newly marked. `groups` is read once, before any statement
    (it may load teams in this session as it goes); only the keys are kept, and the
    cached ones are looked up a chunk at a time, not held: a workspace's whole roster
    of conversations would otherwise sit in memory three times over."""
    keys = {users_key(users) for users in groups}
    marked = set(session.scalars(select(ConversationToOpen.users_key).where(
        ConversationToOpen.workspace_id == workspace_id)))
    for chunk in _chunks(sorted(marked - keys)):
        session.execute(delete(ConversationToOpen).where(
            ConversationToOpen.workspace_id == workspace_id,
            ConversationToOpen.users_key.in_(chunk)))
    to_mark: list[str] = []
    for chunk in _chunks(sorted(keys - marked)):
        cached = set(session.scalars(select(Conversation.users_key).where(
            Conversation.workspace_id == workspace_id, Conversation.users_key.in_(chunk))))
        to_mark += [key for key in chunk if key not in cached]
    return len(insert_ignoring_conflicts(
        session, ConversationToOpen,
        [{"workspace_id": workspace_id, "users_key": key, "created_at": now}
         for key in to_mark],
        returning=ConversationToOpen.users_key))


def _chunks(keys: list[str], size: int = 500) -> list[list[str]]:
    """IN lists of a bounded size (SQLite allows 32,766 parameters a statement)."""
    return [keys[start:start + size] for start in range(0, len(keys), size)]


def conversations_to_open(session: Session, *, limit: int) -> list[tuple[str, list[str]]]:
    """The oldest `limit` conversations waiting to be opened, as (workspace, users): one
    indexed read, empty and cheap once everything is open."""
    rows = session.execute(
        select(ConversationToOpen.workspace_id, ConversationToOpen.users_key)
        .order_by(ConversationToOpen.created_at).limit(limit))
    return [(workspace_id, key.split(",")) for workspace_id, key in rows]


def forget_to_open(session: Session, *, workspace_id: str, key: str) -> None:
    """No longer open this one ahead: it is open, or cannot be (left to the first post,
    which handles the error with its own retries and notices)."""
    session.execute(delete(ConversationToOpen).where(
        ConversationToOpen.workspace_id == workspace_id,
        ConversationToOpen.users_key == key))


def forget_conversations_with(session: Session, *, workspace_id: str, user_id: str) -> int:
    """Delete the cached ids and the opens ahead of every conversation that names this
    person in `workspace_id` (forget-me): a cached id is not content, but it names them.
    A conversation still needed is opened again when it is next posted to."""
    deleted = 0
    for model in (Conversation, ConversationToOpen):
        # users_key is the sorted ids joined by commas: match one whole id in it.
        names = (literal(",") + model.users_key + literal(",")).contains(
            f",{user_id},", autoescape=True)
        deleted += rows_changed(session, delete(model).where(
            model.workspace_id == workspace_id, names))
    return deleted
