"""Commitments: a result and a date, parsed from a `commit:` line or validated from the modal.

The thread syntax, documented for users:

    commit: <what will be done> by <when>

where <when> is a date (2026-12-04, 4 Dec, Dec 4), a weekday (fri, friday: the next
one, today included), `today`, `tomorrow`, `next week`, or `in N days` / `in N weeks`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.domain.enums import CommitmentDecision

MIN_LENGTH = 3
MAX_LENGTH = 500
FORMAT_HELP = (
    "Write it as `commit: <what> by <date>`, e.g. `commit: ship the onboarding guide by fri`."
)

_PREFIX = re.compile(r"^\s*commit(?:ment)?\s*:\s*", re.IGNORECASE)
_BY = re.compile(r"\s+by\s+", re.IGNORECASE)
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_IN_N = re.compile(r"^in\s+(\d{1,3})\s+(day|days|week|weeks)$")
_DAY_MONTH = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]{3,9})\.?$")
_MONTH_DAY = re.compile(r"^([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?$")


class CommitmentError(ValueError):
    """Why a commitment cannot be recorded, in words for its author."""


@dataclass(frozen=True)
class CommitmentDraft:
    what: str
    due_date: date


def is_commitment_line(text: str) -> bool:
    return bool(_PREFIX.match(text))


def parse_commitment_line(text: str, *, today: date) -> CommitmentDraft:
    """Parse `commit: <what> by <when>`; `today` is in the author's own time zone."""
    body = _PREFIX.sub("", text, count=1).strip()
    parts = _BY.split(body)
    if len(parts) < 2:
        raise CommitmentError(f"A commitment needs a date. {FORMAT_HELP}")
    what, when = " by ".join(parts[:-1]).strip(), parts[-1].strip().rstrip(".!")
    due = parse_when(when, today=today)
    return validate_commitment(what, due, today=today)


def validate_commitment(what: str, due_date: date | None, *, today: date) -> CommitmentDraft:
    what = " ".join(what.split())
    if len(what) < MIN_LENGTH:
        raise CommitmentError(f"Say what will be done, in at least {MIN_LENGTH} characters.")
    if len(what) > MAX_LENGTH:
        raise CommitmentError(
            f"Keep it to {MAX_LENGTH} characters (this one has {len(what)}): a result, not a plan."
        )
    if due_date is None:
        raise CommitmentError("Pick a date.")
    if due_date < today:
        raise CommitmentError(f"{due_date:%a %d %b %Y} has passed: pick today or a later date.")
    if due_date > today + timedelta(days=366):
        raise CommitmentError("Pick a date within the next year: short cycles keep it honest.")
    return CommitmentDraft(what=what, due_date=due_date)


def parse_when(when: str, *, today: date) -> date:
    text = " ".join(when.lower().split())
    simple = {"today": 0, "tomorrow": 1, "next week": 7}
    if text in simple:
        return today + timedelta(days=simple[text])
    if text[:3] in _WEEKDAYS and _is_weekday_word(text):
        ahead = (_WEEKDAYS.index(text[:3]) - today.weekday()) % 7
        return today + timedelta(days=ahead)
    if match := _IN_N.match(text):
        count, unit = int(match.group(1)), match.group(2)
        return today + timedelta(days=count * (7 if unit.startswith("week") else 1))
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    if parsed := _day_and_month(text, today=today):
        return parsed
    raise CommitmentError(f"I could not read {when!r} as a date. {FORMAT_HELP}")


def _is_weekday_word(text: str) -> bool:
    full = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    return text in _WEEKDAYS or text in full or text in {"tues", "thur", "thurs"}


def _day_and_month(text: str, *, today: date) -> date | None:
    """`4 dec` or `dec 4`: the next such date, today included."""
    if match := _DAY_MONTH.match(text):
        day, month_word = int(match.group(1)), match.group(2)
    elif match := _MONTH_DAY.match(text):
        month_word, day = match.group(1), int(match.group(2))
    else:
        return None
    if month_word[:3] not in _MONTHS:
        return None
    month = _MONTHS.index(month_word[:3]) + 1
    for year in (today.year, today.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            return None
        if candidate >= today:
            return candidate
    return None


@dataclass(frozen=True)
class CommitmentPolicy:
    """How a ritual's `commit:` lines and commitment buttons behave."""

    decisions: frozenset[CommitmentDecision]  # the buttons that may close one
    owned_by_member: bool  # True: the writer's own (quads); False: the pair's (check-in)
    per_occurrence_limit: int | None  # at most this many per person per occurrence
    where: str  # how a member's Home names the conversation, "your check-in"
