"""A proposal's rules, pure: who wins a vote, what may be shown of it, and how a change
in the teams file's shape is laid over a team's configuration (docs/proposals.md)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

OPEN_FOR = timedelta(days=7)  # or until every person of the team has voted
MIN_GROUP_FLOOR = 3  # P2: no count is shown for fewer distinct voters than this
YES_NO = ("yes", "no")
KEEP_CHANGE_DROP = ("keep", "change", "drop")


@dataclass(frozen=True)
class Outcome:
    """A closed vote: whether the change is adopted (for a trial's end: `decision`),
    and the team counts, or None when fewer than min_group voted (P2)."""

    adopted: bool
    decision: str  # "yes" / "no", or "keep" / "drop" at a trial's end
    counts: dict[str, int] | None
    most: str | None  # the choice most voted for, when counts are shown


def decide(choices: Iterable[str], *, people: int, offered: Iterable[str],
           min_group: int) -> Outcome:
    """Yes wins with more than half of the team's people (not of the voters); at a
    trial's end, *drop* does, and otherwise the ritual is kept."""
    votes, offered = list(choices), tuple(offered)
    counts = {c: votes.count(c) for c in offered}
    shown = counts if len(votes) >= max(min_group, MIN_GROUP_FLOOR) else None
    most = max(offered, key=lambda c: counts[c]) if shown and votes else None
    if offered == KEEP_CHANGE_DROP:
        dropped = 2 * counts["drop"] > people
        return Outcome(True, "drop" if dropped else "keep", shown, most)
    adopted = 2 * counts.get("yes", 0) > people
    return Outcome(adopted, "yes" if adopted else "no", shown, most)


def vote_words(outcome: Outcome) -> str:
    """How the changelog says a vote decided: "by team vote 6–1", never who."""
    if outcome.counts is None:
        return "by team vote"
    if tuple(outcome.counts) == YES_NO:
        return f"by team vote {outcome.counts['yes']}–{outcome.counts['no']}"
    return "by team vote (" + ", ".join(f"{c} {n}" for c, n in outcome.counts.items()) + ")"


def overlay(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """`base` with `patch` laid over it, mapping by mapping; None removes a key."""
    merged = dict(base)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = overlay(merged[key], value)
        else:
            merged[key] = value
    return merged
