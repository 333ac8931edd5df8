"""Keeping members' time zones current from Slack (users.info)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.slack.gateway import SlackCallError
from bot.slack.workspaces import SlackWorkspaces
from bot.storage import people
from bot.storage.db import Database

log = logging.getLogger(__name__)

# users.info is called one person at a time: a tick spends at most this long on it and
# leaves the rest to the next tick, so planning and sending never wait on a long list.
BUDGET_SECONDS = 5.0
# Nobody's zone was checked before this, so as of it only never-checked people are due.
_NEVER = datetime(1970, 1, 1, tzinfo=UTC)


def refresh_timezones(db: Database, slack: SlackWorkspaces, *, now: datetime,
                      unknown_only: bool = False, budget: float = BUDGET_SECONDS,
                      clock: Callable[[], float] = time.monotonic) -> int:
    """Ask Slack for the zones of people whose zone is unknown or stale (only unknown:
    new members, whom planning skips until their zone is known), for up to `budget` s."""
    with db.scope() as session:
        due = people.people_needing_timezone(session, now=_NEVER if unknown_only else now)
    deadline = clock() + budget
    refreshed = 0
    for workspace_id, user_id in due:
        if clock() >= deadline:
            break  # the rest next tick
        try:
            tz = slack.gateway(workspace_id).user_timezone(user_id)
            ZoneInfo(tz)
        except SlackCallError as exc:
            if not exc.permanent:
                log.warning("time zone of %s not refreshed: %s", user_id, exc.error)
                continue  # keep the last known zone; try again next tick
            with db.scope() as session:
                people.record_unreachable(session, workspace_id=workspace_id, user_id=user_id,
                                          reason=exc.error, now=now)
            log.info("%s skipped: %s", user_id, exc.error)
            continue
        except ZoneInfoNotFoundError:
            tz = "UTC"
        with db.scope() as session:
            people.record_timezone(session, workspace_id=workspace_id, user_id=user_id, tz=tz,
                                   now=now)
        refreshed += 1
    return refreshed
