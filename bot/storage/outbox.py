"""The outbox: messages to send, written in the transaction that caused them.

A sender claims due rows (a conditional UPDATE, with FOR UPDATE SKIP LOCKED on
PostgreSQL so concurrent clocks never wait on each other), sends them, and records the
outcome. A claim is a lease: if its holder dies, the row becomes due again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.storage.inserts import insert_ignoring_conflicts
from bot.storage.models import Occurrence, OutboxMessage

LEASE = timedelta(minutes=2)


@dataclass(frozen=True)
class ClaimedMessage:
    id: int
    key: str
    workspace_id: str
    channel_id: str | None
    users: list[str]
    payload: dict[str, Any]
    occurrence_id: int | None
    attempts: int


def enqueue(
    session: Session,
    *,
    workspace_id: str,
    key: str,
    payload: dict[str, Any],
    now: datetime,
    channel_id: str | None = None,
    users: list[str] | None = None,
    occurrence_id: int | None = None,
) -> None:
    session.add(OutboxMessage(
        workspace_id=workspace_id, key=key, payload=payload, channel_id=channel_id,
        users=",".join(users) if users else None, occurrence_id=occurrence_id,
        status="pending", attempts=0, next_attempt_at=now, created_at=now,
    ))


def enqueue_once(session: Session, *, workspace_id: str, key: str, payload: dict[str, Any],
                 now: datetime, users: list[str]) -> None:
    """Enqueue unless a message with this key was ever enqueued (a one-time notice)."""
    insert_ignoring_conflicts(session, OutboxMessage, [{
        "workspace_id": workspace_id, "key": key, "payload": payload,
        "users": ",".join(users), "status": "pending",
        "attempts": 0, "next_attempt_at": now, "created_at": now,
    }], returning=OutboxMessage.id)


def claim_due(session: Session, *, now: datetime, limit: int) -> list[ClaimedMessage]:
    due = (
        select(OutboxMessage.id)
        .where(or_(
            (OutboxMessage.status == "pending") & (OutboxMessage.next_attempt_at <= now),
            (OutboxMessage.status == "sending") & (OutboxMessage.lease_until < now),
        ))
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(session.scalars(due))
    if not ids:
        return []
    # The status re-check makes the claim safe on SQLite too, where there is no row lock.
    claimed = session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .where(or_(OutboxMessage.status == "pending",
                   (OutboxMessage.status == "sending") & (OutboxMessage.lease_until < now)))
        .values(status="sending", lease_until=now + LEASE,
                attempts=OutboxMessage.attempts + 1)
        .returning(OutboxMessage)
    ).all()
    return [
        ClaimedMessage(
            id=row.id, key=row.key, workspace_id=row.workspace_id, channel_id=row.channel_id,
            users=row.users.split(",") if row.users else [], payload=row.payload,
            occurrence_id=row.occurrence_id, attempts=row.attempts,
        )
        for row in sorted(claimed, key=lambda r: r.id)
    ]


def mark_sent(session: Session, *, message_id: int, channel_id: str, ts: str,
              now: datetime) -> None:
    row = session.get_one(OutboxMessage, message_id)
    row.status, row.sent_channel_id, row.sent_ts, row.sent_at = "sent", channel_id, ts, now
    row.lease_until, row.last_error = None, None
    if row.occurrence_id is not None:
        occurrence = session.get_one(Occurrence, row.occurrence_id)
        occurrence.status, occurrence.channel_id, occurrence.message_ts = "sent", channel_id, ts


def release(session: Session, *, message_id: int, at: datetime) -> None:
    """Give a claimed message back untried (paced): due again at `at`, no attempt used."""
    row = session.get_one(OutboxMessage, message_id)
    row.status, row.next_attempt_at, row.lease_until = "pending", at, None
    row.attempts = max(0, row.attempts - 1)


def mark_retry(session: Session, *, message_id: int, error: str, failed_at: datetime,
               delay: timedelta) -> None:
    """Due again `delay` after the failure itself, not after the tick began: late in a
    long drain, a backoff counted from the tick's start may already have passed."""
    row = session.get_one(OutboxMessage, message_id)
    row.status, row.next_attempt_at, row.lease_until, row.last_error = (
        "pending", failed_at + delay, None, error[:200])


def mark_failed(session: Session, *, message_id: int, error: str) -> None:
    row = session.get_one(OutboxMessage, message_id)
    row.status, row.lease_until, row.last_error = "failed", None, error[:200]
    if row.occurrence_id is not None:
        occurrence = session.get_one(Occurrence, row.occurrence_id)
        occurrence.status, occurrence.reason = "failed", error[:64]
