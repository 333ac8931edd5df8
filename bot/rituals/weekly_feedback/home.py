"""The weekly check-in on the App Home: a member's next one, and the coach's view."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.messages.text import slack_escape
from bot.rituals.common.home import HEALTH_RUNS, OUTCOMES, RunOutcome, next_run, when
from bot.storage.models import Person, Ritual, Team, TeamRole
from bot.storage.people import zones_of
from bot.storage.teams import line_manager, ritual_cadence
from bot.storage.weekly_feedback import checkins_between


def member_line(team: Team, role: TeamRole, ritual: Ritual, person: Person | None,
                now: datetime) -> tuple[datetime, str] | None:
    manager = line_manager(team, role)
    if manager is None or manager == role.user_id:
        return None  # nobody to meet, or a manager listed as a member
    title = f"*Weekly check-in* with <@{manager}> · {slack_escape(team.name)}"
    if person is None or not person.tz:
        return (datetime.max.replace(tzinfo=now.tzinfo),
                f"{title} — {ritual_cadence(ritual).describe()}, in your own time zone "
                "(tend has not learned it from Slack yet)")
    zone = ZoneInfo(person.tz)
    fire = next_run(ritual, zone, now, since=max(role.since, ritual.since),
                    away_until=person.away_until)
    return None if fire is None else (
        fire, f"{title} — {when(fire, zone)} your time ({person.tz})")


def configuration_line(team: Team, ritual: Ritual, now: datetime, name: str) -> str:
    cadence = ritual_cadence(ritual).describe()
    if not ritual.enabled:
        return f"• *{name}*: {cadence} — paused"
    zone = ZoneInfo(team.timezone)
    fire = next_run(ritual, zone, now, since=ritual.since)
    upcoming = when(fire, zone) if fire else "none scheduled"
    return (f"• *{name}*: {cadence}, in each member's own time zone — next e.g. "
            f"{upcoming} in {team.timezone}")


def checkin_weeks(session: Session, team: Team, ritual: Ritual, now: datetime
                  ) -> list[tuple[str, str]]:
    """One outcome per week for the whole team: sent if any check-in was sent.

    Each check-in is placed in its member's own calendar week, then only the week's
    combined outcome is kept: who was or was not sent one is not shown.
    """
    every = 2 if ritual.every == "2 weeks" else 1
    rows = checkins_between(session, ritual.id,
                            since=now - timedelta(weeks=(HEALTH_RUNS + 1) * every), until=now)
    zones = zones_of(session, team.workspace_id, {subject for subject, _, _ in rows})
    weeks: dict[date, set[str]] = {}
    for subject, scheduled_at, status in rows:
        local = scheduled_at.astimezone(ZoneInfo(zones.get(subject) or team.timezone)).date()
        weeks.setdefault(local - timedelta(days=local.weekday()), set()).add(
            OUTCOMES.get(status, RunOutcome.NOT_SENT))
    return [(f"wk {monday.day} {monday:%b}", _combined(weeks[monday]))
            for monday in sorted(weeks)[-HEALTH_RUNS:]]


def _combined(outcomes: set[str]) -> str:
    for outcome in (RunOutcome.SENT, RunOutcome.PENDING, RunOutcome.NOT_SENT):
        if outcome in outcomes:
            return outcome
    return RunOutcome.SKIPPED
