"""Which stretch of time a digest covers. Pure.

A digest covers the time since the digest before it: the window [previous fire time,
this fire time). A monthly digest is named after its month ("2026-11"); a weekly or
two-weekly one after its date ("2026-11-27"). `tend digest --period YYYY-MM` looks for
the monthly digest's fire time in that month, or, with no monthly digest configured,
takes the calendar month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.cadence import Cadence
from bot.rituals.common.schedule import fire_times_between, latest_fire_time


@dataclass(frozen=True)
class Window:
    period: str
    start: datetime
    end: datetime


def window_ending(cadence: Cadence, tz: ZoneInfo, fire: datetime, *, anchor: date) -> Window:
    previous = latest_fire_time(cadence, tz, fire - timedelta(seconds=1), anchor=anchor)
    return Window(period=period_name(cadence, tz, fire), start=previous, end=fire)


def period_name(cadence: Cadence, tz: ZoneInfo, fire: datetime) -> str:
    local = fire.astimezone(tz)
    return f"{local:%Y-%m}" if cadence.every == "month" else local.date().isoformat()


def month_window(month: str, tz: ZoneInfo, *, cadence: Cadence | None, anchor: date
                 ) -> Window:
    """The window of `YYYY-MM`: the monthly digest's, or else the calendar month."""
    year, number = (int(part) for part in month.split("-"))
    first = datetime(year, number, 1, tzinfo=tz)
    following = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=tz)
    if cadence is not None and cadence.every == "month":
        fires = fire_times_between(cadence, tz, first - timedelta(seconds=1),
                                   following - timedelta(seconds=1), anchor=anchor)
        if fires:
            return window_ending(cadence, tz, fires[-1], anchor=anchor)
    return Window(period=month, start=first, end=following)


def previous_window(window: Window, cadence: Cadence | None, tz: ZoneInfo, *,
                    anchor: date) -> Window:
    """The window just before: what the last digest showed, for the difference guard."""
    if cadence is not None:
        return window_ending(cadence, tz, window.start, anchor=anchor)
    last_day = (window.start.astimezone(tz) - timedelta(days=1))
    return month_window(f"{last_day:%Y-%m}", tz, cadence=None, anchor=anchor)
