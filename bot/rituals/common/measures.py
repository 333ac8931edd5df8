"""A digest figure as a ritual counts it (pure: no storage, no Slack).

Each ritual counts its own figures (`RitualDefinition.digest_measures`); the digest
decides which of them may be shown (`bot.rituals.digest.policy`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Measure:
    """A team total and the distinct people behind it (never shown, never returned).

    `of_people`: the figure counts people (how many of the team did something), so it is
    shown as a share of the team in words, never as a number that could exceed the
    team (docs/privacy.md, "People-figures")."""

    key: str
    label: str
    value: int
    contributors: frozenset[str]
    of_people: bool = False


def measure(key: str, labels: dict[str, str], people: Iterable[str],
            count: int | None = None) -> Measure:
    """The figure `key`: `count` things by these people, or (`count` None) the people
    themselves: a people-figure."""
    people = set(people)
    return Measure(key=key, label=labels[key], value=len(people) if count is None else count,
                   contributors=frozenset(people), of_people=count is None)


# The commitments every ritual with a commitment policy keeps, counted together.
COMMITMENT_LABELS = {
    "commitments_made": "commitments made",
    "commitments_kept": "commitments done",
    "commitments_carried": "commitments carried over to a next conversation",
    "commitments_dropped": "commitments dropped",
}


def commitment_measures(owners: dict[str, list[str]]) -> list[Measure]:
    """The four commitment figures from the owners of the commitments in each group
    ("made", "kept", "carried", "dropped"; one owner per commitment)."""
    return [measure(f"commitments_{group}", COMMITMENT_LABELS, set(owners[group]),
                    count=len(owners[group]))
            for group in ("made", "kept", "carried", "dropped")]
