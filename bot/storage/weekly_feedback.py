"""The weekly check-in's own queries: who meets whom this week."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.rituals.weekly_feedback.planning import KIND as WEEKLY_FEEDBACK
from bot.rituals.weekly_feedback.planning import CheckinPair
from bot.storage.models import Occurrence, Person, Ritual, Team, TeamRole
from bot.storage.teams import line_manager, ritual_cadence, served, skip_dates


def checkin_pairs(session: Session, ritual_ids: Collection[int] | None = None
                  ) -> tuple[list[CheckinPair], list[tuple[str, str]]]:
    """Every active (member, line manager) pair of an enabled weekly check-in (of these
    rituals only, if given: the tick passes the due ones).

    Also returns (user_id, reason) for members skipped, so the clock can log why.
    """
    chosen = [Ritual.kind == WEEKLY_FEEDBACK, Ritual.enabled.is_(True), served()]
    if ritual_ids is not None:
        chosen.append(Ritual.id.in_(list(ritual_ids)))
    rituals = session.scalars(
        select(Ritual).join(Team).where(*chosen)
        .options(selectinload(Ritual.team).selectinload(Team.roles))
    ).all()
    # The people of those teams by join, not by an IN list that grows with the members.
    people = {(p.workspace_id, p.user_id): p for p in session.scalars(
        select(Person).join(Team, Team.workspace_id == Person.workspace_id)
        .join(TeamRole, (TeamRole.team_id == Team.id) & (TeamRole.user_id == Person.user_id))
        .join(Ritual, Ritual.team_id == Team.id)
        .where(*chosen)
        .distinct())}
    pairs: list[CheckinPair] = []
    skipped: list[tuple[str, str]] = []
    for ritual in rituals:
        cadence = ritual_cadence(ritual)
        for role in ritual.team.roles:
            if role.role != "member" or not role.active:
                continue
            manager = line_manager(ritual.team, role)
            if manager is None or manager == role.user_id:
                continue  # nobody to meet, or a manager listed as a member
            person = people[(ritual.team.workspace_id, role.user_id)]
            if person.unreachable_reason or not person.tz:
                skipped.append((role.user_id, person.unreachable_reason or "timezone_unknown"))
                continue
            pairs.append(CheckinPair(
                ritual_id=ritual.id, member_id=role.user_id, manager_id=manager,
                timezone=person.tz, cadence=cadence, anchor=ritual.anchor_date,
                since=max(role.since, ritual.since), skip_dates=skip_dates(ritual),
                away_until=person.away_until, workspace_id=ritual.team.workspace_id,
            ))
    return pairs, skipped


def checkins_between(session: Session, ritual_id: int, *, since: datetime, until: datetime
                     ) -> list[tuple[str, datetime, str]]:
    """(member, scheduled_at, status) of the ritual's check-ins in that stretch."""
    return [(subject, at, status) for subject, at, status in session.execute(
        select(Occurrence.subject_id, Occurrence.scheduled_at, Occurrence.status)
        .where(Occurrence.ritual_id == ritual_id, Occurrence.scheduled_at <= until,
               Occurrence.scheduled_at >= since))]
