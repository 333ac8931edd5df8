"""When a reminder for an unanswered prompt may go out. Pure: no I/O, no wall clock.

A person who has not answered a prompt gets one private reminder once `delay` has
passed since the prompt reached them, but only in their waking hours (09:00–18:00,
Monday to Friday, in their own time zone) and never once the prompt's next occurrence
has arrived: a reminder for a conversation that has moved on is dropped, not sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WAKING_START = time(9, 0)
WAKING_END = time(18, 0)
WAKING_DAYS = frozenset(range(5))  # Monday … Friday


@dataclass(frozen=True)
class Waiting:
    """One person who has not answered one prompt."""

    occurrence_id: int
    user_id: str
    timezone: str  # the person's own zone
    prompted_at: datetime  # when the prompt reached them
    next_prompt_at: datetime  # when the prompt's next occurrence arrives


def is_waking(moment: datetime, tz: ZoneInfo) -> bool:
    local = moment.astimezone(tz)
    return local.weekday() in WAKING_DAYS and WAKING_START <= local.time() < WAKING_END


def next_waking_moment(moment: datetime, tz: ZoneInfo) -> datetime:
    """`moment` itself if it is in waking hours, else the next 09:00 on a weekday (UTC)."""
    if is_waking(moment, tz):
        return moment.astimezone(UTC)
    local = moment.astimezone(tz)
    day = local.date() if local.time() < WAKING_START else local.date() + timedelta(days=1)
    while day.weekday() not in WAKING_DAYS:
        day += timedelta(days=1)
    return _local_instant(day, WAKING_START, tz)


def nudge_at(waiting: Waiting, *, delay: timedelta) -> datetime:
    """The earliest moment this person may be reminded."""
    return next_waking_moment(waiting.prompted_at + delay, ZoneInfo(waiting.timezone))


def nudge_due(waiting: Waiting, *, now: datetime, delay: timedelta) -> bool:
    """Due now: the delay is over, it is waking time for them, and the prompt is current.

    `now` itself must be waking time (not only the computed moment), so a tick that
    comes late, after 18:00, waits for the next morning instead of nudging at night.
    """
    return (nudge_at(waiting, delay=delay) <= now < waiting.next_prompt_at
            and is_waking(now, ZoneInfo(waiting.timezone)))


def _local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """A local wall time as a UTC instant. Were 09:00 ever skipped by a DST change, this
    lands an hour later, still in waking hours."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)
