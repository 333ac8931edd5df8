"""Home pieces several rituals share: when a ritual next runs, and its recent runs."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.domain.enums import OccurrenceStatus
from bot.messages.text import slack_escape
from bot.rituals.common.schedule import next_fire_time
from bot.storage.models import Ritual, Team
from bot.storage.occurrences import latest_team_sessions
from bot.storage.teams import ritual_cadence, skip_dates

HEALTH_RUNS = 4  # how many recent runs of each ritual a coach sees
MAX_SKIPPED_RUNS = 60  # holidays in a row we look past for a "next run"

class RunOutcome(StrEnum):
    """What a coach's Home says of one recent run (the Home shows each as a symbol).

    "Sent": the run was posted. "Held" means more and is kept for it: a check-in both
    sides answered (the digest's figure). See docs/decisions.md ("One vocabulary")."""

    SENT = "sent"
    NOT_SENT = "not_sent"
    SKIPPED = "skipped"
    PENDING = "pending"


# Occurrence status -> what a coach is told. The stored HELD is the quads' team-level
# marker: the cycle's groups were prompted, so it reads "sent".
OUTCOMES: dict[str, RunOutcome] = {
    OccurrenceStatus.SENT: RunOutcome.SENT, OccurrenceStatus.HELD: RunOutcome.SENT,
    OccurrenceStatus.MISSED: RunOutcome.NOT_SENT, OccurrenceStatus.FAILED: RunOutcome.NOT_SENT,
    OccurrenceStatus.SKIPPED: RunOutcome.SKIPPED, OccurrenceStatus.PENDING: RunOutcome.PENDING}


def when(instant: datetime, zone: ZoneInfo) -> str:
    local = instant.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def next_run(ritual: Ritual, zone: ZoneInfo, now: datetime, *, since: datetime,
             away_until: date | None = None) -> datetime | None:
    """The next fire time that will actually run: past holidays and an away period."""
    holidays = skip_dates(ritual)
    fire = max(now, since)
    for _ in range(MAX_SKIPPED_RUNS):
        fire = next_fire_time(ritual_cadence(ritual), zone, fire, anchor=ritual.anchor_date)
        day = fire.astimezone(zone).date()
        if day not in holidays and (away_until is None or day > away_until):
            return fire
    return None


def team_session_line(team: Team, ritual: Ritual, now: datetime, title: str
                      ) -> tuple[datetime, str] | None:
    """A member's next run of a ritual held in the team's time zone."""
    zone = ZoneInfo(team.timezone)
    fire = next_run(ritual, zone, now, since=ritual.since)
    if fire is None:
        return None
    return fire, f"{title} — {when(fire, zone)} ({team.timezone})"


def team_zone_configuration_line(team: Team, ritual: Ritual, now: datetime, name: str) -> str:
    cadence = ritual_cadence(ritual).describe()
    if not ritual.enabled:
        return f"• *{name}*: {cadence} — paused"
    zone = ZoneInfo(team.timezone)
    fire = next_run(ritual, zone, now, since=ritual.since)
    upcoming = when(fire, zone) if fire else "none scheduled"
    return f"• *{name}*: {cadence} ({team.timezone}) — next {upcoming}"


def team_session_runs(session: Session, team: Team, ritual: Ritual, now: datetime, *,
                      label_format: str) -> list[tuple[str, str]]:
    """The outcome of the latest team sessions, labelled by their local date."""
    rows = latest_team_sessions(session, ritual.id, now=now, limit=HEALTH_RUNS)
    zone = ZoneInfo(team.timezone)
    runs: list[tuple[str, str]] = []
    for row in reversed(rows):
        local = row.scheduled_at.astimezone(zone)
        label = label_format.format(day=local.day, month=f"{local:%b}")
        # A quad cycle with too few members is marked but formed no quads.
        outcome = (RunOutcome.NOT_SENT if row.reason == "too_few_members"
                   else OUTCOMES.get(row.status, RunOutcome.NOT_SENT))
        runs.append((label, outcome))
    return runs


def team_name(team: Team) -> str:
    return slack_escape(team.name)
