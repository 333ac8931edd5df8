"""Processed Slack events: a retried delivery (same event_id) is handled once; so is a
modal submitted twice (its view id and hash, see `bot/platform/guard.py` submission_id)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.storage.inserts import insert_ignoring_conflicts
from bot.storage.models import ProcessedEvent


def first_delivery(session: Session, *, event_id: str, now: datetime) -> bool:
    """Record the event id; False if it was already recorded (a retry or a duplicate).

    Call it in the same transaction as the event's effect, so a failure rolls both back
    and Slack's retry gets another chance.
    """
    inserted = insert_ignoring_conflicts(
        session, ProcessedEvent, [{"event_id": event_id, "received_at": now}],
        returning=ProcessedEvent.event_id,
    )
    return bool(inserted)


def handled(session: Session, *, event_id: str) -> bool:
    """Whether the event id is recorded already. Call it first in the transaction that
    would record it: a twin (the same modal submitted at the same moment) then waits
    here until the first one's transaction ends, and sees what it recorded, rather than
    validating against a half-done state. SQLite's BEGIN IMMEDIATE already serialises
    writers; on PostgreSQL a transaction-level advisory lock on the id does it."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(func.hashtext(event_id))))
    return session.get(ProcessedEvent, event_id) is not None
