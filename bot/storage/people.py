"""People: Slack users tend knows, and their time zones."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.storage.models import Person, TeamRole

# users.info is asked again after this long, so a traveller's check-ins follow them.
TIMEZONE_MAX_AGE = timedelta(hours=24)


def ensure_people(session: Session, user_ids: set[str]) -> None:
    known = set(session.scalars(select(Person.user_id).where(Person.user_id.in_(user_ids))))
    session.add_all(Person(user_id=user_id) for user_id in sorted(user_ids - known))
    session.flush()


def people_needing_timezone(session: Session, *, now: datetime, limit: int = 500) -> list[str]:
    """Active members and managers whose time zone is unknown or stale."""
    stale_before = now - TIMEZONE_MAX_AGE
    query = (
        select(Person.user_id)
        .join(TeamRole, TeamRole.user_id == Person.user_id)
        .where(TeamRole.active.is_(True), TeamRole.role.in_(("member", "manager")))
        .where(or_(Person.tz_checked_at.is_(None), Person.tz_checked_at < stale_before))
        .distinct()
        .order_by(Person.user_id)
        .limit(limit)
    )
    return list(session.scalars(query))


def record_timezone(session: Session, *, user_id: str, tz: str, now: datetime) -> None:
    person = session.get_one(Person, user_id)
    person.tz, person.tz_checked_at, person.unreachable_reason = tz, now, None


def record_unreachable(session: Session, *, user_id: str, reason: str, now: datetime) -> None:
    person = session.get_one(Person, user_id)
    person.tz_checked_at, person.unreachable_reason = now, reason
