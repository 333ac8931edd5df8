"""People: Slack users tend knows, and their time zones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, exists, or_, select, update
from sqlalchemy.orm import Session

from bot.storage.inserts import insert_ignoring_conflicts
from bot.storage.models import Person, Team, TeamRole, UsersListPass
from bot.storage.schedules import recompute_next_due
from bot.storage.teams import served

# Zones are asked again (users.list) after this long, so a traveller's check-ins follow them.
TIMEZONE_MAX_AGE = timedelta(hours=24)
# Beyond this many people whose zone moved in one users.list, the whole workspace's
# rituals are recomputed in one statement instead of one statement per person.
MOVED_ONE_BY_ONE = 20


def ensure_people(session: Session, workspace_id: str, user_ids: set[str]) -> None:
    known = set(session.scalars(select(Person.user_id).where(
        Person.workspace_id == workspace_id, Person.user_id.in_(user_ids))))
    session.add_all(Person(workspace_id=workspace_id, user_id=user_id)
                    for user_id in sorted(user_ids - known))
    session.flush()


def needing_timezone(*, now: datetime, unknown_only: bool = False) -> ColumnElement[bool]:
    """An active member or manager of a served team whose time zone is unknown (or, but
    for `unknown_only`, stale: checked longer ago than TIMEZONE_MAX_AGE)."""
    unknown = Person.tz_checked_at.is_(None)
    if unknown_only:
        return unknown & _zone_matters()
    return or_(unknown, Person.tz_checked_at < now - TIMEZONE_MAX_AGE) & _zone_matters()


def people_needing_timezone(session: Session, *, now: datetime, unknown_only: bool = False,
                            limit: int = 500) -> list[tuple[str, str]]:
    """(workspace, user) of the people `needing_timezone`.

    Driven by the index on `tz_checked_at` (no ORDER BY, which would have SQLite walk
    every person in key order): when nobody is due, nobody is read.
    """
    query = (
        select(Person.workspace_id, Person.user_id)
        .where(needing_timezone(now=now, unknown_only=unknown_only))
        .limit(limit)
    )
    return sorted((ws, user) for ws, user in session.execute(query))


def _zone_matters() -> ColumnElement[bool]:
    """The person is an active member or manager of a served team: their zone can move
    what is due (a coach's cannot)."""
    return (exists().where(TeamRole.user_id == Person.user_id, TeamRole.active.is_(True),
                           TeamRole.role.in_(("member", "manager")))
            .where(Team.id == TeamRole.team_id, Team.workspace_id == Person.workspace_id,
                   served()))


def record_timezone(session: Session, *, workspace_id: str, user_id: str, tz: str,
                    now: datetime) -> None:
    row = session.get_one(Person, (workspace_id, user_id))
    if (row.tz, row.unreachable_reason) != (tz, None):  # their check-ins may move
        recompute_next_due(session, person=(workspace_id, user_id))
    row.tz, row.tz_checked_at, row.unreachable_reason = tz, now, None


def record_unreachable(session: Session, *, workspace_id: str, user_id: str, reason: str,
                       now: datetime) -> None:
    row = session.get_one(Person, (workspace_id, user_id))
    if row.unreachable_reason != reason:
        recompute_next_due(session, person=(workspace_id, user_id))
    row.tz_checked_at, row.unreachable_reason = now, reason


def zones_of(session: Session, workspace_id: str, user_ids: set[str]) -> dict[str, str | None]:
    """The known time zone of each of these people, by user id."""
    return {user: tz for user, tz in session.execute(select(Person.user_id, Person.tz).where(
        Person.workspace_id == workspace_id, Person.user_id.in_(user_ids)))}


def record_listed_timezones(session: Session, *, workspace_id: str, zones: dict[str, str],
                            deleted: set[str], now: datetime) -> int:
    """Record a users.list page of one workspace for the people tend knows there: their
    zones, and the deleted accounts as unreachable. Returns how many zones were recorded."""
    known: dict[str, tuple[str | None, str | None]] = {
        user: (tz, reason) for user, tz, reason in session.execute(
            select(Person.user_id, Person.tz, Person.unreachable_reason).where(
                Person.workspace_id == workspace_id,
                Person.user_id.in_(sorted(zones.keys() | deleted))))}
    # ORM bulk UPDATE by primary key: one executemany, nothing loaded.
    listed = {user: tz for user, tz in zones.items() if user in known}
    gone = deleted & known.keys()
    if listed:
        session.execute(update(Person), [
            {"workspace_id": workspace_id, "user_id": user, "tz": tz, "tz_checked_at": now,
             "unreachable_reason": None} for user, tz in listed.items()])
    if gone:
        session.execute(update(Person), [
            {"workspace_id": workspace_id, "user_id": user, "tz_checked_at": now,
             "unreachable_reason": "account_inactive"} for user in gone])
    # Whoever moved zone or became (un)reachable may move what is due, if their zone
    # matters: a coach's first zone would otherwise mark their teams for recomputing.
    moved = [user for user, tz in listed.items() if known[user] != (tz, None)]
    moved += [user for user in gone if known[user][1] != "account_inactive"]
    if moved:
        moved = list(session.scalars(select(Person.user_id).where(
            Person.workspace_id == workspace_id, Person.user_id.in_(sorted(moved)),
            _zone_matters())))
    if len(moved) > MOVED_ONE_BY_ONE:
        recompute_next_due(session, workspace=workspace_id)
    else:
        for user in moved:
            recompute_next_due(session, person=(workspace_id, user))
    return len(listed)


@dataclass(frozen=True)
class ListPass:
    """Where a workspace's users.list pass stands: the cursor of the page to read next
    (None once the last page is read) and when the pass started."""

    cursor: str | None
    started_at: datetime

    @property
    def in_progress(self) -> bool:
        return self.cursor is not None


def users_list_pass(session: Session, *, workspace_id: str) -> ListPass | None:
    row = session.get(UsersListPass, workspace_id)
    return ListPass(row.cursor, row.started_at) if row else None


def save_users_list_pass(session: Session, *, workspace_id: str, state: ListPass) -> None:
    """Insert or update the workspace's row; two clocks saving at once both succeed (the
    database decides which insert wins, the other updates)."""
    values = {"cursor": state.cursor, "started_at": state.started_at}
    if not insert_ignoring_conflicts(session, UsersListPass,
                                     [{"workspace_id": workspace_id, **values}],
                                     returning=UsersListPass.workspace_id):
        session.execute(update(UsersListPass)
                        .where(UsersListPass.workspace_id == workspace_id).values(**values))
