"""Raw text has a retention limit (P6): the clock purges what is older; aggregates stay.

Purged: replies (and what was shared from them), closed commitments and goals, sent or
failed outbox messages (their rendered text), the shared words kept in older stored
digests, and processed-event ids older than a week (Slack retries within minutes).
Kept: occurrences (whether a ritual was held), digests' figures (team-level, no ids),
teams and people's settings.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.rituals.digest.redaction import redact_digests
from bot.storage.models import Commitment, Digest, Goal, OutboxMessage, ProcessedEvent, Reply
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
    digests_redacted: int = 0


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
    # Shared words quoted in a stored digest go with the replies they came from.
    purged.digests_redacted = redact_digests(session, session.scalars(
        select(Digest).where(Digest.created_at < before)), drop=lambda _item: True).digests
    if any(vars(purged).values()):
        log.info("retention: purged %s", vars(purged))
    return purged
