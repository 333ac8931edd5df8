"""The team digest (`digest`, a team key beside `rituals:`): team-level figures for the
managers, never about one person. Its definition for the registry."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar

from sqlalchemy.orm import Session

from bot.rituals.base import PlanReport, RitualDefinition, SetupPart, setup_int
from bot.rituals.common.home import team_zone_configuration_line
from bot.rituals.digest import home
from bot.rituals.digest.config import DigestSpec
from bot.rituals.digest.flows import plan_digests
from bot.rituals.kinds import RitualKind
from bot.storage.models import Ritual, Team


def _read_extra(read: Callable[[str], Any], current: Any) -> dict[str, Any]:
    # Neither chosen: the team channel (`to` left out).
    return {"to": read("digest_to_channel") or read("digest_to_user") or None,
            "min_group": setup_int(read("digest_min_group"), 3)}


def _context(values: dict[str, Any], team: dict[str, Any]) -> None:
    """The modal has a person and a channel menu for the one `to` (both empty: the team
    channel)."""
    to = str(values.get("to") or "")
    values["to_user"] = to if to.startswith(("U", "W")) else ""
    values["to_channel"] = to if to.startswith(("C", "G")) else ""


class TeamDigest(RitualDefinition):
    kind = RitualKind.DIGEST
    title = "Digest"
    help_phrase = "team digests with no per-person figures"
    team_level_key = True
    config_spec = DigestSpec
    config_descriptions: ClassVar[dict[str, str]] = {
        "team.digest": "The team digest: team-level figures only, never about one person.",
        "digest.to": "Where the digest goes: left out, the team channel (the team sees its "
        "own digest); or a user id (sent as a DM) or another channel id.",
        "digest.min_group": "A figure appears only when at least this many people "
        "contributed to it; 3 or more (refused below 3)."}
    setup = SetupPart(
        title="Team digest", help="Team-level figures only, never about one person.",
        defaults={"every": "month", "day": "last fri", "time": "16:00", "min_group": 3},
        extra_blocks="setup_digest.json.j2", read_extra=_read_extra,
        error_blocks={"to": "digest_to_user", "min_group": "digest_min_group"},
        context=_context)

    def __init__(self, counted: Callable[[], Sequence[RitualDefinition]]) -> None:
        # The rituals whose figures the digest shows: the registry's, passed in because
        # the registry lists the digest itself.
        self.counted = counted

    def plan(self, session: Session, *, now: datetime, catchup: timedelta,
             ritual_ids: Collection[int]) -> PlanReport:
        return PlanReport(planned=plan_digests(session, self.counted(), now=now,
                                               catchup=catchup, ritual_ids=ritual_ids))

    def configuration_line(self, team: Team, ritual: Ritual, now: datetime) -> str:
        return team_zone_configuration_line(team, ritual, now, self.title)

    def health(self, session: Session, team: Team, ritual: Ritual, now: datetime
               ) -> list[tuple[str, str]]:
        return home.digest_runs(session, team, ritual, now)
