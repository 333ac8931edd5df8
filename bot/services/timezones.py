"""Keeping members' time zones current from Slack (users.info)."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.slack.gateway import SlackCallError, SlackGateway
from bot.storage import people
from bot.storage.db import Database

log = logging.getLogger(__name__)


def refresh_timezones(db: Database, gateway: SlackGateway, *, now: datetime) -> int:
    with db.scope() as session:
        user_ids = people.people_needing_timezone(session, now=now)
    refreshed = 0
    for user_id in user_ids:
        try:
            tz = gateway.user_timezone(user_id)
            ZoneInfo(tz)
        except SlackCallError as exc:
            if not exc.permanent:
                log.warning("time zone of %s not refreshed: %s", user_id, exc.error)
                continue  # keep the last known zone; try again next tick
            with db.scope() as session:
                people.record_unreachable(session, user_id=user_id, reason=exc.error, now=now)
            log.info("%s skipped: %s", user_id, exc.error)
            continue
        except ZoneInfoNotFoundError:
            tz = "UTC"
        with db.scope() as session:
            people.record_timezone(session, user_id=user_id, tz=tz, now=now)
        refreshed += 1
    return refreshed
