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
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.rituals.digest.redaction import redact_digests
from bot.storage.digests import digests_to_purge, mark_text_purged
from bot.storage.retention import EVENT_IDS_KEPT, anything_to_purge, delete_old_rows

log = logging.getLogger(__name__)


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
    before, events_before = now - keep, now - EVENT_IDS_KEPT
    if not anything_to_purge(session, before=before, events_before=events_before, now=now):
        return Purged()  # the usual tick: one indexed question, nothing deleted
    purged = Purged(**delete_old_rows(session, before=before, events_before=events_before,
                                      now=now))
    # Shared words quoted in a stored digest go with the replies they came from.
    old_digests = digests_to_purge(session, before)
    purged.digests_redacted = redact_digests(session, old_digests,
                                             drop=lambda _item: True).digests
    mark_text_purged(session, old_digests, now)  # read once, never again
    if any(vars(purged).values()):
        log.info("retention: purged %s", vars(purged))
    return purged
