"""The outbox: messages to send, written in the transaction that caused them.

A sender claims due rows (a conditional UPDATE, with FOR UPDATE SKIP LOCKED on
PostgreSQL so concurrent clocks never wait on each other), sends them, and records the
outcome. A claim is a lease: if its holder dies, or is slower than its lease, the row
becomes due again and another clock may claim it. Each claim writes a fresh
`claim_token`; every later step of the holder (renewing before a post, recording the
outcome) is an UPDATE conditional on that token, so a clock that lost a row to another
can neither post it nor overwrite what the other recorded.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from bot.domain.enums import OccurrenceStatus, OutboxStatus
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
    claim_token: str
    # Where an earlier attempt's post may be (see `hold_for_post`); None: nowhere.
    post_window: tuple[datetime, datetime] | None


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
        status=OutboxStatus.PENDING, attempts=0, next_attempt_at=now, created_at=now,
    ))


def enqueue_once(session: Session, *, workspace_id: str, key: str, payload: dict[str, Any],
                 now: datetime, users: list[str]) -> None:
    """Enqueue unless a message with this key was ever enqueued (a one-time notice)."""
    insert_ignoring_conflicts(session, OutboxMessage, [{
        "workspace_id": workspace_id, "key": key, "payload": payload,
        "users": ",".join(users), "status": OutboxStatus.PENDING,
        "attempts": 0, "next_attempt_at": now, "created_at": now,
    }], returning=OutboxMessage.id)


def messages_due(now: datetime) -> ColumnElement[bool]:
    """A message due to be sent: pending and due, or claimed by a clock whose lease ran out."""
    return or_(
        (OutboxMessage.status == OutboxStatus.PENDING) & (OutboxMessage.next_attempt_at <= now),
        (OutboxMessage.status == OutboxStatus.SENDING) & (OutboxMessage.lease_until < now),
    )


def claim_due(session: Session, *, now: datetime, limit: int,
              lease: timedelta | None = None) -> list[ClaimedMessage]:
    lease = LEASE if lease is None else lease
    due = (
        select(OutboxMessage.id)
        .where(messages_due(now))
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(session.scalars(due))
    if not ids:
        return []
    token = secrets.token_hex(16)
    # The status re-check makes the claim safe on SQLite too, where there is no row lock.
    claimed = session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .where(or_(OutboxMessage.status == OutboxStatus.PENDING,
                   (OutboxMessage.status == OutboxStatus.SENDING)
                   & (OutboxMessage.lease_until < now)))
        .values(status=OutboxStatus.SENDING, lease_until=now + lease, claim_token=token,
                attempts=OutboxMessage.attempts + 1)
        .returning(OutboxMessage)
    ).all()
    return [
        ClaimedMessage(
            id=row.id, key=row.key, workspace_id=row.workspace_id, channel_id=row.channel_id,
            users=row.users.split(",") if row.users else [], payload=row.payload,
            occurrence_id=row.occurrence_id, attempts=row.attempts, claim_token=token,
            post_window=(row.post_window_start, row.post_window_end)
            if row.post_window_start and row.post_window_end else None,
        )
        for row in sorted(claimed, key=lambda r: r.id)
    ]


def _held(message: ClaimedMessage) -> ColumnElement[bool]:
    """The row is still this claim's: nobody re-claimed it, nobody recorded it."""
    return ((OutboxMessage.id == message.id) & (OutboxMessage.status == OutboxStatus.SENDING)
            & (OutboxMessage.claim_token == message.claim_token))


def _update_if_held(session: Session, message: ClaimedMessage, **values: object) -> bool:
    result = session.execute(update(OutboxMessage).where(_held(message)).values(**values)
                             .returning(OutboxMessage.id))
    return result.first() is not None


def renew(session: Session, message: ClaimedMessage, *, now: datetime,
          lease: timedelta | None = None) -> bool:
    """Extend the lease from `now` if this claim still holds the row; False if it lost it.

    A lease that ran out but was not re-claimed is still this claim's to renew: the
    token proves nobody else took it meanwhile.
    """
    return _update_if_held(session, message, lease_until=now + (lease or LEASE))


def hold_for_post(session: Session, message: ClaimedMessage, *, now: datetime,
                  wall_clock: datetime, lease: timedelta | None = None) -> bool:
    """Renew the lease just before posting, and note when the post may land.

    The post window opens now (by the wall clock that Slack's ts follow) and closes when
    the renewed lease ends: a post call outlasting its lease is not expected (see
    docs/operations.md), so a later look-back need search only that span. A look-back
    done before this call found nothing in the previous window, so it is replaced.
    """
    lease = lease or LEASE
    return _update_if_held(session, message, lease_until=now + lease,
                           post_window_start=wall_clock, post_window_end=wall_clock + lease)


def narrow_post_window(session: Session, message: ClaimedMessage, *, end: datetime) -> None:
    """A look-back stopped part way (rate limited): what is newer than `end` was searched."""
    _update_if_held(session, message, post_window_end=end)


def mark_sent(session: Session, message: ClaimedMessage, *, channel_id: str, ts: str,
              now: datetime) -> bool:
    """Record the post; False (nothing written) if another claim holds the row now."""
    if not _update_if_held(session, message, status=OutboxStatus.SENT, sent_channel_id=channel_id,
                           sent_ts=ts, sent_at=now, lease_until=None, last_error=None,
                           claim_token=None):
        return False
    if message.occurrence_id is not None:
        occurrence = session.get_one(Occurrence, message.occurrence_id)
        occurrence.status = OccurrenceStatus.SENT
        occurrence.channel_id, occurrence.message_ts = channel_id, ts
    return True


def release(session: Session, message: ClaimedMessage, *, at: datetime) -> None:
    """Give a claimed message back untried (paced, or its look-back was rate limited):
    due again at `at`, no attempt used."""
    _update_if_held(session, message, status=OutboxStatus.PENDING, next_attempt_at=at,
                    lease_until=None, claim_token=None,
                    attempts=max(0, message.attempts - 1))


def mark_retry(session: Session, message: ClaimedMessage, *, error: str,
               failed_at: datetime, delay: timedelta) -> None:
    """Due again `delay` after the failure itself, not after the tick began: late in a
    long drain, a backoff counted from the tick's start may already have passed."""
    _update_if_held(session, message, status=OutboxStatus.PENDING,
                    next_attempt_at=failed_at + delay,
                    lease_until=None, claim_token=None, last_error=error[:200])


def mark_failed(session: Session, message: ClaimedMessage, *, error: str) -> bool:
    if not _update_if_held(session, message, status=OutboxStatus.FAILED, lease_until=None,
                           claim_token=None, last_error=error[:200]):
        return False
    if message.occurrence_id is not None:
        occurrence = session.get_one(Occurrence, message.occurrence_id)
        occurrence.status, occurrence.reason = OccurrenceStatus.FAILED, error[:64]
    return True


def message_by_key(session: Session, key: str) -> OutboxMessage | None:
    return session.scalars(select(OutboxMessage).where(OutboxMessage.key == key)).first()
