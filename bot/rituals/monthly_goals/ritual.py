"""Monthly goal sharing (`monthly_goals`): one session in the team channel, up to three
goals each, reviewed the next month. Its definition for the registry."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any, ClassVar

from sqlalchemy import Select
from sqlalchemy.orm import Session

from bot.messages.text import slack_escape
from bot.platform.context import Services
from bot.rituals.base import AfterAck, PlanReport, ReplyLines, RitualDefinition, SetupPart
from bot.rituals.common.home import (
    team_session_line,
    team_session_runs,
    team_zone_configuration_line,
)
from bot.rituals.common.measures import Measure, measure
from bot.rituals.kinds import RitualKind
from bot.rituals.monthly_goals.actions import session_participants, sync_goal_from_reply
from bot.rituals.monthly_goals.config import PROMPTS, MonthlyGoalsSpec
from bot.rituals.monthly_goals.flows import plan_goal_sessions
from bot.rituals.monthly_goals.home import open_goals_blocks
from bot.rituals.monthly_goals.rules import GoalError, is_goal_line
from bot.storage.goals import delete_goals_of, goal_owners_in_period, goals_of
from bot.storage.models import Occurrence, Person, Ritual, Team, TeamRole


class MonthlyGoals(RitualDefinition):
    kind = RitualKind.MONTHLY_GOALS
    title = "Goal sharing"
    help_phrase = "monthly goal sharing"
    config_spec = MonthlyGoalsSpec
    config_descriptions: ClassVar[dict[str, str]] = {
        "rituals.monthly_goals": "The goal-sharing session in the team channel: up to "
        "three goals each; last month's come back privately.",
        "monthly_goals.prompts": "The team's own questions for each session: a list of "
        "1–5. Left out: tend's defaults (docs/prompts.md)."}
    setup = SetupPart(
        title="Monthly goal sharing",
        help="A session in the team channel: up to three goals each.",
        defaults={"every": "month", "day": "1st mon", "time": "09:30"})
    prompts = PROMPTS
    reply_lines = ReplyLines(is_goal_line, sync_goal_from_reply, (GoalError,))

    digest_labels: ClassVar[dict[str, str]] = {
        "goals_shared": "goals shared",
        "goals_done": "goals done",
        "goals_partly": "goals partly done",
        "goals_not_done": "goals not done",
        "goals_carried": "goals carried over",
    }

    def plan(self, session: Session, *, now: datetime, catchup: timedelta,
             ritual_ids: Collection[int]) -> PlanReport:
        return PlanReport(planned=plan_goal_sessions(session, now=now, catchup=catchup,
                    ritual_ids=ritual_ids))

    def register_listeners(self, app: Any, services: Services, after_ack: AfterAck) -> None:
        # Imported only here: bot.handlers, whose guard it uses, imports the registry.
        from bot.rituals.monthly_goals import listeners

        listeners.register(app, services, after_ack)

    def export_user(self, session: Session, rituals: Select[int], user_id: str
                    ) -> dict[str, Any]:
        return {"goals": [
            {"id": g.id, "what": g.what, "how_we_will_know": g.measure,
             "by": g.due_date.isoformat(), "status": g.status,
             "carried_from": g.carried_from_id, "shared_at": g.created_at.isoformat(),
             "closed_at": g.closed_at.isoformat() if g.closed_at else None}
            for g in goals_of(session, rituals, user_id)]}

    def forget(self, session: Session, rituals: Select[int], user_id: str
               ) -> list[tuple[int, str]]:
        return [(delete_goals_of(session, rituals, user_id), "goals")]

    def participants(self, session: Session, occurrence: Occurrence) -> set[str]:
        """The whole team: the session is in its channel."""
        return session_participants(session, occurrence)

    def member_line(self, team: Team, role: TeamRole, ritual: Ritual, person: Person | None,
                    now: datetime) -> tuple[datetime, str] | None:
        return team_session_line(
            team, ritual, now,
            f"*Goal sharing* in <#{team.channel_id}> · {slack_escape(team.name)}")

    def home_blocks(self, session: Session, *, workspace_id: str, user_id: str,
                    member_of: list[Team], manager_of: list[Team], now: datetime
                    ) -> list[dict[str, Any]]:
        """A member's own open goals (P7: nobody else's)."""
        return open_goals_blocks(session, workspace_id, user_id) if member_of else []

    def configuration_line(self, team: Team, ritual: Ritual, now: datetime) -> str:
        return team_zone_configuration_line(team, ritual, now, self.title)

    def health(self, session: Session, team: Team, ritual: Ritual, now: datetime
               ) -> list[tuple[str, str]]:
        return team_session_runs(session, team, ritual, now, label_format="{month}")

    def digest_measures(self, session: Session, ritual: Ritual, start: datetime,
                        end: datetime) -> list[Measure]:
        owners = goal_owners_in_period(session, ritual_id=ritual.id, start=start, end=end)
        return [measure(f"goals_{group}", self.digest_labels, set(owners[group]),
                        count=len(owners[group]))
                for group in ("shared", "done", "partly", "not_done", "carried")]
