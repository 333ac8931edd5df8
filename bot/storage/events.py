"""Processed Slack events: a retried delivery (same event_id) is handled once; so is a
modal submitted twice (its view id and hash, see `bot/platform/guard.py` submission_id)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, joinedload

from bot.storage.inserts import insert_ignoring_conflicts
from bot.storage.models import Occurrence, ProcessedEvent, Ritual
from bot.storage.occurrences import occurrence_for_thread


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


def first_delivery_in_thread(session: Session, *, event_id: str, now: datetime,
                             channel_id: str, ts: str) -> Occurrence | None:
    """Record the event id and find the occurrence whose thread (channel, ts) this is,
    with its ritual and team: None for a retry or a duplicate, or outside tend's threads.

    On PostgreSQL this is one round trip, the insert a data-modifying CTE: PostgreSQL runs
    it to completion whatever the query around it reads, so the id is recorded for any
    event, and the occurrence is returned only if this delivery recorded it. Elsewhere
    (SQLite, a local file: no round trip to save) it is `first_delivery` and a lookup.
    """
    if session.get_bind().dialect.name != "postgresql":
        if not first_delivery(session, event_id=event_id, now=now):
            return None
        return occurrence_for_thread(session, channel_id=channel_id, ts=ts)
    recorded = (postgresql.insert(ProcessedEvent)
                .values(event_id=event_id, received_at=now)
                .on_conflict_do_nothing()
                .returning(ProcessedEvent.event_id)
                .cte("recorded"))
    return session.scalars(
        select(Occurrence).options(joinedload(Occurrence.ritual, innerjoin=True)
                                   .joinedload(Ritual.team, innerjoin=True))
        .where(Occurrence.channel_id == channel_id, Occurrence.message_ts == ts,
               exists(select(recorded.c.event_id)))
    ).first()


def handled(session: Session, *, event_id: str) -> bool:
    """Whether the event id is recorded already. Call it first in the transaction that
    would record it: a twin (the same modal submitted at the same moment) then waits
    here until the first one's transaction ends, and sees what it recorded, rather than
    validating against a half-done state. SQLite's BEGIN IMMEDIATE already serialises
    writers; on PostgreSQL a transaction-level advisory lock on the id does it."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(func.hashtext(event_id))))
    return session.get(ProcessedEvent, event_id) is not None
