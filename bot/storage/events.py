"""Processed Slack events: a retried delivery (same event_id) is handled once."""

from __future__ import annotations

from datetime import datetime

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
