"""Peer quads (`quads`): groups of four in private group DMs, each cycle in the team's time
zone, holding each other to their commitments. Its definition for the registry."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any, ClassVar

from sqlalchemy import Select
from sqlalchemy.orm import Session

from bot.domain.enums import CommitmentDecision
from bot.messages.render import Message, Template, render_message, slack_escape
from bot.rituals.base import (
    Nudges,
    PlanReport,
    ReplyLines,
    RitualDefinition,
    SetupPart,
    setup_int,
)
from bot.rituals.common.commitment_rules import (
    CommitmentError,
    CommitmentPolicy,
    is_commitment_line,
)
from bot.rituals.common.commitments import sync_commitment_from_reply
from bot.rituals.common.home import (
    team_session_line,
    team_session_runs,
    team_zone_configuration_line,
)
from bot.rituals.common.measures import Measure, measure
from bot.rituals.kinds import RitualKind
from bot.rituals.quads.config import PROMPTS, QuadsSpec
from bot.rituals.quads.flows import MIN_GROUP, plan_quad_cycles, quad_members, render_quad_cycle
from bot.storage.models import Occurrence, Person, Ritual, Team, TeamRole
from bot.storage.quads import quad_groups_of, quad_period
from bot.storage.teams import active_people

COMMITMENTS = CommitmentPolicy(
    decisions=frozenset({CommitmentDecision.KEPT, CommitmentDecision.PARTLY,
                         CommitmentDecision.MISSED}),
    owned_by_member=True, per_occurrence_limit=2, where="your quad")


def _members(occurrence: Occurrence) -> list[str]:
    return [str(u) for u in occurrence.details.get("members", [])]


def _nudge(occurrence: Occurrence, zone: str) -> Message:
    cycle = occurrence.details.get("cycle", "")
    return render_message(
        Template.NUDGE, what="your quad's cycle",
        where=f"It's in your quad's group DM, in the thread *Quad · cycle {cycle}*.")


def _read_extra(read: Callable[[str], Any], current: Any) -> dict[str, Any]:
    extra: dict[str, Any] = {"regroup_every": setup_int(read("quads_regroup"), 4)}
    if current is not None:  # not in the modal: kept as configured
        extra["managers_with_reports"] = current.managers_with_reports
    return extra


class Quads(RitualDefinition):
    kind = RitualKind.QUADS
    title = "Quads"
    help_phrase = "peer quads"
    config_spec = QuadsSpec
    config_descriptions: ClassVar[dict[str, str]] = {
        "rituals.quads": "Peer accountability groups of four (three or five where needed), "
        "each in a private group DM.",
        "quads.regroup_every": "How many cycles a grouping lasts before new groups are "
        "drawn.",
        "quads.managers_with_reports": "`true` lets managers share a quad with their own "
        "reports.",
        "quads.prompts": "The team's own questions for each cycle: a list of 1–5. Left "
        "out: tend's defaults (docs/prompts.md)."}
    setup = SetupPart(
        title="Peer quads",
        help="Groups of four (three or five where needed), in private group DMs.",
        defaults={"every": "week", "day": "thu", "time": "15:00", "regroup_every": 4},
        extra_blocks="setup_quads.json.j2", read_extra=_read_extra,
        error_blocks={"regroup_every": "quads_regroup"})
    prompts = PROMPTS
    commitments = COMMITMENTS
    reply_lines = ReplyLines(is_commitment_line,
                             partial(sync_commitment_from_reply, policy=COMMITMENTS),
                             (CommitmentError,))
    nudges = Nudges(asks_subject_only=False, asked=_members,
                    zone=lambda ritual, member_zone: ritual.team.timezone,
                    render=_nudge)

    digest_labels: ClassVar[dict[str, str]] = {
        "quad_cycles_held": "quad cycles sent",
        "quad_commitments_kept": "quad commitments done",
    }

    def plan(self, session: Session, *, now: datetime, catchup: timedelta,
             ritual_ids: Collection[int]) -> PlanReport:
        return PlanReport(planned=plan_quad_cycles(session, now=now, catchup=catchup,
                    ritual_ids=ritual_ids))

    def export_user(self, session: Session, rituals: Select[int], user_id: str
                    ) -> dict[str, Any]:
        return {"quads": [
            {"draw": q.draw, "with": [u for u in q.members["ids"] if u != user_id],
             "active": q.active, "since": q.created_at.isoformat()}
            for q in quad_groups_of(session, rituals, user_id)]}

    def participants(self, session: Session, occurrence: Occurrence) -> set[str]:
        return quad_members(session, occurrence)

    def render_occurrence(self, session: Session, occurrence: Occurrence, *,
                          today: date) -> Message | None:
        return render_quad_cycle(session, occurrence, today=today)

    def member_line(self, team: Team, role: TeamRole, ritual: Ritual, person: Person | None,
                    now: datetime) -> tuple[datetime, str] | None:
        if len(active_people(team, "member")) < MIN_GROUP:  # no quads are formed
            return None
        return team_session_line(team, ritual, now, f"*Quad cycle* · {slack_escape(team.name)}")

    def configuration_line(self, team: Team, ritual: Ritual, now: datetime) -> str:
        return team_zone_configuration_line(team, ritual, now, self.title)

    def health(self, session: Session, team: Team, ritual: Ritual, now: datetime
               ) -> list[tuple[str, str]]:
        return team_session_runs(session, team, ritual, now, label_format="{day} {month}")

    def digest_measures(self, session: Session, ritual: Ritual, start: datetime,
                        end: datetime) -> list[Measure]:
        period = quad_period(session, ritual_id=ritual.id, start=start, end=end)
        return [measure("quad_cycles_held", self.digest_labels, period.people,
                        count=period.cycles_held),
                measure("quad_commitments_kept", self.digest_labels, set(period.kept_owners),
                        count=len(period.kept_owners))]
