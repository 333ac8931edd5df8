"""The weekly check-in (`weekly_feedback`): each member and their line manager, in a
group DM, at the member's own local time. Its definition for the registry."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta
from functools import partial
from typing import ClassVar

from sqlalchemy.orm import Session

from bot.domain.enums import CommitmentDecision
from bot.messages.render import Message, Template, render_message
from bot.rituals.base import (
    Nudges,
    PlanReport,
    ReplyLines,
    RitualDefinition,
    SetupPart,
)
from bot.rituals.common.commitment_rules import (
    CommitmentError,
    CommitmentPolicy,
    is_commitment_line,
)
from bot.rituals.common.commitments import sync_commitment_from_reply
from bot.rituals.common.measures import Measure, measure
from bot.rituals.kinds import RitualKind
from bot.rituals.weekly_feedback import home
from bot.rituals.weekly_feedback.config import PROMPTS, WeeklyFeedbackSpec
from bot.rituals.weekly_feedback.flows import plan_checkins
from bot.rituals.weekly_feedback.messages import render_checkin
from bot.rituals.weekly_feedback.planning import week_label
from bot.storage.models import Occurrence, Person, Ritual, Team, TeamRole
from bot.storage.teams import line_manager
from bot.storage.weekly_feedback import held_checkins

COMMITMENTS = CommitmentPolicy(
    decisions=frozenset({CommitmentDecision.DONE, CommitmentDecision.NOT_YET,
                         CommitmentDecision.DROP}),
    owned_by_member=False, per_occurrence_limit=None, where="your check-in")


def _nudge(occurrence: Occurrence, zone: str) -> Message:
    manager = occurrence.counterpart_id or ""
    return render_message(
        Template.NUDGE, what=f"your weekly check-in with <@{manager}>",
        where=f"It's in your group DM with <@{manager}> "
              f"({week_label(occurrence.scheduled_at, zone)}).")


class WeeklyFeedback(RitualDefinition):
    kind = RitualKind.WEEKLY_FEEDBACK
    title = "Weekly check-ins"
    help_phrase = "weekly check-ins"
    config_spec = WeeklyFeedbackSpec
    in_member_zone = True
    config_descriptions: ClassVar[dict[str, str]] = {
        "rituals.weekly_feedback": "The weekly two-way check-in of each member and their "
        "line manager, in a private group DM, at the member's local time.",
        "weekly_feedback.prompts": "The team's own questions: a mapping with `member`, "
        "`manager` and `upward` (1–5 prompts each) and `rotating` (0–12, one added to each "
        "check-in in turn). A role left out keeps tend's defaults (docs/prompts.md)."}
    setup = SetupPart(
        title="Weekly check-in",
        help="Each member and their line manager, five minutes, at the member's own local "
             "time.",
        defaults={"every": "week", "day": "mon", "time": "10:00"})
    prompts = PROMPTS
    commitments = COMMITMENTS
    digest_labels: ClassVar[dict[str, str]] = {
        "checkins_held": "members who held their weekly check-in (both sides answered)"}
    reply_lines = ReplyLines(is_commitment_line,
                             partial(sync_commitment_from_reply, policy=COMMITMENTS),
                             (CommitmentError,))
    nudges = Nudges(asks_subject_only=True,
                    asked=lambda occurrence: [occurrence.subject_id],
                    zone=lambda ritual, member_zone: member_zone,  # the member's own time
                    render=_nudge)

    def plan(self, session: Session, *, now: datetime, catchup: timedelta,
             ritual_ids: Collection[int]) -> PlanReport:
        return plan_checkins(session, now=now, catchup=catchup, ritual_ids=ritual_ids)

    def conversations(self, team: Team, ritual: Ritual) -> list[list[str]]:
        """Each active member's group DM with their line manager (the check-in's)."""
        pairs = []
        for role in team.roles:
            manager = line_manager(team, role) if role.role == "member" and role.active else None
            if manager is not None and manager != role.user_id:
                pairs.append([manager, role.user_id])
        return pairs

    def render_occurrence(self, session: Session, occurrence: Occurrence, *,
                          today: date) -> Message | None:
        return render_checkin(session, occurrence, today=today)

    def member_line(self, team: Team, role: TeamRole, ritual: Ritual, person: Person | None,
                    now: datetime) -> tuple[datetime, str] | None:
        return home.member_line(team, role, ritual, person, now)

    def configuration_line(self, team: Team, ritual: Ritual, now: datetime) -> str:
        return home.configuration_line(team, ritual, now, self.title)

    def health(self, session: Session, team: Team, ritual: Ritual, now: datetime
               ) -> list[tuple[str, str]]:
        return home.checkin_weeks(session, team, ritual, now)

    def digest_measures(self, session: Session, ritual: Ritual, start: datetime,
                        end: datetime) -> list[Measure]:
        held = held_checkins(session, ritual_id=ritual.id, start=start, end=end)
        # A people-figure, counted by member: the manager sits in every check-in, so
        # counting them would let two members' check-ins pass a min_group of three; and a
        # count of check-ins would read as more than the team ("about 10" of 8 people).
        return [measure("checkins_held", self.digest_labels, {o.subject_id for o in held})]
