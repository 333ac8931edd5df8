"""The weekly check-in's own queries: its teams and people, which check-ins were held."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.domain.enums import OccurrenceStatus
from bot.storage.models import Occurrence, Person, Reply, Ritual, Team, TeamRole
from bot.storage.teams import served


def checkin_rituals(session: Session, *, kind: str, ritual_ids: Collection[int] | None = None
                    ) -> tuple[list[Ritual], dict[tuple[str, str], Person]]:
    """Every enabled check-in ritual of a served team (of these rituals only, if given:
    the tick passes the due ones), with its team and roles loaded, and the people of
    those teams by (workspace, user)."""
    chosen = [Ritual.kind == kind, Ritual.enabled.is_(True), served()]
    if ritual_ids is not None:
        chosen.append(Ritual.id.in_(list(ritual_ids)))
    rituals = list(session.scalars(
        select(Ritual).join(Team).where(*chosen)
        .options(selectinload(Ritual.team).selectinload(Team.roles))
    ))
    # The people of those teams by join, not by an IN list that grows with the members.
    people = {(p.workspace_id, p.user_id): p for p in session.scalars(
        select(Person).join(Team, Team.workspace_id == Person.workspace_id)
        .join(TeamRole, (TeamRole.team_id == Team.id) & (TeamRole.user_id == Person.user_id))
        .join(Ritual, Ritual.team_id == Team.id)
        .where(*chosen)
        .distinct())}
    return rituals, people


def checkins_between(session: Session, ritual_id: int, *, since: datetime, until: datetime
                     ) -> list[tuple[str, datetime, str]]:
    """(member, scheduled_at, status) of the ritual's check-ins in that stretch."""
    return [(subject, at, status) for subject, at, status in session.execute(
        select(Occurrence.subject_id, Occurrence.scheduled_at, Occurrence.status)
        .where(Occurrence.ritual_id == ritual_id, Occurrence.scheduled_at <= until,
               Occurrence.scheduled_at >= since))]


def held_checkins(session: Session, *, ritual_id: int, start: datetime, end: datetime
                  ) -> list[Occurrence]:
    """The check-ins sent in [start, end) that both sides answered."""
    sent = session.scalars(select(Occurrence).where(
        Occurrence.ritual_id == ritual_id, Occurrence.status == OccurrenceStatus.SENT,
        Occurrence.scheduled_at >= start, Occurrence.scheduled_at < end)).all()
    authors: dict[int, set[str]] = {}
    for occurrence_id, user_id in session.execute(
            select(Reply.occurrence_id, Reply.user_id)
            .where(Reply.occurrence_id.in_([o.id for o in sent]))):
        authors.setdefault(occurrence_id, set()).add(user_id)
    return [o for o in sent if {o.subject_id, o.counterpart_id} <= authors.get(o.id, set())]
