"""Keeping members' time zones current from Slack: users.list pages in bulk, users.info
for a few newcomers between the daily refreshes."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from itertools import groupby
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.slack.gateway import SlackCallError
from bot.slack.workspaces import SlackWorkspaces
from bot.storage import people
from bot.storage.db import Database

log = logging.getLogger(__name__)

# users.info is called one person at a time: a tick spends at most this long on it and
# leaves the rest to the next tick, so planning and sending never wait on a long list.
BUDGET_SECONDS = 5.0
# A workspace with this many people due asks users.list (one Tier 2 call per 200 people)
# rather than users.info per person (Tier 4): a new install, a big team added, the
# daily refresh. Fewer newcomers than this are asked about one by one.
LIST_FROM = 10


def refresh_timezones(db: Database, slack: SlackWorkspaces, *, now: datetime,
                      unknown_only: bool = False, budget: float = BUDGET_SECONDS,
                      clock: Callable[[], float] = time.monotonic) -> int:
    """Ask Slack for the zones of people whose zone is unknown or stale (only unknown:
    new members, whom planning skips until their zone is known). Returns how many
    people's zones were recorded."""
    with db.scope() as session:
        due = people.people_needing_timezone(session, now=now, unknown_only=unknown_only)
    deadline = clock() + budget
    refreshed = 0
    for workspace_id, rows in groupby(due, key=lambda row: row[0]):
        users = [user for _, user in rows]
        if len(users) >= LIST_FROM or not unknown_only:
            recorded, listed = _from_users_list(db, slack, workspace_id, now=now)
            refreshed += recorded
            # Someone users.list does not name (a guest from another organisation, or
            # the list failed) is asked about alone, within the budget.
            users = [user for user in users if user not in listed]
        refreshed += _from_users_info(db, slack, workspace_id, users, now=now,
                                      deadline=deadline, clock=clock)
    return refreshed


def _from_users_list(db: Database, slack: SlackWorkspaces, workspace_id: str, *,
                     now: datetime) -> tuple[int, set[str]]:
    """Everyone tend knows in the workspace, from one pass over users.list: how many
    zones were recorded, and who was listed."""
    try:
        listed = list(slack.gateway(workspace_id).listed_timezones())
    except SlackCallError as exc:
        log.warning("users.list of %s failed: %s", workspace_id, exc.error)
        return 0, set()
    zones = {user.id: _known_zone(user.tz) for user in listed if not user.deleted}
    deleted = {user.id for user in listed if user.deleted}
    with db.scope() as session:
        recorded = people.record_listed_timezones(session, workspace_id=workspace_id,
                                                  zones=zones, deleted=deleted, now=now)
    return recorded, {user.id for user in listed}


def _from_users_info(db: Database, slack: SlackWorkspaces, workspace_id: str,
                     users: list[str], *, now: datetime, deadline: float,
                     clock: Callable[[], float]) -> int:
    refreshed = 0
    for user_id in users:
        if clock() >= deadline:
            break  # the rest next tick
        try:
            tz = _known_zone(slack.gateway(workspace_id).user_timezone(user_id))
        except SlackCallError as exc:
            if not exc.permanent:
                log.warning("time zone of %s not refreshed: %s", user_id, exc.error)
                continue  # keep the last known zone; try again next tick
            with db.scope() as session:
                people.record_unreachable(session, workspace_id=workspace_id, user_id=user_id,
                                          reason=exc.error, now=now)
            log.info("%s skipped: %s", user_id, exc.error)
            continue
        with db.scope() as session:
            people.record_timezone(session, workspace_id=workspace_id, user_id=user_id, tz=tz,
                                   now=now)
        refreshed += 1
    return refreshed


def _known_zone(tz: str) -> str:
    """Slack's zone name, or UTC for one this machine's zone database lacks."""
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return tz
