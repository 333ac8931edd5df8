"""The rituals tend runs, in the order the Home, `/tend help` and the setup modal show them.

Adding a ritual is one line here (and its package, its storage and its migration): see
docs/adding-a-ritual.md. Everything outside the rituals' own packages reaches a ritual
through these functions, never by naming its kind.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.rituals.base import RitualDefinition
from bot.rituals.common.commitment_rules import CommitmentPolicy
from bot.rituals.digest.ritual import TeamDigest
from bot.rituals.monthly_goals.ritual import MonthlyGoals
from bot.rituals.quads.ritual import Quads
from bot.rituals.retro.ritual import Retro
from bot.rituals.weekly_feedback.ritual import WeeklyFeedback
from bot.storage.models import Occurrence, Team
from bot.storage.occurrences import ritual_of


def all_rituals() -> tuple[RitualDefinition, ...]:
    return RITUALS


RITUALS: tuple[RitualDefinition, ...] = (
    WeeklyFeedback(),
    MonthlyGoals(),
    Quads(),
    Retro(),
    TeamDigest(counted=all_rituals),
)
_BY_KIND: dict[str, RitualDefinition] = {r.kind: r for r in RITUALS}


def kinds() -> tuple[str, ...]:
    return tuple(r.kind for r in RITUALS)


def find(kind: str) -> RitualDefinition | None:
    """The ritual of this kind; None for a kind no longer (or not yet) known."""
    return _BY_KIND.get(kind)


def definition(kind: str) -> RitualDefinition:
    found = _BY_KIND.get(kind)
    if found is None:
        raise KeyError(f"no ritual of kind {kind!r}")
    return found


def order(kind: str) -> int:
    """Where a ritual of this kind is listed (unknown kinds last)."""
    return next((i for i, r in enumerate(RITUALS) if r.kind == kind), len(RITUALS))


def of_occurrence(session: Session, occurrence: Occurrence) -> RitualDefinition:
    return definition(ritual_of(session, occurrence).kind)


def participants(session: Session, occurrence: Occurrence) -> set[str]:
    """Who takes part in this occurrence's conversation (and so may see and answer it)."""
    return of_occurrence(session, occurrence).participants(session, occurrence)


def conversations_of(teams: list[Team]) -> list[list[str]]:
    """The conversations the teams' enabled rituals will post to, known ahead."""
    return [users for team in teams for ritual in team.rituals if ritual.enabled
            and (found := find(ritual.kind)) is not None
            for users in found.conversations(team, ritual)]


def commitment_policy(kind: str) -> CommitmentPolicy | None:
    found = find(kind)
    return found.commitments if found else None
