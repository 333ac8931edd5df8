"""When each ritual may next have something due (`Ritual.next_due_at`, indexed).

A quiet tick asks one indexed question, `due_rituals`, and plans nothing else. The
tick moves a planned ritual's instant on (`set_next_due`); every other change that can
move it (the configuration, joins and leaves, pauses, skips, time zones, away, a
reinstall) calls `recompute_next_due`, which sets it to RECOMPUTE, an instant long
past: "recompute at the next tick". A ritual created anywhere starts so too.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TypeVar

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from bot.domain.cadence import Cadence
from bot.storage.models import RECOMPUTE, Person, Ritual, Team, TeamRole
from bot.storage.teams import ritual_cadence

# Stored for a ritual with nothing ever due (paused, no members with a known zone):
# only a change (which sets RECOMPUTE) brings it back.
NEVER = datetime(9999, 1, 1, tzinfo=UTC)
CHUNK = 500  # ids per IN list
T = TypeVar("T")


@dataclass
class ScheduleInput:
    """What a ritual's next due instant depends on."""

    ritual_id: int
    kind: str
    cadence: Cadence
    anchor: date
    enabled: bool
    zones: set[str] = field(default_factory=set)


def rituals_due(now: datetime) -> ColumnElement[bool]:
    """A ritual due at or before `now`, or to be recomputed (marked, or computed after a
    later instant than `now`: a clock set back)."""
    return or_(Ritual.next_due_at <= now, Ritual.next_due_after > now)


def due_rituals(session: Session, *, now: datetime) -> list[tuple[int, str]]:
    """(id, kind) of the rituals due at or before `now` or to be recomputed (marked, or
    computed after a later instant than `now`: a clock set back), by id. Two ranges of
    two indexes (no ORDER BY: SQLite would scan the table in id order instead). Locked
    (FOR UPDATE on PostgreSQL) until the tick's planning commits: a second clock waits,
    then finds them moved on, and a concurrent change waits and marks them again."""
    return sorted((ritual_id, kind) for ritual_id, kind in session.execute(
        select(Ritual.id, Ritual.kind)
        .where(rituals_due(now))
        .with_for_update()))


def schedule_inputs(session: Session, ritual_ids: Collection[int], *, member_zone: bool
                    ) -> list[ScheduleInput]:
    """Each ritual's cadence and its zone group: its team's zone, or (member_zone) the
    known zones of its active members."""
    found: dict[int, ScheduleInput] = {}
    for chunk in _chunks(ritual_ids):
        for ritual, team_zone in session.execute(
                select(Ritual, Team.timezone).join(Team, Team.id == Ritual.team_id)
                .where(Ritual.id.in_(chunk))):
            found[ritual.id] = ScheduleInput(
                ritual_id=ritual.id, kind=ritual.kind, cadence=ritual_cadence(ritual),
                anchor=ritual.anchor_date, enabled=ritual.enabled,
                zones=set() if member_zone else {team_zone})
        if member_zone:
            for ritual_id, zone in session.execute(
                    select(Ritual.id, Person.tz)
                    .join(Team, Team.id == Ritual.team_id)
                    .join(TeamRole, TeamRole.team_id == Team.id)
                    .join(Person, (Person.workspace_id == Team.workspace_id)
                          & (Person.user_id == TeamRole.user_id))
                    .where(Ritual.id.in_(chunk), TeamRole.role == "member",
                           TeamRole.active.is_(True), Person.tz.is_not(None))
                    .distinct()):
                if zone is not None:
                    found[ritual_id].zones.add(zone)
    return list(found.values())


def set_next_due(session: Session, next_due: Mapping[int, datetime | None], *,
                 after: datetime) -> None:
    """Store each ritual's next due instant, computed after `after` (None: nothing will
    be due until a change)."""
    if next_due:
        session.execute(update(Ritual), [
            {"id": ritual_id, "next_due_at": at or NEVER, "next_due_after": after}
            for ritual_id, at in next_due.items()])


def recompute_next_due(session: Session, *, rituals: Collection[int] = (),
                       teams: Collection[int] = (), person: tuple[str, str] | None = None,
                       workspace: str | None = None) -> None:
    """The one way a change says "what is due may have moved": these rituals (those of
    these teams, of the person's teams, of the workspace) are planned and their next due
    instant recomputed at the next tick."""
    which: list[ColumnElement[bool]] = []
    if rituals:
        which.append(Ritual.id.in_(list(rituals)))
    if teams:
        which.append(Ritual.team_id.in_(list(teams)))
    if person is not None:
        workspace_id, user_id = person
        which.append(Ritual.team_id.in_(
            select(TeamRole.team_id).join(Team, Team.id == TeamRole.team_id)
            .where(Team.workspace_id == workspace_id, TeamRole.user_id == user_id)))
    if workspace is not None:
        which.append(Ritual.team_id.in_(select(Team.id).where(Team.workspace_id == workspace)))
    if which:
        session.execute(update(Ritual).where(or_(*which))
                        .values(next_due_at=RECOMPUTE, next_due_after=None)
                        .execution_options(synchronize_session=False))


def _chunks(values: Collection[T]) -> Iterator[list[T]]:
    items = list(values)
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]
