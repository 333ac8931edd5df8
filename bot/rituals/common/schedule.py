"""When a ritual fires: pure, DST-correct fire-time arithmetic for a `Cadence`.

No I/O and no wall clock: every function takes the instant it reasons about. Results
are UTC-aware datetimes; inputs may be aware in any zone (naive ones are rejected).

Rules (HH:MM is the cadence's local time of day in the ritual's time zone `tz`):

- `week`: every week on `day` (mon … sun) at HH:MM.
- `2 weeks`: the same, but only in weeks whose Monday is an even number of weeks
  (before or after) from the Monday of the week containing `anchor`. `anchor` is
  ignored for other cadences.
- `month`, `1st mon` … `4th fri`, `last fri`: CronTrigger's ordinal-weekday syntax.
- `month`, day N: on day N; in months shorter than N it fires on the month's last day
  (day 31 → 30 April, 28/29 February).

Daylight saving time:

- A local time inside a spring-forward gap (e.g. 02:30 in Amsterdam on 2026-03-29)
  fires once, at the first real instant after the gap (03:00 CEST = 01:00 UTC).
- A local time that happens twice on a fall-back day fires once, at the first
  occurrence (the `fold=0` one).

How: the calendar matching (weekday, ordinal weekday, last day of month) is done by
APScheduler 3.11's CronTrigger/OrTrigger running on *wall-clock* time (a zone with no
DST: UTC stands in for "local wall clock"), and each matching wall time is then mapped
to a real instant by `_resolve`. We do not hand APScheduler the real zone because, in
3.11.3, it (a) fires a nonexistent time at wall+gap (02:30 → 03:30 CEST) rather than at
the gap's end, (b) fires an ambiguous time twice (both folds), and (c) skips the day
entirely when the gap is at midnight (e.g. America/Santiago, 00:30 on 2026-09-06).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

from bot.domain.cadence import Cadence

# Months that can be shorter than N days, for day-of-month cadences with N > 28.
_SHORT_MONTHS = {29: "2", 30: "2", 31: "2,4,6,9,11"}

# Look-back windows for latest_fire_time: longer than the largest gap between two fire
# times (14 days for `2 weeks`; 35 days for an ordinal weekday such as `1st mon`), plus
# slack for DST shifts.
_LOOKBACK = {"week": timedelta(days=15), "2 weeks": timedelta(days=15),
             "month": timedelta(days=36)}

_TICK = timedelta(microseconds=1)


def next_fire_time(cadence: Cadence, tz: ZoneInfo, after: datetime, *, anchor: date) -> datetime:
    """First fire time strictly after `after` (a tz-aware datetime).

    Returns a UTC-aware datetime."""
    _require_aware(after)
    trigger = _trigger(cadence)
    # Every wall time before after's own wall time resolves to an instant <= after, so the
    # search starts there; a candidate can still resolve <= after in a fall-back fold.
    wall = _wall(after, tz)
    while True:
        wall = _next_wall(trigger, wall)
        if _in_cadence_week(cadence, wall.date(), anchor):
            instant = _resolve(wall, tz)
            if instant > after:
                return instant
        wall += _TICK


def latest_fire_time(cadence: Cadence, tz: ZoneInfo, now: datetime, *, anchor: date) -> datetime:
    """The latest fire time at or before `now` (tz-aware). UTC-aware result."""
    _require_aware(now)
    # Bounded look-back (longer than any gap between fires), then walk forward.
    fire = next_fire_time(cadence, tz, now - _LOOKBACK[cadence.every], anchor=anchor)
    while (following := next_fire_time(cadence, tz, fire, anchor=anchor)) <= now:
        fire = following
    return fire


def next_due(cadence: Cadence, zones: Iterable[str], after: datetime, *, anchor: date
             ) -> datetime | None:
    """The first fire time strictly after `after` in any of these zones (a ritual's
    zone group: the team's zone, or its members'); None when there is no zone."""
    fires = [next_fire_time(cadence, ZoneInfo(zone), after, anchor=anchor)
             for zone in set(zones)]
    return min(fires, default=None)


def fire_times_between(
    cadence: Cadence, tz: ZoneInfo, start: datetime, end: datetime, *, anchor: date
) -> list[datetime]:
    """All fire times t with start < t <= end, ascending, UTC-aware."""
    _require_aware(end)
    fires: list[datetime] = []
    fire = next_fire_time(cadence, tz, start, anchor=anchor)
    while fire <= end:
        fires.append(fire)
        fire = next_fire_time(cadence, tz, fire, anchor=anchor)
    return fires


@lru_cache(maxsize=1024)
def _trigger(cadence: Cadence) -> BaseTrigger:
    """The wall-clock trigger for a cadence. It never sees a real zone, so it is shared by
    every time zone; a clock tick reuses it across (cadence, zone) groups."""
    at = {"hour": cadence.hour, "minute": cadence.minute, "second": 0, "timezone": UTC}
    if cadence.every in ("week", "2 weeks"):
        return CronTrigger(day_of_week=cadence.day, **at)
    if not cadence.day.isdigit():
        return CronTrigger(day=cadence.day, **at)  # "1st mon" … "last fri"
    day = int(cadence.day)
    if day not in _SHORT_MONTHS:
        return CronTrigger(day=day, **at)
    # Day N, or the last day of a month too short to have day N.
    return OrTrigger([CronTrigger(day=day, **at),
                      CronTrigger(month=_SHORT_MONTHS[day], day="last", **at)])


def _next_wall(trigger: BaseTrigger, wall: datetime) -> datetime:
    """The first matching wall time at or after `wall` (both naive local wall times)."""
    fire = trigger.get_next_fire_time(None, wall.replace(tzinfo=UTC))
    if fire is None:  # only past year 9999
        raise ValueError(f"no fire time after {wall.isoformat()}")
    return fire.replace(tzinfo=None)


def _in_cadence_week(cadence: Cadence, day: date, anchor: date) -> bool:
    """False for the off weeks of a `2 weeks` cadence; True for every other cadence."""
    if cadence.every != "2 weeks":
        return True
    weeks = (_monday(day) - _monday(anchor)).days // 7
    return weeks % 2 == 0


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _wall(instant: datetime, tz: ZoneInfo) -> datetime:
    """The naive local wall time of an aware instant in `tz`."""
    return instant.astimezone(tz).replace(tzinfo=None)


def _resolve(wall: datetime, tz: ZoneInfo) -> datetime:
    """The real UTC instant for a local wall time: the first occurrence if it is ambiguous,
    the end of the gap if it does not exist."""
    first = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)  # fold=0: earlier occurrence
    if _wall(first, tz) == wall:
        return first
    return _gap_end(wall, tz)


def _gap_end(wall: datetime, tz: ZoneInfo) -> datetime:
    """The first real instant after the spring-forward gap that contains `wall`.

    Read with the offset in force after the gap, `wall` lands before the transition; read
    with the one before it, at or after. Bisect between the two to find the transition.
    """
    before = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)  # in a gap fold=1 is earlier
    after = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    offset_before = before.astimezone(tz).utcoffset()
    second = timedelta(seconds=1)
    while after - before > second:
        # Whole seconds only: transitions fall on whole seconds, and so do both bounds.
        middle = before + (after - before) // second // 2 * second
        if middle.astimezone(tz).utcoffset() == offset_before:
            before = middle
        else:
            after = middle
    return after


def _require_aware(instant: datetime) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"expected a time-zone-aware datetime, got {instant!r}")
