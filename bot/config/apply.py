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
from bot.rituals.common.schedule import next_fire_time
from bot.storage.conversations import want_conversations
from bot.storage.introductions import want_introductions
from bot.storage.models import Ritual, Team, TeamRole
from bot.storage.people import ensure_people
from bot.storage.proposals import add_proposal, cancel_pending, record_change
from bot.storage.schedules import recompute_next_due
from bot.storage.teams import all_teams, ritual_cadence, team_by_key

REMOVED = "removed_from_config"
# How a change came, as the team's changelog says it (docs/proposals.md).
BY_IMPORT = "by file import"
BY_COACH = "by coach"
TRIAL_END = "trial"  # a proposal's origin: the vote that ends a trial
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
                 now: datetime, how: str = BY_IMPORT) -> ImportSummary:
    """Apply `config` to one workspace's teams (keys are unique per workspace); each
    change to a team's rituals goes in its changelog as made `how`."""
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
        ritual_changes = _sync_rituals(session, team, spec, now=now)
        changed |= bool(ritual_changes)
        if ritual_changes:
            record_change(session, team_id=team.id, at=now, how=how,
                          what="; ".join(ritual_changes))
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


def _sync_rituals(session: Session, team: Team, spec: TeamSpec, *, now: datetime
                  ) -> list[str]:
    """Make the team's rituals match; returns what changed, in words (the changelog)."""
    changes: list[str] = []
    desired = _ritual_specs(spec)
    existing = {r.kind: r for r in team.rituals}
    for kind, kept in existing.items():
        if kind not in desired and not kept.options.get(REMOVED):
            kept.enabled, kept.options = False, {**kept.options, REMOVED: True}
            changes.append(f"{_title(kind)} removed (switched off, history kept)")
            _trial_changed(session, team, kept, None, now=now)
    for kind, (cadence, enabled, options) in desired.items():
        ritual = existing.get(kind)
        if ritual is None:
            ritual = Ritual(
                kind=kind, every=cadence.every, day=cadence.day, hour=cadence.hour,
                minute=cadence.minute, enabled=enabled, since=now, options=options,
                anchor_date=now.astimezone(ZoneInfo(team.timezone)).date(),
            )
            team.rituals.append(ritual)
            session.flush()
            changes.append(f"{_title(kind)} set up: {_cadence_words(cadence)}"
                           + ("" if enabled else ", switched off")
                           + _trial_words(options.get("trial")))
            _trial_changed(session, team, ritual, options.get("trial"), now=now)
            continue
        state = {k: v for k, v in ritual.options.items() if k in STATE_OPTIONS - {REMOVED}}
        options = {**options, **state}
        before = (ritual_cadence(ritual), ritual.enabled, ritual.options)
        if before != (cadence, enabled, options):
            changes.append(_described(kind, before, (cadence, enabled, options)))
            ritual.every, ritual.day = cadence.every, cadence.day
            ritual.hour, ritual.minute = cadence.hour, cadence.minute
            ritual.enabled, ritual.options = enabled, options
            if before[2].get("trial") != options.get("trial"):
                _trial_changed(session, team, ritual, options.get("trial"), now=now)
    return changes


def _title(kind: str) -> str:
    definition = registry.find(kind)
    return definition.title if definition else kind


def _cadence_words(cadence: Cadence) -> str:
    return f"every {cadence.every}, {cadence.day}, at {cadence.time}"


def _trial_words(trial: object) -> str:
    return f", as a trial of {trial} cycles" if trial else ""


def _described(kind: str, before: tuple[Cadence, bool, dict[str, Any]],
               after: tuple[Cadence, bool, dict[str, Any]]) -> str:
    """One ritual's change in words: what a coach reads in the changelog."""
    parts = []
    if before[1] != after[1]:
        parts.append("switched on" if after[1] else "switched off")
    if before[0] != after[0]:
        parts.append(f"now {_cadence_words(after[0])}")
    trial_before, trial_after = before[2].get("trial"), after[2].get("trial")
    if trial_before != trial_after:
        parts.append(f"trial of {trial_after} cycles" if trial_after else "trial ended")
    others = {k for k in {*before[2], *after[2]} - {"trial", REMOVED}
              if before[2].get(k) != after[2].get(k)}
    if "prompts" in others:  # what a team changes most: said as such
        parts.append("its prompts changed")
        others.discard("prompts")
    if others or (before[2].get(REMOVED) and not after[2].get(REMOVED)):
        parts.append(f"settings changed ({', '.join(sorted(others))})" if others
                     else "back in the configuration")
    return f"{_title(kind)}: {', '.join(parts)}"


def _trial_changed(session: Session, team: Team, ritual: Ritual, trial: object, *,
                   now: datetime) -> None:
    """A trial set, changed or cleared: its end vote is drafted (or dropped) to be posted
    at the first tick after the last trial cycle's run (docs/proposals.md)."""
    cancel_pending(session, team_id=team.id, kind=ritual.kind, origin=TRIAL_END)
    if not isinstance(trial, int) or trial < 1:
        return
    cadence, zone = ritual_cadence(ritual), ZoneInfo(team.timezone)
    ends = now
    for _cycle in range(trial):
        ends = next_fire_time(cadence, zone, ends, anchor=ritual.anchor_date)
    title = _title(ritual.kind)
    add_proposal(session, team_id=team.id, ritual_kind=ritual.kind, proposer_id=None,
                 signed=False, origin=TRIAL_END, reason=None, change={},
                 summary=f"The trial of {title} ({trial} cycles) is over: keep it, change "
                         "it, or drop it?",
                 choices=["keep", "change", "drop"], status="pending", due_at=ends,
                 created_at=now)


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
