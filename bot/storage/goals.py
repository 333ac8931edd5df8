"""Monthly goals, and the goal-sharing sessions they belong to."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Protocol, cast

from sqlalchemy import CursorResult, Select, delete, func, or_, select
from sqlalchemy.orm import Session

from bot.domain.enums import GoalStatus, OccurrenceStatus
from bot.domain.team_rituals import TEAM_SUBJECT
from bot.storage.models import Goal, Occurrence, Ritual
from bot.storage.periods import within


class GoalFields(Protocol):
    """What a goal says (the monthly goals' GoalDraft)."""

    @property
    def what(self) -> str: ...
    @property
    def measure(self) -> str: ...
    @property
    def due_date(self) -> date: ...


def add_goal(session: Session, *, session_occurrence: Occurrence, owner_id: str,
             draft: GoalFields, now: datetime, reply_id: int | None = None,
             carried_from_id: int | None = None) -> Goal:
    goal = Goal(ritual_id=session_occurrence.ritual_id, occurrence_id=session_occurrence.id,
                owner_id=owner_id, what=draft.what, measure=draft.measure,
                due_date=draft.due_date, status=GoalStatus.OPEN, reply_id=reply_id,
                carried_from_id=carried_from_id, created_at=now)
    session.add(goal)
    session.flush()
    return goal


def goals_in_session(session: Session, *, occurrence_id: int, owner_id: str) -> int:
    return session.scalar(
        select(func.count()).select_from(Goal)
        .where(Goal.occurrence_id == occurrence_id, Goal.owner_id == owner_id)
    ) or 0


def open_goals_before(session: Session, *, ritual_id: int, owner_id: str,
                      occurrence_id: int) -> list[Goal]:
    """The owner's goals from earlier sessions that are still open."""
    return list(session.scalars(
        select(Goal).where(Goal.ritual_id == ritual_id, Goal.owner_id == owner_id,
                           Goal.status == GoalStatus.OPEN, Goal.occurrence_id != occurrence_id)
        .order_by(Goal.due_date, Goal.id)
    ))


def latest_session(session: Session, ritual_id: int) -> Occurrence | None:
    return session.scalars(
        select(Occurrence).where(Occurrence.ritual_id == ritual_id,
                                 Occurrence.subject_id == TEAM_SUBJECT,
                                 Occurrence.status.in_((OccurrenceStatus.PENDING,
                                                        OccurrenceStatus.SENT)))
        .order_by(Occurrence.scheduled_at.desc())
    ).first()


def goal_for_reply(session: Session, reply_id: int) -> Goal | None:
    return session.scalars(select(Goal).where(Goal.reply_id == reply_id)).first()


def goals_of(session: Session, rituals: Select[int], user_id: str) -> list[Goal]:
    """The person's goals in these rituals (export-user)."""
    return list(session.scalars(select(Goal).where(
        Goal.owner_id == user_id, Goal.ritual_id.in_(rituals)).order_by(Goal.id)))


def delete_goals_of(session: Session, rituals: Select[int], user_id: str) -> int:
    """Forget-me: the person's goals in these rituals; returns how many."""
    result = session.execute(delete(Goal).where(
        Goal.owner_id == user_id, Goal.ritual_id.in_(rituals)))
    return cast(CursorResult[Any], result).rowcount


def open_goals_with_teams(session: Session, rituals: Select[int], owner_id: str
                          ) -> list[tuple[Goal, str]]:
    """The person's open goals in these rituals, soonest due first, with the team's name."""
    goals = session.scalars(
        select(Goal).where(Goal.owner_id == owner_id, Goal.status == GoalStatus.OPEN,
                           Goal.ritual_id.in_(rituals))
        .order_by(Goal.due_date, Goal.id)).all()
    teams = {r.id: r.team.name for r in session.scalars(
        select(Ritual).where(Ritual.id.in_({g.ritual_id for g in goals})))}
    return [(g, teams.get(g.ritual_id, "")) for g in goals]


def goal_owners_in_period(session: Session, *, ritual_id: int, start: datetime,
                          end: datetime) -> dict[str, list[str]]:
    """The owners of the goals (one per goal) first shared in [start, end) ("shared"),
    and of those closed in it, by the status they closed with."""
    rows = session.scalars(select(Goal).where(
        Goal.ritual_id == ritual_id,
        or_(within(Goal.created_at, start, end), within(Goal.closed_at, start, end)))).all()
    owners = {"shared": [g.owner_id for g in rows
                         if g.carried_from_id is None and start <= g.created_at < end]}
    for status in (GoalStatus.DONE, GoalStatus.PARTLY, GoalStatus.NOT_DONE,
                   GoalStatus.CARRIED):
        owners[status] = [g.owner_id for g in rows if g.status == status
                          and g.closed_at is not None and start <= g.closed_at < end]
    return owners
