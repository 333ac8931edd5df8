"""The retention purge's deletes (P6): raw text older than the limit; aggregates stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Executable, delete, exists, func, or_, select
from sqlalchemy.orm import Session

from bot.domain.enums import CommitmentStatus, GoalStatus, OutboxStatus
from bot.storage.models import Commitment, Digest, Goal, OutboxMessage, ProcessedEvent, Reply
from bot.storage.slack_oauth import slack_oauth_states

# Processed-event ids are kept this long (Slack retries within minutes).
EVENT_IDS_KEPT = timedelta(days=7)


def _count(session: Session, statement: Executable) -> int:
    """How many rows a DELETE removed (its result is a cursor result)."""
    return cast(CursorResult[Any], session.execute(statement)).rowcount


def _old_rows(*, before: datetime, events_before: datetime, now: datetime
              ) -> dict[str, tuple[Any, ColumnElement[bool]]]:
    """What the purge deletes, by name: (table, which rows)."""
    return {
        "replies": (Reply, Reply.created_at < before),
        "commitments": (Commitment, (Commitment.status != CommitmentStatus.OPEN)
                        & (Commitment.created_at < before)),
        "goals": (Goal, (Goal.status != GoalStatus.OPEN) & (Goal.created_at < before)),
        # coalesce(): not the (status, next_attempt_at) index, which SQLite would pick
        # and then walk every sent message; created_at's finds only the old ones.
        "messages": (OutboxMessage,
                     func.coalesce(OutboxMessage.status, "").in_(
                         (OutboxStatus.SENT, OutboxStatus.FAILED))
                     & (OutboxMessage.created_at < before)),
        "events": (ProcessedEvent, ProcessedEvent.received_at < events_before),
        # Install attempts never completed (slack_sdk stores naive UTC).
        "oauth_states": (slack_oauth_states, slack_oauth_states.c.expire_at
                         < now.astimezone(UTC).replace(tzinfo=None)),
    }


def anything_old(*, before: datetime, events_before: datetime, now: datetime
                 ) -> ColumnElement[bool]:
    """Whether any row is old enough to go (digests' shared words included): indexed
    EXISTS tests, one per table."""
    old = [exists().where(which) for _table, which in _old_rows(
        before=before, events_before=events_before, now=now).values()]
    old.append(exists().where(Digest.text_purged_at.is_(None), Digest.created_at < before))
    return or_(*old)


def anything_to_purge(session: Session, *, before: datetime, events_before: datetime,
                      now: datetime) -> bool:
    """`anything_old`, asked in one statement, so a tick with nothing to purge deletes
    nothing."""
    return bool(session.scalar(select(anything_old(before=before, events_before=events_before,
                                                   now=now))))


def delete_old_rows(session: Session, *, before: datetime, events_before: datetime,
                    now: datetime) -> dict[str, int]:
    """Delete text written before `before` and event ids received before `events_before`;
    returns how many rows of each went."""
    return {name: _count(session, delete(table).where(which))
            for name, (table, which) in _old_rows(
                before=before, events_before=events_before, now=now).items()}
