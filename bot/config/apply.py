"""Loading a validated configuration into the database, and reading it back out.

Import is idempotent: re-importing the same file changes nothing; a changed file
updates teams in place. A person removed from a team is deactivated, their history
kept. A ritual removed from a team is switched off (its history kept) and no longer
exported. Teams absent from the file are left as they are (they may have been set up
in Slack) and named in the summary; so is a team's text a ritual keeps (the retro's
`agreements`) when its key is absent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.config.schema import (
    CadenceSpec,
    MemberSpec,
    RitualSpec,
    RitualsSpec,
    TeamSpec,
    TendConfig,
    ritual_spec_of,
)
from bot.domain.cadence import Cadence
from bot.rituals import registry
from bot.storage.conversations import want_conversations
from bot.storage.introductions import want_introductions
from bot.storage.models import Ritual, Team, TeamRole
from bot.storage.people import ensure_people
from bot.storage.schedules import recompute_next_due
from bot.storage.teams import all_teams, ritual_cadence, team_by_key

REMOVED = "removed_from_config"
# Ritual options that are operational state, not configuration: kept across imports and
# left out of exports (`/tend skip team ritual` records its date here).
STATE_OPTIONS = frozenset({REMOVED, "skip_dates"})


@dataclass
class ImportSummary:
    teams_created: list[str] = field(default_factory=list)
    teams_updated: list[str] = field(default_factory=list)
    teams_untouched: list[str] = field(default_factory=list)
    people_added: int = 0
    people_deactivated: int = 0

    def lines(self) -> list[str]:
        out = [f"created team {k}" for k in self.teams_created]
        out += [f"updated team {k}" for k in self.teams_updated]
        out += [f"team {k} is not in this file: left as it is" for k in self.teams_untouched]
        out.append(f"{self.people_added} role(s) added, {self.people_deactivated} deactivated")
        return out


def apply_config(session: Session, config: TendConfig, *, workspace_id: str,
                 now: datetime) -> ImportSummary:
    """Apply `config` to one workspace's teams (keys are unique per workspace)."""
    summary = ImportSummary()
    everyone = {u for t in config.teams for u in _desired_roles(t)}
    ensure_people(session, workspace_id, {user_id for user_id, _role in everyone})
    for spec in config.teams:
        team = team_by_key(session, workspace_id, spec.key)
        if team is None:
            team = Team(workspace_id=workspace_id, key=spec.key, name=spec.name,
                        channel_id=spec.channel, timezone=spec.timezone, skip_dates=[],
                        created_at=now, updated_at=now)
            session.add(team)
            session.flush()
            summary.teams_created.append(spec.key)
        before = _taking_part(team)
        changed = _sync_team(team, spec, now=now, summary=summary)
        session.flush()
        # Each person first added is introduced before their first prompt (once per team).
        want_introductions(session, team=team, user_ids=_taking_part(team) - before, now=now)
        changed |= _sync_rituals(team, spec, now=now)
        changed |= _sync_team_text(session, team, spec, now=now)
        if changed and spec.key not in summary.teams_created:
            team.updated_at = now
            summary.teams_updated.append(spec.key)
        if changed:  # a cadence, a zone, a join or a leave can move what is due
            recompute_next_due(session, teams=[team.id])
    in_file = {t.key for t in config.teams}
    teams = all_teams(session, workspace_id)
    summary.teams_untouched = [t.key for t in teams if t.key not in in_file]
    session.flush()
    want_conversations(session, workspace_id=workspace_id,
                       groups=registry.conversations_of(teams), now=now)
    return summary


def _taking_part(team: Team) -> set[str]:
    """Who takes part in the team's rituals: its active members and managers."""
    return {r.user_id for r in team.roles if r.active and r.role in ("member", "manager")}


def _desired_roles(spec: TeamSpec) -> dict[tuple[str, str], tuple[int, str | None]]:
    """(user, role) -> (position, line manager override)."""
    roles: dict[tuple[str, str], tuple[int, str | None]] = {}
    for position, user_id in enumerate(spec.managers):
        roles[(user_id, "manager")] = (position, None)
    for position, user_id in enumerate(spec.coaches):
        roles[(user_id, "coach")] = (position, None)
    for position, member in enumerate(spec.members):
        roles[(member.id, "member")] = (position, member.manager)
    return roles


def _sync_team(team: Team, spec: TeamSpec, *, now: datetime, summary: ImportSummary) -> bool:
    changed = False
    skip_dates = sorted({d.isoformat() for d in spec.skip_dates})
    for attr, value in (("name", spec.name), ("channel_id", spec.channel),
                        ("timezone", spec.timezone), ("skip_dates", skip_dates)):
        if getattr(team, attr) != value:
            setattr(team, attr, value)
            changed = True
    desired = _desired_roles(spec)
    existing = {(r.user_id, r.role): r for r in team.roles}
    for key, held in existing.items():
        if key not in desired and held.active:
            held.active, held.until = False, now
            summary.people_deactivated += 1
            changed = True
    for (user_id, role_name), (position, manager) in desired.items():
        role = existing.get((user_id, role_name))
        if role is None:
            team.roles.append(TeamRole(user_id=user_id, role=role_name, position=position,
                                       line_manager_id=manager, active=True, since=now))
            summary.people_added += 1
            changed = True
            continue
        if not role.active:
            role.active, role.since, role.until = True, now, None
            summary.people_added += 1
            changed = True
        if (role.position, role.line_manager_id) != (position, manager):
            role.position, role.line_manager_id = position, manager
            changed = True
    return changed


# Ritual settings beyond cadence and enabled live in Ritual.options under the same names.
_COMMON = {"cadence", "enabled"}


def _ritual_specs(team: TeamSpec) -> dict[str, tuple[Cadence, bool, dict[str, Any]]]:
    """Each configured ritual, wherever its key is (a team-level key like `digest` is
    stored as a ritual like the others)."""
    specs: dict[str, tuple[Cadence, bool, dict[str, Any]]] = {}
    for ritual in registry.all_rituals():
        spec = ritual_spec_of(team, ritual.kind)
        if spec is not None:
            # Unset keys (prompts left to the defaults) are not stored, so an import
            # that leaves them out changes nothing.
            options = {k: v for k, v in spec.model_dump(exclude_none=True).items()
                       if k not in _COMMON}
            specs[ritual.kind] = (spec.cadence.cadence, spec.enabled, options)
    return specs


def _sync_rituals(team: Team, spec: TeamSpec, *, now: datetime) -> bool:
    changed = False
    desired = _ritual_specs(spec)
    existing = {r.kind: r for r in team.rituals}
    for kind, kept in existing.items():
        if kind not in desired and not kept.options.get(REMOVED):
            kept.enabled, kept.options = False, {**kept.options, REMOVED: True}
            changed = True
    for kind, (cadence, enabled, options) in desired.items():
        ritual = existing.get(kind)
        if ritual is None:
            team.rituals.append(Ritual(
                kind=kind, every=cadence.every, day=cadence.day, hour=cadence.hour,
                minute=cadence.minute, enabled=enabled, since=now, options=options,
                anchor_date=now.astimezone(ZoneInfo(team.timezone)).date(),
            ))
            changed = True
            continue
        state = {k: v for k, v in ritual.options.items() if k in STATE_OPTIONS - {REMOVED}}
        options = {**options, **state}
        if (ritual_cadence(ritual), ritual.enabled, ritual.options) != (cadence, enabled, options):
            ritual.every, ritual.day = cadence.every, cadence.day
            ritual.hour, ritual.minute = cadence.hour, cadence.minute
            ritual.enabled, ritual.options = enabled, options
            changed = True
    return changed


def _sync_team_text(session: Session, team: Team, spec: TeamSpec, *, now: datetime) -> bool:
    """Team text a ritual keeps (the retro's agreements). An absent key leaves it as it
    is: like a team absent from the file, it may have been written in Slack."""
    changed = False
    for ritual in registry.all_rituals():
        if ritual.team_text is not None:
            value = getattr(spec, ritual.team_text.key, None)
            if value is not None:
                changed |= ritual.team_text.write(session, team, value, now)
    return changed


def export_config(session: Session, workspace_id: str) -> TendConfig:
    return TendConfig(teams=[_team_spec(session, team)
                             for team in all_teams(session, workspace_id)])


def _team_spec(session: Session, team: Team) -> TeamSpec:
    active = [r for r in team.roles if r.active]

    def ids(role: str) -> list[str]:
        return [r.user_id for r in sorted(active, key=lambda r: r.position) if r.role == role]

    members = [MemberSpec(id=r.user_id, manager=r.line_manager_id)
               for r in sorted(active, key=lambda r: r.position) if r.role == "member"]
    specs: dict[str, RitualSpec] = {
        r.kind: definition.config_spec(
            cadence=CadenceSpec(**ritual_cadence(r).as_dict()), enabled=r.enabled,
            **{k: v for k, v in r.options.items() if k not in STATE_OPTIONS},
        )
        for r in team.rituals
        if not r.options.get(REMOVED) and (definition := registry.find(r.kind))
    }
    beside = {r.kind for r in registry.all_rituals() if r.team_level_key}
    return TeamSpec(
        key=team.key, name=team.name, channel=team.channel_id, timezone=team.timezone,
        managers=ids("manager"), coaches=ids("coach"), members=members,
        rituals=RitualsSpec(**{k: s for k, s in specs.items() if k not in beside}),
        **{k: s for k, s in specs.items() if k in beside},
        skip_dates=[date.fromisoformat(d) for d in team.skip_dates or []],
        **{r.team_text.key: r.team_text.read(session, team)
           for r in registry.all_rituals() if r.team_text},
    )
