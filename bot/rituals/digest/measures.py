"""Gathering a team's period for the digest's policy: each ritual counts its own figures.

The rituals are passed in (the registry lists them; the digest, one of them, cannot
import it). Figures come in the rituals' order; the commitments of every ritual with a
commitment policy are counted together, right after the first such ritual's own figures.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain.share_lines import shared_words
from bot.rituals.base import RitualDefinition
from bot.rituals.common.measures import Measure, commitment_measures
from bot.rituals.digest.policy import PeriodInput, SharedItem
from bot.storage.commitments import commitment_owners_in_period
from bot.storage.digest_data import shared_replies, team_rituals_by_kind
from bot.storage.models import Team


def period_input(session: Session, team: Team, rituals: Iterable[RitualDefinition], *,
                 period: str, start: datetime, end: datetime) -> PeriodInput:
    """Everything the team did in [start, end), as team totals with their contributors."""
    stored = team_rituals_by_kind(session, team_id=team.id)
    counted = [(definition, stored[definition.kind]) for definition in rituals
               if definition.kind in stored]
    keeping = [row.id for definition, row in counted if definition.commitments is not None]
    measures: list[Measure] = []
    for definition, row in counted:
        measures += definition.digest_measures(session, row, start, end)
        if keeping and row.id == keeping[0]:
            measures += commitment_measures(commitment_owners_in_period(
                session, ritual_ids=keeping, start=start, end=end))
    shared = shared_replies(session, team_id=team.id, start=start, end=end)
    # What a people-figure is a share of: the team's members now (never a sub-group, P4).
    members = {r.user_id for r in team.roles if r.active and r.role == "member"}
    return PeriodInput(period=period, measures=tuple(measures), team_size=len(members),
                       shared=tuple(SharedItem(
                           kind=s.kind, text=shared_words(text) if s.by_keyword else text,
                           author_id=s.author_id, named=s.named) for s, text in shared))
