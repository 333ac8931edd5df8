"""Team-wide rituals (goal sharing, quad cycles): which sessions are due at `now`. Pure.

They fire at the cadence's local time in the *team's* time zone. As for check-ins, only
the latest fire time is a candidate, a ritual starts at its first fire time after it was
configured, and a candidate older than the catch-up window is recorded as missed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.team_rituals import TeamRitual
from bot.rituals.common.schedule import latest_fire_time, next_fire_time


@dataclass(frozen=True)
class DueSession:
    ritual: TeamRitual
    scheduled_at: datetime
    missed: bool
    skipped: bool = False  # on a skip date: recorded, not held


def due_sessions(rituals: Iterable[TeamRitual], *, now: datetime, catchup: timedelta
                 ) -> list[DueSession]:
    due: list[DueSession] = []
    for ritual in rituals:
        fire = latest_fire_time(ritual.cadence, ZoneInfo(ritual.timezone), now,
                                anchor=ritual.anchor)
        if fire >= ritual.since:
            local_day = fire.astimezone(ZoneInfo(ritual.timezone)).date()
            due.append(DueSession(ritual=ritual, scheduled_at=fire, missed=now - fire > catchup,
                                  skipped=local_day in ritual.skip_dates))
    return due


def following_session(ritual: TeamRitual, after: datetime) -> datetime:
    """When the next session after `after` will be (a quad cycle's natural due date)."""
    return next_fire_time(ritual.cadence, ZoneInfo(ritual.timezone), after,
                          anchor=ritual.anchor)


def month_label(scheduled_at: datetime, timezone: str) -> str:
    local = scheduled_at.astimezone(ZoneInfo(timezone))
    return f"{local:%B %Y}"
