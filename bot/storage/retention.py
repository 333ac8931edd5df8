"""The retention purge's deletes (P6): raw text older than the limit; aggregates stay."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.storage.models import Commitment, Goal, OutboxMessage, ProcessedEvent, Reply
from bot.storage.slack_oauth import slack_oauth_states


def delete_old_rows(session: Session, *, before: datetime, events_before: datetime,
                    now: datetime) -> dict[str, int]:
    """Delete text written before `before` and event ids received before `events_before`;
    returns how many rows of each went."""
    return {
        "replies": session.execute(delete(Reply).where(Reply.created_at < before)).rowcount,
        "commitments": session.execute(delete(Commitment).where(
            Commitment.status != "open", Commitment.created_at < before)).rowcount,
        "goals": session.execute(delete(Goal).where(
            Goal.status != "open", Goal.created_at < before)).rowcount,
        "messages": session.execute(delete(OutboxMessage).where(
            OutboxMessage.status.in_(("sent", "failed")),
            OutboxMessage.created_at < before)).rowcount,
        "events": session.execute(delete(ProcessedEvent).where(
            ProcessedEvent.received_at < events_before)).rowcount,
        # Install attempts never completed (slack_sdk stores naive UTC).
        "oauth_states": session.execute(delete(slack_oauth_states).where(
            slack_oauth_states.c.expire_at < now.astimezone(UTC).replace(tzinfo=None)
        )).rowcount,
    }
