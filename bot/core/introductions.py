"""Introductions: before a person's first prompt in a team, one DM that says what the
team runs and when (at their local time), who sees what, how to propose a change and
how to take a week off. Queued by the tick in the planning transaction, before any
prompt, so it is sent first (the outbox is drained in order)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.messages.render import Message, Template, render_message
from bot.rituals import registry
from bot.rituals.common.home import when
from bot.storage import outbox
from bot.storage.introductions import mark_sent, waiting_introductions
from bot.storage.models import Person, Team, TeamRole
from bot.storage.teams import ritual_cadence

MIN_GROUP_DEFAULT = 3  # the promise's floor; a team's digest may ask for more


def queue_introductions(session: Session, *, now: datetime) -> int:
    """Queue every waiting introduction and mark it sent; returns how many were queued.
    A person no longer on the team by now is marked without a message."""
    rows = waiting_introductions(session)
    queued = 0
    for row in rows:
        team = session.get_one(Team, row.team_id)
        role = _role_of(team, row.user_id)
        if role is not None:
            person = session.get(Person, (row.workspace_id, row.user_id))
            outbox.enqueue(session, workspace_id=row.workspace_id, key=f"introduction:{row.id}",
                           payload=introduction(team, role, person, now=now).as_dict(),
                           users=[row.user_id], now=now)
            queued += 1
    mark_sent(session, [row.id for row in rows], now=now)
    return queued


def _role_of(team: Team, user_id: str) -> TeamRole | None:
    """The person's active role in the team, a member's before a manager's."""
    held = [r for r in team.roles if r.user_id == user_id and r.active
            and r.role in ("member", "manager")]
    return min(held, key=lambda r: r.role != "member", default=None)


def introduction(team: Team, role: TeamRole, person: Person | None, *, now: datetime
                 ) -> Message:
    """The introduction message of `role`'s person to `team`."""
    zone = ZoneInfo(person.tz) if person is not None and person.tz else None
    return render_message(
        Template.INTRODUCTION, team_name=team.name, lines=schedule_lines(team, role, person, zone,
                                                                           now=now),
        zone_note=f"your time, {zone.key}" if zone else
        f"in the team's time zone, {team.timezone}: tend has not learned yours from Slack yet",
        min_group=_min_group(team))


def schedule_lines(team: Team, role: TeamRole, person: Person | None, zone: ZoneInfo | None,
                   *, now: datetime) -> list[str]:
    """One line per enabled ritual of the team, in the registry's order: the ritual's own
    line for this person (its next run), with the time in their zone when it is known;
    a ritual with no line for them says its cadence."""
    lines = []
    rituals = sorted((r for r in team.rituals if r.enabled and registry.find(r.kind)),
                     key=lambda r: registry.order(r.kind))
    for ritual in rituals:
        definition = registry.definition(ritual.kind)
        entry = definition.member_line(team, role, ritual, person, now)
        if entry is None:
            lines.append(f"• *{definition.title}* — {ritual_cadence(ritual).describe()} "
                         f"({team.timezone})")
            continue
        fire, line = entry
        # A line in the team's zone gets the person's own time too (a line already in
        # their zone names it; an unknown next run is datetime.max).
        local = f" — {when(fire, zone)} your time" if zone is not None and \
            fire.year < datetime.max.year and zone.key not in line else ""
        lines.append(f"• {line}{local}")
    return lines


def _min_group(team: Team) -> int:
    """The most a team's rituals ask before a figure is shown (the digest's min_group)."""
    return max([MIN_GROUP_DEFAULT, *(int(r.options["min_group"]) for r in team.rituals
                                     if r.enabled and "min_group" in r.options)])

