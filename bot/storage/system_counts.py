"""Whole-system counts for GET /metrics: about the system, never about a person (P1)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.domain.enums import OutboxStatus
from bot.storage.models import Occurrence, OutboxMessage, Reply, Ritual


def prompts_sent_by_kind(session: Session) -> list[tuple[str, int]]:
    """Messages delivered, by the kind of ritual they belong to ("notice" for none)."""
    return [(str(kind), count) for kind, count in session.execute(
        select(func.coalesce(Ritual.kind, "notice"), func.count())
        .select_from(OutboxMessage)
        .outerjoin(Occurrence, Occurrence.id == OutboxMessage.occurrence_id)
        .outerjoin(Ritual, Ritual.id == Occurrence.ritual_id)
        .where(OutboxMessage.status == OutboxStatus.SENT).group_by(Ritual.kind))]


def failures_by_reason(session: Session) -> list[tuple[str, int]]:
    """Messages given up on, by Slack's reason."""
    return [(str(reason), count) for reason, count in session.execute(
        select(OutboxMessage.last_error, func.count())
        .where(OutboxMessage.status == OutboxStatus.FAILED)
        .group_by(OutboxMessage.last_error))]


def replies_stored(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Reply)) or 0


def outbox_depth(session: Session) -> int:
    """Messages waiting to be sent (pending, or claimed by a sender)."""
    return session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)))) or 0


def oldest_due(session: Session) -> datetime | None:
    """When the longest-waiting pending message became due."""
    return session.scalar(select(func.min(OutboxMessage.next_attempt_at)).where(
        OutboxMessage.status == OutboxStatus.PENDING))
