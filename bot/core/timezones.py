"""Keeping members' time zones current from Slack: users.list pages in bulk, a few
pages a tick (a daily pass, or a crowd of newcomers), users.info for a few newcomers
between passes."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
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
# rather than users.info per person (Tier 4): a new install, a big team added. Fewer
# newcomers than this are asked about one by one.
LIST_FROM = 10


@dataclass(frozen=True)
class ZonesRefreshed:
    recorded: int  # people whose zone was recorded
    pages: int  # users.list pages read


def refresh_timezones(db: Database, slack: SlackWorkspaces, *, now: datetime,
                      pages: int, unknown_only: bool = False,
                      budget: float = BUDGET_SECONDS,
                      clock: Callable[[], float] = time.monotonic) -> ZonesRefreshed:
    """Ask Slack for the zones of people whose zone is unknown or stale (only unknown:
    new members, whom planning skips until their zone is known), reading at most
    `pages` users.list pages."""
    with db.scope() as session:
        due = people.people_needing_timezone(session, now=now, unknown_only=unknown_only)
    deadline = clock() + budget
    recorded = read = 0
    for workspace_id, rows in groupby(due, key=lambda row: row[0]):
        users = [user for _, user in rows]
        with db.scope() as session:
            state = people.users_list_pass(session, workspace_id=workspace_id)
        if _wants_the_list(state, due=len(users), unknown_only=unknown_only, now=now):
            step = _read_pages(db, slack, workspace_id, state, now=now, pages=pages - read)
            recorded, read = recorded + step.recorded, read + step.pages
            if not (step.finished or step.failed):
                continue  # the people due wait for the rest of the pass
            # Someone the finished pass did not name (a guest from another organisation),
            # or everyone when the list failed, is asked about alone, within the budget.
            users = [user for user in users if user not in step.listed]
        recorded += _from_users_info(db, slack, workspace_id, users, now=now,
                                     deadline=deadline, clock=clock)
    return ZonesRefreshed(recorded, read)


def _wants_the_list(state: people.ListPass | None, *, due: int, unknown_only: bool,
                    now: datetime) -> bool:
    """Whether a workspace's people due are asked about through users.list: a crowd of
    them, a pass under way, or the daily pass, once a day (between passes, the few left
    are asked one by one rather than starting the whole list again)."""
    if due >= LIST_FROM:
        return True
    if unknown_only:
        return False
    return (state is None or state.in_progress
            or state.started_at <= now - people.TIMEZONE_MAX_AGE)


@dataclass
class _PassStep:
    recorded: int = 0
    pages: int = 0
    listed: set[str] = field(default_factory=set)  # who this tick's pages named
    finished: bool = False
    failed: bool = False


def _read_pages(db: Database, slack: SlackWorkspaces, workspace_id: str,
                state: people.ListPass | None, *, now: datetime, pages: int) -> _PassStep:
    """Up to `pages` pages of the workspace's users.list, from where its pass stands (a
    finished or no pass: a new one from the first page). Each page is recorded with the
    cursor after it in one transaction, so a crash repeats at most that page."""
    if state is None or not state.in_progress:
        state = people.ListPass(cursor=None, started_at=now)
    step = _PassStep()
    while step.pages < pages:
        try:
            page = slack.gateway(workspace_id).users_page(state.cursor)
        except SlackCallError as exc:
            if exc.error == "invalid_cursor" and state.cursor is not None:
                # Slack refused the saved cursor (expired): the pass starts again, at
                # once (one call more than the budget, once a pass at most).
                log.info("users.list cursor of %s refused: the pass restarts", workspace_id)
                state = people.ListPass(cursor=None, started_at=now)
                continue
            log.warning("users.list of %s failed: %s", workspace_id, exc.error)
            step.failed = True
            return step
        step.pages += 1
        zones = {user.id: _known_zone(user.tz) for user in page.users if not user.deleted}
        deleted = {user.id for user in page.users if user.deleted}
        state = people.ListPass(cursor=page.next_cursor, started_at=state.started_at)
        with db.scope() as session:
            step.recorded += people.record_listed_timezones(
                session, workspace_id=workspace_id, zones=zones, deleted=deleted, now=now)
            people.save_users_list_pass(session, workspace_id=workspace_id, state=state)
        step.listed |= {user.id for user in page.users}
        if not state.in_progress:
            step.finished = True
            break
    return step


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
