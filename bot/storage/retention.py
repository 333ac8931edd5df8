"""The retention purge's deletes (P6): raw text older than the limit; aggregates stay."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Executable, delete, func
from sqlalchemy.orm import Session

from bot.storage.models import Commitment, Goal, OutboxMessage, ProcessedEvent, Reply
from bot.storage.slack_oauth import slack_oauth_states


def _count(session: Session, statement: Executable) -> int:
    """How many rows a DELETE removed (its result is a cursor result)."""
    return cast(CursorResult[Any], session.execute(statement)).rowcount


def delete_old_rows(session: Session, *, before: datetime, events_before: datetime,
                    now: datetime) -> dict[str, int]:
    """Delete text written before `before` and event ids received before `events_before`;
    returns how many rows of each went."""
    return {
        "replies": _count(session, delete(Reply).where(Reply.created_at < before)),
        "commitments": _count(session, delete(Commitment).where(
            Commitment.status != "open", Commitment.created_at < before)),
        "goals": _count(session, delete(Goal).where(
            Goal.status != "open", Goal.created_at < before)),
        # coalesce(): not the (status, next_attempt_at) index, which SQLite would pick
        # and then walk every sent message; created_at's finds only the old ones.
        "messages": _count(session, delete(OutboxMessage).where(
            func.coalesce(OutboxMessage.status, "").in_(("sent", "failed")),
            OutboxMessage.created_at < before)),
        "events": _count(session, delete(ProcessedEvent).where(
            ProcessedEvent.received_at < events_before)),
        # Install attempts never completed (slack_sdk stores naive UTC).
        "oauth_states": _count(session, delete(slack_oauth_states).where(
            slack_oauth_states.c.expire_at < now.astimezone(UTC).replace(tzinfo=None)
        )),
    }
