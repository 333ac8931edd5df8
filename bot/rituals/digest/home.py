"""The digest on the App Home: the coach's recent runs, and the managers' threshold."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.rituals.common.home import HEALTH_RUNS, RunOutcome
from bot.rituals.common.schedule import fire_times_between
from bot.rituals.digest.period import period_name
from bot.rituals.digest.policy import MIN_GROUP_FLOOR
from bot.rituals.kinds import RitualKind
from bot.storage.digests import posted_periods
from bot.storage.models import Ritual, Team
from bot.storage.teams import ritual_cadence, skip_dates

# A digest fire time this recent with no digest yet is still being built, not missed.
DIGEST_GRACE = timedelta(hours=3)


def digest_runs(session: Session, team: Team, ritual: Ritual, now: datetime
                ) -> list[tuple[str, str]]:
    """Each recent fire time of the digest, and whether that period's digest exists."""
    cadence, zone = ritual_cadence(ritual), ZoneInfo(team.timezone)
    span = timedelta(days=36) if cadence.every == "month" else timedelta(weeks=2)
    start = max(ritual.since, now - span * (HEALTH_RUNS + 1))
    fires = fire_times_between(cadence, zone, start, now,
                               anchor=ritual.anchor_date)[-HEALTH_RUNS:]
    posted = posted_periods(session, team.id)
    runs: list[tuple[str, str]] = []
    for fire in fires:
        local = fire.astimezone(zone)
        label = f"{local:%b}" if cadence.every == "month" else f"{local.day} {local:%b}"
        if period_name(cadence, zone, fire) in posted:
            runs.append((label, RunOutcome.SENT))
        elif local.date() in skip_dates(ritual):
            runs.append((label, RunOutcome.SKIPPED))
        else:
            runs.append((label, RunOutcome.PENDING if now - fire < DIGEST_GRACE
                         else RunOutcome.NOT_SENT))
    return runs


def smallest_min_group(teams: list[Team]) -> int:
    """The lowest `min_group` among these teams: "at least N people" is true of each."""
    found = [int(r.options.get("min_group", MIN_GROUP_FLOOR))
             for team in teams for r in team.rituals if r.kind == RitualKind.DIGEST]
    return max(MIN_GROUP_FLOOR, min(found, default=MIN_GROUP_FLOOR))
