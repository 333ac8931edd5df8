"""Teams, their people and rituals, as the clock and the handlers need them."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import ColumnElement, Select, exists, select
from sqlalchemy.orm import Session, selectinload

from bot.domain.cadence import Cadence
from bot.domain.team_rituals import TeamRitual
from bot.storage.models import Ritual, Team, TeamRole, Workspace


def ritual_cadence(ritual: Ritual) -> Cadence:
    return Cadence(every=ritual.every, day=ritual.day, hour=ritual.hour, minute=ritual.minute)


def served() -> ColumnElement[bool]:
    """Teams of workspaces still installed: an uninstalled one gets nothing planned."""
    return ~exists().where(Workspace.id == Team.workspace_id,
                           Workspace.uninstalled_at.is_not(None))


def team_by_key(session: Session, workspace_id: str, key: str) -> Team | None:
    return session.scalars(select(Team).where(Team.workspace_id == workspace_id,
                                              Team.key == key)).first()


def all_teams(session: Session, workspace_id: str) -> list[Team]:
    return list(session.scalars(
        select(Team).where(Team.workspace_id == workspace_id)
        .options(selectinload(Team.roles), selectinload(Team.rituals))
        .order_by(Team.id)
    ))


def team_by_id(session: Session, team_id: int) -> Team:
    return session.get_one(Team, team_id)


def served_team_ids(session: Session) -> list[tuple[str, int]]:
    """(workspace, team id) of every team of every installed workspace, in that order."""
    return [(workspace_id, team_id) for workspace_id, team_id in session.execute(
        select(Team.workspace_id, Team.id).where(served()).order_by(Team.workspace_id, Team.id))]


def served_teams(session: Session) -> list[Team]:
    """Every team of every installed workspace, with its roles and rituals."""
    return list(session.scalars(
        select(Team).where(served())
        .options(selectinload(Team.roles), selectinload(Team.rituals))
        .order_by(Team.workspace_id, Team.id)
    ))


def roles_of(workspace_id: str, user_id: str) -> Select[TeamRole]:
    """A person's role rows, in their own workspace only (ids can recur across a grid)."""
    return (select(TeamRole).join(Team)
            .where(Team.workspace_id == workspace_id, TeamRole.user_id == user_id))


def line_manager(team: Team, member: TeamRole) -> str | None:
    """The member's named line manager if still a manager, else the team's first one."""
    managers = [r.user_id for r in team.roles if r.role == "manager" and r.active]
    if member.line_manager_id in managers:
        return member.line_manager_id
    return managers[0] if managers else None


def team_rituals(session: Session, kind: str, ritual_ids: Collection[int] | None = None
                 ) -> list[TeamRitual]:
    """Enabled rituals of one kind (of these ids only, if given), with their team's zone."""
    chosen = [Ritual.kind == kind, Ritual.enabled.is_(True), served()]
    if ritual_ids is not None:
        chosen.append(Ritual.id.in_(list(ritual_ids)))
    rituals = session.scalars(
        select(Ritual).join(Team).where(*chosen).options(selectinload(Ritual.team))
    ).all()
    return [as_team_ritual(r) for r in rituals]


def as_team_ritual(ritual: Ritual) -> TeamRitual:
    """What the pure planning of a team-wide ritual needs to know of it."""
    return TeamRitual(ritual_id=ritual.id, team_id=ritual.team_id, kind=ritual.kind,
                      timezone=ritual.team.timezone, cadence=ritual_cadence(ritual),
                      anchor=ritual.anchor_date, since=ritual.since,
                      skip_dates=skip_dates(ritual))


def skip_dates(ritual: Ritual) -> frozenset[date]:
    """The team's holidays and this ritual's skipped dates (`/tend skip`)."""
    days = [*(ritual.team.skip_dates or []), *ritual.options.get("skip_dates", [])]
    return frozenset(date.fromisoformat(d) for d in days)


def active_people(team: Team, *roles: str) -> list[str]:
    """Active people of a team in file order, optionally only some roles, no repeats."""
    seen: dict[str, None] = {}
    for role in sorted(team.roles, key=lambda r: (r.role, r.position)):
        if role.active and (not roles or role.role in roles):
            seen.setdefault(role.user_id, None)
    return list(seen)


def active_role_holders(session: Session, team_id: int) -> set[str]:
    """Everyone who holds an active role in the team (member, manager or coach)."""
    return set(session.scalars(select(TeamRole.user_id).where(
        TeamRole.team_id == team_id, TeamRole.active.is_(True))))


def teams_where(session: Session, workspace_id: str, user_id: str, role: str) -> list[Team]:
    """The teams of the workspace where the person holds this role (active), by name."""
    return list(session.scalars(
        select(Team).join(TeamRole).where(Team.workspace_id == workspace_id,
                                          TeamRole.user_id == user_id,
                                          TeamRole.role == role, TeamRole.active.is_(True))
        .order_by(Team.name)))


def active_roles_with_teams(session: Session, workspace_id: str, user_id: str
                            ) -> list[TeamRole]:
    """The person's active roles in the workspace, with their teams' rituals and roles."""
    return list(session.scalars(
        select(TeamRole).join(Team).where(Team.workspace_id == workspace_id,
                                          TeamRole.user_id == user_id,
                                          TeamRole.active.is_(True))
        .options(selectinload(TeamRole.team).selectinload(Team.rituals),
                 selectinload(TeamRole.team).selectinload(Team.roles))
        .order_by(Team.name, Team.id)))
