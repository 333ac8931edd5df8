"""Monthly goals: what, how we will know, by when. Parsing and validation, pure.

The thread syntax, documented for users:

    goal: <what> | <how we will know> | by <when>

with the same <when> forms as commitments (2026-12-18, 18 Dec, fri, next week, …).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.rituals.common.commitment_rules import CommitmentError, parse_when

MAX_GOALS_PER_MONTH = 3
MIN_LENGTH = 3
MAX_LENGTH = 300
FORMAT_HELP = ("Write it as `goal: <what> | <how we will know> | by <date>`, e.g. "
               "`goal: onboarding takes one day | two new joiners say so | by 18 dec`.")

_PREFIX = re.compile(r"^\s*goal\s*:\s*", re.IGNORECASE)
_BY = re.compile(r"^by\s+", re.IGNORECASE)


class GoalError(ValueError):
    """Why a goal cannot be recorded, in words for its author; `field` names the part."""

    def __init__(self, message: str, field: str = "what") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class GoalDraft:
    what: str
    measure: str
    due_date: date


def is_goal_line(text: str) -> bool:
    return bool(_PREFIX.match(text))


def parse_goal_line(text: str, *, today: date) -> GoalDraft:
    parts = [p.strip() for p in _PREFIX.sub("", text, count=1).split("|")]
    if len(parts) != 3:
        raise GoalError(f"A goal has three parts separated by `|`. {FORMAT_HELP}")
    what, measure, when = parts
    try:
        due = parse_when(_BY.sub("", when).rstrip(".!"), today=today)
    except CommitmentError:
        raise GoalError(f"I could not read {when!r} as a date. {FORMAT_HELP}", "due") from None
    return validate_goal(what, measure, due, today=today)


def validate_goal(what: str, measure: str, due_date: date | None, *, today: date) -> GoalDraft:
    what, measure = " ".join(what.split()), " ".join(measure.split())
    for value, field, label in ((what, "what", "what"), (measure, "measure",
                                                         "how we will know")):
        if len(value) < MIN_LENGTH:
            raise GoalError(f"Say {label}, in at least {MIN_LENGTH} characters.", field)
        if len(value) > MAX_LENGTH:
            raise GoalError(f"Keep {label} to {MAX_LENGTH} characters (this has "
                            f"{len(value)}).", field)
    if due_date is None:
        raise GoalError("Pick a date.", "due")
    if due_date <= today:
        raise GoalError("Pick a date in the future: a goal is something still to reach.",
                        "due")
    if due_date > today + timedelta(days=366):
        raise GoalError("Pick a date within the next year.", "due")
    return GoalDraft(what=what, measure=measure, due_date=due_date)


def same_day_next_month(day: date) -> date:
    """The same day of the following month, clamped to its last day (31 Jan -> 28/29 Feb)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def suggested_carry_date(due_date: date, *, today: date) -> date:
    """What the carry-over datepicker starts on: a month after the goal's date, or, when
    that is not in the future any more (a review answered late), a month from today."""
    suggested = same_day_next_month(due_date)
    return suggested if suggested > today else same_day_next_month(today)
