"""A team-wide ritual (goal sharing, quad cycles, the digest) as storage reads it for
the planners in bot/rituals/common/sessions.py, and the subject its occurrences carry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.cadence import Cadence

TEAM_SUBJECT = ""  # the occurrence subject of a team-wide session


@dataclass(frozen=True)
class TeamRitual:
    ritual_id: int
    team_id: int
    kind: str
    timezone: str
    cadence: Cadence
    anchor: date
    since: datetime
    skip_dates: frozenset[date] = frozenset()
