"""People: Slack users tend knows, and their time zones."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.storage.models import Person, Team, TeamRole
from bot.storage.teams import served

# Zones are asked again (users.list) after this long, so a traveller's check-ins follow them.
TIMEZONE_MAX_AGE = timedelta(hours=24)


def ensure_people(session: Session, workspace_id: str, user_ids: set[str]) -> None:
    known = set(session.scalars(select(Person.user_id).where(
        Person.workspace_id == workspace_id, Person.user_id.in_(user_ids))))
    session.add_all(Person(workspace_id=workspace_id, user_id=user_id)
                    for user_id in sorted(user_ids - known))
    session.flush()


def people_needing_timezone(session: Session, *, now: datetime, limit: int = 500
                            ) -> list[tuple[str, str]]:
    """(workspace, user) of active members and managers whose time zone is unknown or stale."""
    stale_before = now - TIMEZONE_MAX_AGE
    query = (
        select(Person.workspace_id, Person.user_id)
        .join(Team, Team.workspace_id == Person.workspace_id)
        .join(TeamRole, (TeamRole.team_id == Team.id) & (TeamRole.user_id == Person.user_id))
        .where(TeamRole.active.is_(True), TeamRole.role.in_(("member", "manager")), served())
        .where(or_(Person.tz_checked_at.is_(None), Person.tz_checked_at < stale_before))
        .distinct()
        .order_by(Person.workspace_id, Person.user_id)
        .limit(limit)
    )
    return [(ws, user) for ws, user in session.execute(query)]


def record_timezone(session: Session, *, workspace_id: str, user_id: str, tz: str,
                    now: datetime) -> None:
    row = session.get_one(Person, (workspace_id, user_id))
    row.tz, row.tz_checked_at, row.unreachable_reason = tz, now, None


def record_unreachable(session: Session, *, workspace_id: str, user_id: str, reason: str,
                       now: datetime) -> None:
    row = session.get_one(Person, (workspace_id, user_id))
    row.tz_checked_at, row.unreachable_reason = now, reason


def zones_of(session: Session, workspace_id: str, user_ids: set[str]) -> dict[str, str | None]:
    """The known time zone of each of these people, by user id."""
    return {user: tz for user, tz in session.execute(select(Person.user_id, Person.tz).where(
        Person.workspace_id == workspace_id, Person.user_id.in_(user_ids)))}


def record_listed_timezones(session: Session, *, workspace_id: str, zones: dict[str, str],
                            deleted: set[str], now: datetime) -> int:
    """Record a whole users.list of one workspace for the people tend knows there: their
    zones, and the deleted accounts as unreachable. Returns how many zones were recorded."""
    known = set(session.scalars(select(Person.user_id).where(
        Person.workspace_id == workspace_id)))
    # ORM bulk UPDATE by primary key: one executemany, nothing loaded.
    listed = [{"workspace_id": workspace_id, "user_id": user, "tz": tz, "tz_checked_at": now,
               "unreachable_reason": None} for user, tz in zones.items() if user in known]
    gone = [{"workspace_id": workspace_id, "user_id": user, "tz_checked_at": now,
             "unreachable_reason": "account_inactive"} for user in deleted & known]
    for rows in (listed, gone):
        if rows:
            session.execute(update(Person), rows)
    return len(listed)
