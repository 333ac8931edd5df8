"""Cadences: how often a ritual runs, parsed from the configuration's `cadence` mapping.

`every` is `week`, `2 weeks` or `month`. For weekly cadences `day` is a weekday
(`mon` … `sun`); for monthly ones it is `1st mon` … `4th fri`, `last fri`, or a day of
the month (`1` … `31`). `time` is `HH:MM` in local time.

Fire-time computation (DST-correct, via APScheduler's triggers) lives in
`bot.rituals.common.schedule`; this module only knows what a valid cadence is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EVERY = ("week", "2 weeks", "month")
ORDINALS = ("1st", "2nd", "3rd", "4th", "last")

_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


class CadenceError(ValueError):
    """A cadence that cannot be scheduled; the message says what to write instead."""


@dataclass(frozen=True)
class Cadence:
    every: str  # one of EVERY
    day: str  # weekday, "<ordinal> <weekday>", or a day of the month as digits
    hour: int
    minute: int

    @property
    def time(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d}"

    @classmethod
    def parse(cls, every: object, day: object, time: object) -> Cadence:
        every_s = str(every).strip().lower() if every is not None else ""
        if every_s not in EVERY:
            raise CadenceError(
                f"every must be one of {', '.join(repr(e) for e in EVERY)}, not {every!r}"
            )
        day_s = _parse_day(every_s, day)
        hour, minute = _parse_time(time)
        return cls(every=every_s, day=day_s, hour=hour, minute=minute)

    def as_dict(self) -> dict[str, str | int]:
        """The canonical configuration form (a day of the month is written as a number)."""
        day: str | int = int(self.day) if self.day.isdigit() else self.day
        return {"every": self.every, "day": day, "time": self.time}

    def describe(self) -> str:
        """Plain English, for messages and the App Home: 'every week on Monday at 10:00'."""
        names = dict(zip(WEEKDAYS, ("Monday", "Tuesday", "Wednesday", "Thursday",
                                    "Friday", "Saturday", "Sunday"), strict=True))
        if self.every in ("week", "2 weeks"):
            return f"every {self.every} on {names[self.day]} at {self.time}"
        if self.day.isdigit():
            return f"every month on day {int(self.day)} at {self.time}"
        ordinal, weekday = self.day.split()
        return f"every month on the {ordinal} {names[weekday]} at {self.time}"


def _parse_day(every: str, day: object) -> str:
    if day is None or str(day).strip() == "":
        raise CadenceError("day is missing")
    text = str(day).strip().lower()
    if every in ("week", "2 weeks"):
        if text not in WEEKDAYS:
            raise CadenceError(
                f"day for a weekly cadence must be a weekday (mon … sun), not {day!r}"
            )
        return text
    if isinstance(day, bool):
        raise CadenceError(f"day {day!r} is not a day of the month")
    if text.isdigit():
        number = int(text)
        if not 1 <= number <= 31:
            raise CadenceError(f"day of the month must be 1 … 31, not {number}")
        return str(number)
    parts = text.split()
    if len(parts) == 2 and parts[0] in ORDINALS and parts[1] in WEEKDAYS:
        return f"{parts[0]} {parts[1]}"
    raise CadenceError(
        f"day for a monthly cadence must be like '1st mon', 'last fri' or a day of the "
        f"month 1 … 31, not {day!r}"
    )


def _parse_time(time: object) -> tuple[int, int]:
    if isinstance(time, int) and not isinstance(time, bool):
        # YAML 1.1 reads an unquoted 10:00 as the sexagesimal integer 600.
        hour, minute = divmod(time, 60)
    else:
        match = _TIME.match(str(time).strip()) if time is not None else None
        if not match:
            raise CadenceError(f'time must be "HH:MM" (24-hour), not {time!r}')
        hour, minute = int(match.group(1)), int(match.group(2))
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise CadenceError(f'time must be a real time of day "HH:MM", not {time!r}')
    return hour, minute
