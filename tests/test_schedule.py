"""Fire-time arithmetic: exact instants around DST changes, plus properties over zones."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.cadence import EVERY, ORDINALS, WEEKDAYS, Cadence
from bot.rituals.common.schedule import fire_times_between, latest_fire_time, next_fire_time
from tests.properties import examples

AMS = ZoneInfo("Europe/Amsterdam")
NYC = ZoneInfo("America/New_York")
SYD = ZoneInfo("Australia/Sydney")
KOL = ZoneInfo("Asia/Kolkata")
ANCHOR = date(2026, 1, 1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def weekly(day: str, hour: int, minute: int = 0) -> Cadence:
    return Cadence("week", day, hour, minute)


def monthly(day: str, hour: int = 9, minute: int = 0) -> Cadence:
    return Cadence("month", day, hour, minute)


def fires(cadence: Cadence, tz: ZoneInfo, start: datetime, end: datetime,
          anchor: date = ANCHOR) -> list[datetime]:
    return fire_times_between(cadence, tz, start, end, anchor=anchor)


def local_dates(instants: list[datetime], tz: ZoneInfo) -> list[date]:
    return [instant.astimezone(tz).date() for instant in instants]


# --- exact instants across DST changes ---------------------------------------------------


def test_amsterdam_spring_forward_keeps_local_time() -> None:
    got = fires(weekly("mon", 10), AMS, utc(2026, 3, 20), utc(2026, 4, 1))
    assert got == [utc(2026, 3, 23, 9), utc(2026, 3, 30, 8)]  # 10:00 CET, 10:00 CEST


def test_amsterdam_fall_back_keeps_local_time() -> None:
    got = fires(weekly("mon", 10), AMS, utc(2026, 10, 18), utc(2026, 10, 30))
    assert got == [utc(2026, 10, 19, 8), utc(2026, 10, 26, 9)]  # 10:00 CEST, 10:00 CET


def test_new_york_spring_forward() -> None:
    got = fires(weekly("mon", 9), NYC, utc(2026, 3, 1), utc(2026, 3, 10))
    assert got == [utc(2026, 3, 2, 14), utc(2026, 3, 9, 13)]  # 09:00 EST, 09:00 EDT


def test_sydney_dst_end() -> None:
    got = fires(weekly("mon", 9), SYD, utc(2026, 3, 28), utc(2026, 4, 7))
    assert got == [utc(2026, 3, 29, 22), utc(2026, 4, 5, 23)]  # 09:00 AEDT, 09:00 AEST


def test_kolkata_half_hour_offset_without_dst() -> None:
    got = fires(weekly("fri", 18), KOL, utc(2026, 3, 1), utc(2026, 3, 14))
    assert got == [utc(2026, 3, 6, 12, 30), utc(2026, 3, 13, 12, 30)]


def test_next_fire_time_accepts_any_zone_for_after() -> None:
    after = datetime(2026, 3, 23, 9, 59, tzinfo=KOL)  # 04:29 UTC
    got = next_fire_time(weekly("mon", 10), AMS, after, anchor=ANCHOR)
    assert got == utc(2026, 3, 23, 9)
    assert got.tzinfo is UTC


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_fire_time(weekly("mon", 10), AMS, datetime(2026, 3, 23), anchor=ANCHOR)
    with pytest.raises(ValueError, match="aware"):
        latest_fire_time(weekly("mon", 10), AMS, datetime(2026, 3, 23), anchor=ANCHOR)


# --- nonexistent and ambiguous local times -------------------------------------------------


def test_nonexistent_time_fires_once_at_end_of_gap() -> None:
    day = fires(weekly("sun", 2, 30), AMS, utc(2026, 3, 28, 12), utc(2026, 3, 29, 12))
    assert day == [utc(2026, 3, 29, 1)]  # 03:00 CEST, the first real instant after 02:00 CET
    weeks = fires(weekly("sun", 2, 30), AMS, utc(2026, 3, 20), utc(2026, 4, 6))
    assert weeks == [utc(2026, 3, 22, 1, 30), utc(2026, 3, 29, 1), utc(2026, 4, 5, 0, 30)]


def test_ambiguous_time_fires_once_at_first_occurrence() -> None:
    day = fires(weekly("sun", 2, 30), AMS, utc(2026, 10, 24, 12), utc(2026, 10, 25, 12))
    assert day == [utc(2026, 10, 25, 0, 30)]  # 02:30 CEST, not 02:30 CET an hour later


def test_inside_the_fold_the_first_occurrence_is_already_past() -> None:
    second_pass = datetime(2026, 10, 25, 2, 10, tzinfo=AMS, fold=1)  # 01:10 UTC
    got = next_fire_time(weekly("sun", 2, 30), AMS, second_pass, anchor=ANCHOR)
    assert got == utc(2026, 11, 1, 1, 30)
    assert latest_fire_time(weekly("sun", 2, 30), AMS, second_pass,
                            anchor=ANCHOR) == utc(2026, 10, 25, 0, 30)


def test_new_york_nonexistent_and_sydney_ambiguous() -> None:
    assert fires(weekly("sun", 2, 30), NYC, utc(2026, 3, 8), utc(2026, 3, 9)) == [
        utc(2026, 3, 8, 7)  # 03:00 EDT
    ]
    assert fires(weekly("sun", 2, 30), SYD, utc(2026, 4, 4), utc(2026, 4, 5)) == [
        utc(2026, 4, 4, 15, 30)  # 02:30 AEDT, the first of the two
    ]


def test_midnight_gap_does_not_skip_the_day() -> None:
    # Santiago springs forward at 00:00 → 01:00; APScheduler alone skips this Sunday.
    santiago = ZoneInfo("America/Santiago")
    got = fires(weekly("sun", 0, 30), santiago, utc(2026, 9, 1), utc(2026, 9, 14))
    assert got == [utc(2026, 9, 6, 4), utc(2026, 9, 13, 3, 30)]  # 01:00 -03, 00:30 -03


# --- monthly cadences --------------------------------------------------------------------


def test_first_monday() -> None:
    got = local_dates(fires(monthly("1st mon"), AMS, utc(2026, 1, 1), utc(2026, 5, 1)), AMS)
    assert got == [date(2026, 1, 5), date(2026, 2, 2), date(2026, 3, 2), date(2026, 4, 6)]


def test_last_friday() -> None:
    got = local_dates(fires(monthly("last fri"), AMS, utc(2026, 1, 1), utc(2026, 6, 1)), AMS)
    assert got == [date(2026, 1, 30), date(2026, 2, 27), date(2026, 3, 27), date(2026, 4, 24),
                   date(2026, 5, 29)]


def test_day_31_falls_back_to_the_last_day_of_short_months() -> None:
    got = fires(monthly("31"), AMS, utc(2026, 1, 1), utc(2026, 5, 1))
    assert got == [utc(2026, 1, 31, 8), utc(2026, 2, 28, 8), utc(2026, 3, 31, 7),
                   utc(2026, 4, 30, 7)]
    leap = local_dates(fires(monthly("31"), AMS, utc(2028, 2, 1), utc(2028, 3, 1)), AMS)
    assert leap == [date(2028, 2, 29)]


@pytest.mark.parametrize(("day", "year", "expected"), [
    ("30", 2026, date(2026, 2, 28)),
    ("30", 2028, date(2028, 2, 29)),
    ("29", 2026, date(2026, 2, 28)),
    ("29", 2028, date(2028, 2, 29)),
])
def test_late_days_in_february(day: str, year: int, expected: date) -> None:
    got = fires(monthly(day), AMS, utc(year, 2, 1), utc(year, 3, 1))
    assert local_dates(got, AMS) == [expected]


# --- every 2 weeks -----------------------------------------------------------------------


def test_two_weeks_alternates_relative_to_the_anchor_week() -> None:
    cadence = Cadence("2 weeks", "mon", 10, 0)
    window = (utc(2026, 3, 1), utc(2026, 4, 20))
    on = fires(cadence, AMS, *window, anchor=date(2026, 3, 4))  # a Wednesday
    assert local_dates(on, AMS) == [date(2026, 3, 2), date(2026, 3, 16), date(2026, 3, 30),
                                    date(2026, 4, 13)]
    off = fires(cadence, AMS, *window, anchor=date(2026, 3, 9))
    assert local_dates(off, AMS) == [date(2026, 3, 9), date(2026, 3, 23), date(2026, 4, 6)]
    # An anchor far in the future selects the same weeks as one in the past.
    assert fires(cadence, AMS, *window, anchor=date(2030, 3, 4)) == off


def test_two_weeks_spacing_is_fourteen_local_days_across_dst() -> None:
    got = fires(Cadence("2 weeks", "mon", 10, 0), AMS, utc(2026, 3, 1), utc(2026, 4, 1),
                anchor=date(2026, 3, 2))
    assert got == [utc(2026, 3, 2, 9), utc(2026, 3, 16, 9), utc(2026, 3, 30, 8)]
    assert got[2] - got[1] == timedelta(days=13, hours=23)  # 14 local days, one hour short


def test_latest_fire_time_looks_back_over_a_five_week_month() -> None:
    # 1st Monday: 2 March, then 6 April 2026; on 5 April the latest is 34 days back.
    got = latest_fire_time(monthly("1st mon"), AMS, utc(2026, 4, 5), anchor=ANCHOR)
    assert got == utc(2026, 3, 2, 8)


def test_latest_fire_time_is_inclusive() -> None:
    fire = utc(2026, 3, 30, 8)
    assert latest_fire_time(weekly("mon", 10), AMS, fire, anchor=ANCHOR) == fire
    earlier = fire - timedelta(microseconds=1)
    assert latest_fire_time(weekly("mon", 10), AMS, earlier, anchor=ANCHOR) == utc(2026, 3, 23, 9)


# --- properties --------------------------------------------------------------------------

ZONES = ("Europe/Amsterdam", "America/New_York", "America/Los_Angeles", "Australia/Sydney",
         "Asia/Kolkata", "Pacific/Auckland", "UTC", "America/Sao_Paulo", "America/Santiago",
         "Australia/Lord_Howe")

zones = st.sampled_from(ZONES).map(ZoneInfo)
# Bias towards the small hours and round minutes, where DST changes happen.
hours = st.one_of(st.integers(0, 23), st.sampled_from([0, 1, 2, 3]))
minutes = st.one_of(st.integers(0, 59), st.sampled_from([0, 30]))
instants = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31),
                        timezones=st.just(UTC))
anchors = st.dates(min_value=date(2020, 1, 1), max_value=date(2032, 12, 31))


@st.composite
def cadences(draw: st.DrawFn) -> Cadence:
    every = draw(st.sampled_from(EVERY))
    if every == "month":
        ordinal = st.builds("{} {}".format, st.sampled_from(ORDINALS), st.sampled_from(WEEKDAYS))
        day_of_month = st.one_of(st.integers(1, 31), st.integers(28, 31)).map(str)
        day = draw(st.one_of(ordinal, day_of_month))
    else:
        day = draw(st.sampled_from(WEEKDAYS))
    return Cadence(every, day, draw(hours), draw(minutes))


def intended_day_ok(cadence: Cadence, day: date, anchor: date) -> bool:
    """The cadence's calendar rule, checked independently of the implementation."""
    if cadence.every in ("week", "2 weeks"):
        if day.weekday() != WEEKDAYS.index(cadence.day):
            return False
        if cadence.every == "2 weeks":
            monday_gap = (day - timedelta(days=day.weekday())) - (
                anchor - timedelta(days=anchor.weekday()))
            return monday_gap.days % 14 == 0
        return True
    length = calendar.monthrange(day.year, day.month)[1]
    if cadence.day.isdigit():
        return day.day == min(int(cadence.day), length)
    ordinal, weekday = cadence.day.split()
    if day.weekday() != WEEKDAYS.index(weekday):
        return False
    if ordinal == "last":
        return day.day + 7 > length
    return (day.day - 1) // 7 == ORDINALS.index(ordinal)


def wall_time_ok(cadence: Cadence, tz: ZoneInfo, fire: datetime) -> bool:
    """HH:MM local, at its first occurrence; or, if HH:MM does not exist that day, the first
    real instant after the gap."""
    local = fire.astimezone(tz)
    wall = datetime.combine(local.date(), time(cadence.hour, cadence.minute))
    first = wall.replace(tzinfo=tz).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == wall:  # HH:MM exists that day
        return fire == first
    just_before = (fire - timedelta(seconds=1)).astimezone(tz)
    return (just_before.utcoffset() != local.utcoffset()
            and just_before.replace(tzinfo=None) < wall < local.replace(tzinfo=None))


def spacing_ok(cadence: Cadence, earlier: date, later: date) -> bool:
    if cadence.every == "week":
        return (later - earlier).days == 7
    if cadence.every == "2 weeks":
        return (later - earlier).days == 14
    return (later.year * 12 + later.month) - (earlier.year * 12 + earlier.month) == 1


@settings(max_examples=examples(200), deadline=None)
@given(cadence=cadences(), tz=zones, now=instants, anchor=anchors, in_zone=st.booleans())
def test_latest_and_next_bracket_now(cadence: Cadence, tz: ZoneInfo, now: datetime,
                                     anchor: date, in_zone: bool) -> None:
    if in_zone:  # exercise aware inputs in the ritual's own zone (including fold=1 times)
        now = now.astimezone(tz)
    latest = latest_fire_time(cadence, tz, now, anchor=anchor)
    following = next_fire_time(cadence, tz, latest, anchor=anchor)
    assert latest <= now < following
    # Nothing fires strictly between latest and now: the next fire after now is `following`.
    assert next_fire_time(cadence, tz, now, anchor=anchor) == following
    assert latest.tzinfo is UTC and following.tzinfo is UTC


@settings(max_examples=examples(200), deadline=None)
@given(cadence=cadences(), tz=zones, now=instants, anchor=anchors)
def test_next_is_strictly_later(cadence: Cadence, tz: ZoneInfo, now: datetime,
                                anchor: date) -> None:
    assert next_fire_time(cadence, tz, now, anchor=anchor) > now


@settings(max_examples=examples(120), deadline=None)
@given(cadence=cadences(), tz=zones, start=instants, anchor=anchors,
       split=st.floats(0, 1))
def test_a_year_of_fire_times(cadence: Cadence, tz: ZoneInfo, start: datetime, anchor: date,
                              split: float) -> None:
    end = start + timedelta(days=400)  # always spans both DST changes of some year
    got = fire_times_between(cadence, tz, start, end, anchor=anchor)
    assert got, "a cadence fires at least once in 400 days"
    assert start < got[0] and got[-1] <= end
    days = local_dates(got, tz)
    for fire, day in zip(got, days, strict=True):
        assert intended_day_ok(cadence, day, anchor), (fire, day)
        assert wall_time_ok(cadence, tz, fire), fire.astimezone(tz)
    # Consecutive fires are one period apart in local dates: none skipped, none doubled.
    for earlier, later in pairwise(days):
        assert spacing_ok(cadence, earlier, later), (earlier, later)
    # Agrees with repeated next_fire_time, and with itself when split at any instant.
    chained = [next_fire_time(cadence, tz, start, anchor=anchor)]
    while (fire := next_fire_time(cadence, tz, chained[-1], anchor=anchor)) <= end:
        chained.append(fire)
    assert chained == got
    middle = start + (end - start) * split
    assert (fire_times_between(cadence, tz, start, middle, anchor=anchor)
            + fire_times_between(cadence, tz, middle, end, anchor=anchor)) == got
    # latest_fire_time lands exactly on fires, and just before one it finds the previous.
    assert latest_fire_time(cadence, tz, got[-1], anchor=anchor) == got[-1]
    if len(got) > 1:
        before_last = got[-1] - timedelta(microseconds=1)
        assert latest_fire_time(cadence, tz, before_last, anchor=anchor) == got[-2]


# --- properties at the DST changes themselves --------------------------------------------

DST_ZONES = ("Europe/Amsterdam", "America/New_York", "America/Los_Angeles", "Australia/Sydney",
             "Pacific/Auckland", "America/Santiago", "Australia/Lord_Howe")


def offset(tz: ZoneInfo, timestamp: int) -> timedelta | None:
    return datetime.fromtimestamp(timestamp, tz).utcoffset()


@cache
def transitions(zone: str, year: int) -> tuple[datetime, ...]:
    """The UTC instants in `year` at which `zone`'s offset changes (test-side, by bisection)."""
    tz = ZoneInfo(zone)
    found = []
    start = int(utc(year, 1, 1).timestamp())
    for lo, hi in pairwise(range(start, start + 366 * 86400, 86400)):
        while hi - lo > 1 and offset(tz, lo) != offset(tz, hi):  # whole-second bisection
            middle = (lo + hi) // 2
            lo, hi = (middle, hi) if offset(tz, middle) == offset(tz, lo) else (lo, middle)
        if offset(tz, lo) != offset(tz, hi):
            found.append(datetime.fromtimestamp(hi, UTC))
    return tuple(found)


@st.composite
def dst_cases(draw: st.DrawFn) -> tuple[Cadence, ZoneInfo, date, datetime, datetime]:
    """A cadence whose local time falls in a spring-forward gap or a fall-back fold on the day
    of a real DST change, with its anchor, the change instant and the expected fire time."""
    zone = draw(st.sampled_from(DST_ZONES))
    change = draw(st.sampled_from(transitions(zone, draw(st.integers(2024, 2030)))))
    tz = ZoneInfo(zone)
    before = (change - timedelta(seconds=1)).astimezone(tz).utcoffset()
    after = change.astimezone(tz).utcoffset()
    assert before is not None and after is not None
    # The wall-clock window that is skipped (gap) or repeated (fold).
    first_wall = change.replace(tzinfo=None) + min(before, after)
    span_minutes = abs(after - before) // timedelta(minutes=1)
    wall = first_wall + timedelta(minutes=draw(st.integers(0, span_minutes - 1)))
    expected = change if after > before else (wall - before).replace(tzinfo=UTC)
    day = wall.date()
    length = calendar.monthrange(day.year, day.month)[1]
    ordinal = "last" if day.day + 7 > length else ORDINALS[(day.day - 1) // 7]
    every, day_spec = draw(st.sampled_from([
        ("week", WEEKDAYS[day.weekday()]),
        ("2 weeks", WEEKDAYS[day.weekday()]),
        ("month", str(day.day)),
        ("month", f"{ordinal} {WEEKDAYS[day.weekday()]}"),
    ]))
    # Any day of a week an even number of weeks from the change's week.
    anchor = (day - timedelta(days=day.weekday())
              + timedelta(weeks=2 * draw(st.integers(-60, 60)), days=draw(st.integers(0, 6))))
    return Cadence(every, day_spec, wall.hour, wall.minute), tz, anchor, change, expected


@settings(max_examples=examples(200), deadline=None)
@given(case=dst_cases())
def test_gap_and_fold_fire_exactly_once(
    case: tuple[Cadence, ZoneInfo, date, datetime, datetime],
) -> None:
    cadence, tz, anchor, change, expected = case
    window = (change - timedelta(days=3), change + timedelta(days=3))
    got = fire_times_between(cadence, tz, *window, anchor=anchor)
    assert got == [expected], [fire.astimezone(tz) for fire in got]
    assert wall_time_ok(cadence, tz, expected)
    assert latest_fire_time(cadence, tz, window[1], anchor=anchor) == expected
    assert next_fire_time(cadence, tz, expected, anchor=anchor) > window[1]
