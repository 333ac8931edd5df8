"""Raw text has a retention limit (P6): the clock purges what is older; aggregates stay.

Purged: replies (and what was shared from them), closed commitments and goals, sent or
failed outbox messages (their rendered text), and processed-event ids older than a
week (Slack retries within minutes). Kept: occurrences (whether a ritual was held),
digests (policy output: team-level, no ids), teams and people's settings.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.storage.models import Commitment, Goal, OutboxMessage, ProcessedEvent, Reply
from bot.storage.slack_oauth import slack_oauth_states

log = logging.getLogger(__name__)

EVENT_IDS_KEPT = timedelta(days=7)


@dataclass
class Purged:
    replies: int = 0
    commitments: int = 0
    goals: int = 0
    messages: int = 0
    events: int = 0
    oauth_states: int = 0


def purge_old_text(session: Session, *, now: datetime, keep: timedelta) -> Purged:
    before = now - keep
    purged = Purged(
        replies=session.execute(delete(Reply).where(Reply.created_at < before)).rowcount,
        commitments=session.execute(delete(Commitment).where(
            Commitment.status != "open", Commitment.created_at < before)).rowcount,
        goals=session.execute(delete(Goal).where(
            Goal.status != "open", Goal.created_at < before)).rowcount,
        messages=session.execute(delete(OutboxMessage).where(
            OutboxMessage.status.in_(("sent", "failed")),
            OutboxMessage.created_at < before)).rowcount,
        events=session.execute(delete(ProcessedEvent).where(
            ProcessedEvent.received_at < now - EVENT_IDS_KEPT)).rowcount,
        # Install attempts never completed (slack_sdk stores naive UTC).
        oauth_states=session.execute(delete(slack_oauth_states).where(
            slack_oauth_states.c.expire_at < now.astimezone(UTC).replace(tzinfo=None)
        )).rowcount,
    )
    if any(vars(purged).values()):
        log.info("retention: purged %s", vars(purged))
    return purged
