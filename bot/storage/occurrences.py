"""Occurrences: one scheduled run of a ritual for one subject, unique by construction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session, joinedload

from bot.domain.enums import OccurrenceStatus
from bot.domain.team_rituals import TEAM_SUBJECT
from bot.storage.inserts import insert_ignoring_conflicts
from bot.storage.models import Occurrence, Ritual

OccurrenceKey = tuple[int, str, datetime]  # (ritual_id, subject_id, scheduled_at)


def existing_keys(session: Session, keys: Sequence[OccurrenceKey]) -> set[OccurrenceKey]:
    """Which of these occurrences are already recorded (one query per chunk)."""
    found: set[OccurrenceKey] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        earliest = min(key[2] for key in chunk)
        rituals = {key[0] for key in chunk}
        rows = session.execute(
            select(Occurrence.ritual_id, Occurrence.subject_id, Occurrence.scheduled_at)
            .where(Occurrence.ritual_id.in_(rituals), Occurrence.scheduled_at >= earliest)
            .where(tuple_(Occurrence.ritual_id, Occurrence.subject_id).in_(
                {(key[0], key[1]) for key in chunk}))
        )
        found.update((r, s, t) for r, s, t in rows)
    return found & set(keys)


def insert_new(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert occurrences; those another tick inserted first are skipped. Returns new ids.

    A prompt to be sent (pending) is marked for the reminders to look at from its
    scheduled time on (`nudge_from`, see bot/core/nudges.py)."""
    marked = [{**row, "nudge_from": row["scheduled_at"]
               if row["status"] == OccurrenceStatus.PENDING else None} for row in rows]
    return insert_ignoring_conflicts(session, Occurrence, marked, returning=Occurrence.id)


def prompted_before(session: Session, *, ritual_id: int, subject_id: str,
                    counterpart_id: str | None = None, before: datetime) -> int:
    """How many occurrences of the ritual for this subject (and counterpart, for a pair)
    were posted before `before`: the round of the next one, 0 for its first (which reads
    as a first time, and picks its rotating prompt). One indexed count."""
    query = (select(func.count()).select_from(Occurrence)
             .where(Occurrence.ritual_id == ritual_id, Occurrence.subject_id == subject_id,
                    Occurrence.scheduled_at < before,
                    Occurrence.status.in_((OccurrenceStatus.PENDING, OccurrenceStatus.SENT))))
    if counterpart_id is not None:
        query = query.where(Occurrence.counterpart_id == counterpart_id)
    return session.scalar(query) or 0


def occurrence_for_thread(session: Session, *, channel_id: str, ts: str) -> Occurrence | None:
    """The occurrence whose thread this is, with its ritual (one statement: replies and
    buttons in a thread always need the ritual's kind next)."""
    return session.scalars(
        select(Occurrence).options(joinedload(Occurrence.ritual, innerjoin=True)
                                   .joinedload(Ritual.team, innerjoin=True))
        .where(Occurrence.channel_id == channel_id, Occurrence.message_ts == ts)
    ).first()


def ritual_of(session: Session, occurrence: Occurrence) -> Ritual:
    """Through the relationship, so the occurrence keeps the ritual loaded: the session's
    identity map holds objects weakly, and a bare get() would query again next time."""
    return occurrence.ritual or session.get_one(Ritual, occurrence.ritual_id)  # pending


def latest_team_sessions(session: Session, ritual_id: int, *, now: datetime, limit: int
                         ) -> list[Occurrence]:
    """A team ritual's latest sessions up to `now`, latest first."""
    return list(session.scalars(
        select(Occurrence).where(Occurrence.ritual_id == ritual_id,
                                 Occurrence.subject_id == TEAM_SUBJECT,
                                 Occurrence.scheduled_at <= now)
        .order_by(Occurrence.scheduled_at.desc()).limit(limit)))


def recent_listings(session: Session, *, ritual_id: int, since: datetime,
                    subject_id: str | None) -> list[Occurrence]:
    """The ritual's latest sent messages since `since` (of one subject, if given)."""
    query = (select(Occurrence)
             .where(Occurrence.ritual_id == ritual_id, Occurrence.status == OccurrenceStatus.SENT,
                    Occurrence.scheduled_at >= since)
             .order_by(Occurrence.scheduled_at.desc()).limit(20))
    if subject_id is not None:
        query = query.where(Occurrence.subject_id == subject_id)
    return list(session.scalars(query))
