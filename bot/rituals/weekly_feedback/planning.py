"""The weekly two-way check-in: which pairs are due at `now`. Pure: no I/O, no wall clock.

A pair is a member and their line manager. Its check-in fires at the cadence's local
time in the *member's* Slack time zone. At a tick, each pair's latest fire time at or
before `now` is a candidate, unless it falls before the pair existed (a ritual starts
at its first fire time after it was configured). A candidate older than the catch-up
window is recorded as missed rather than sent late. The storage layer drops candidates
that already have an occurrence, so a repeated tick plans nothing new.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.cadence import Cadence
from bot.rituals.common.schedule import latest_fire_time
from bot.rituals.kinds import RitualKind

KIND = RitualKind.WEEKLY_FEEDBACK


@dataclass(frozen=True)
class CheckinPair:
    ritual_id: int
    member_id: str
    manager_id: str
    timezone: str  # the member's Slack time zone
    cadence: Cadence
    anchor: date
    since: datetime  # when this pair started to exist (member added or ritual created)
    skip_dates: frozenset[date] = frozenset()  # the team's and the ritual's holidays
    away_until: date | None = None  # the member said they are away until then
    workspace_id: str = ""  # the Slack workspace whose bot sends the prompt


@dataclass(frozen=True)
class DueCheckin:
    pair: CheckinPair
    scheduled_at: datetime
    missed: bool
    skipped: bool = False  # on a skip date: recorded, not sent


def due_checkins(
    pairs: Iterable[CheckinPair], *, now: datetime, catchup: timedelta
) -> list[DueCheckin]:
    # Many members share a cadence and a time zone: compute each fire time once.
    latest: dict[tuple[Cadence, str, date], datetime] = {}
    due: list[DueCheckin] = []
    for pair in pairs:
        group = (pair.cadence, pair.timezone, pair.anchor)
        if group not in latest:
            latest[group] = latest_fire_time(
                pair.cadence, ZoneInfo(pair.timezone), now, anchor=pair.anchor
            )
        fire = latest[group]
        if fire < pair.since:
            continue
        local_day = fire.astimezone(ZoneInfo(pair.timezone)).date()
        if pair.away_until is not None and local_day <= pair.away_until:
            continue  # away: no prompt, and nothing recorded about it
        due.append(DueCheckin(pair=pair, scheduled_at=fire, missed=now - fire > catchup,
                              skipped=local_day in pair.skip_dates))
    return due


def week_label(scheduled_at: datetime, timezone: str) -> str:
    """'week of 23 Nov' in the member's own calendar."""
    local = scheduled_at.astimezone(ZoneInfo(timezone)).date()
    monday = local - timedelta(days=local.weekday())
    return f"week of {monday.day} {monday:%b}"
