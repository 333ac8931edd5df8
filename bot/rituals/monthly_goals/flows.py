"""Planning the monthly goal-sharing session: the team post, and each member's review."""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.messages.render import render_message
from bot.rituals.common.sessions import due_sessions, month_label
from bot.rituals.common.team_sessions import claim_session, coach_notice
from bot.rituals.kinds import RitualKind
from bot.rituals.monthly_goals.config import PROMPTS
from bot.rituals.monthly_goals.messages import render_review
from bot.rituals.monthly_goals.rules import MAX_GOALS_PER_MONTH
from bot.storage import outbox
from bot.storage.goals import open_goals_before
from bot.storage.models import Occurrence, Person
from bot.storage.teams import active_people, team_rituals

log = logging.getLogger(__name__)

KIND = RitualKind.MONTHLY_GOALS
MAX_REVIEWED_GOALS = 10  # two blocks each: well inside Slack's 50


def plan_goal_sessions(session: Session, *, now: datetime, catchup: timedelta,
                       ritual_ids: Collection[int] | None = None) -> int:
    """Plan the due sessions of these rituals (None: every one of its kind)."""
    planned = 0
    for due in due_sessions(team_rituals(session, KIND, ritual_ids), now=now, catchup=catchup):
        occurrence = claim_session(session, due, now=now)
        if occurrence is not None and not (due.missed or due.skipped):
            _enqueue_session(session, occurrence, now=now)
            planned += 1
    return planned


def _enqueue_session(session: Session, occurrence: Occurrence, *, now: datetime) -> None:
    team = occurrence.ritual.team
    label = month_label(occurrence.scheduled_at, team.timezone)
    round_index = occurrence.details.get("round")
    asked = PROMPTS.resolve(occurrence.ritual.options.get("prompts"), round_index=round_index)
    message = render_message("goals_session.json.j2", team_name=team.name, month_label=label,
                             occurrence_id=occurrence.id, max_goals=MAX_GOALS_PER_MONTH,
                             prompts=asked.of(), first=round_index == 0)
    payload = {**message.as_dict(), "join": True,
               "notify_on_failure": coach_notice(team, "the goal-sharing session")}
    outbox.enqueue(session, workspace_id=team.workspace_id,
                   key=f"occurrence:{occurrence.id}:prompt", payload=payload,
                   channel_id=team.channel_id, occurrence_id=occurrence.id, now=now)
    session_day = occurrence.scheduled_at.astimezone(ZoneInfo(team.timezone)).date()
    for member in active_people(team, "member"):
        person = session.get(Person, (team.workspace_id, member))
        if person is not None and person.away_until and person.away_until >= session_day:
            continue  # away: their review waits for the next session
        goals = open_goals_before(session, ritual_id=occurrence.ritual_id, owner_id=member,
                                  occurrence_id=occurrence.id)[:MAX_REVIEWED_GOALS]
        if goals:
            review = render_review(goals, month=label)
            outbox.enqueue(session, workspace_id=team.workspace_id,
                           key=f"occurrence:{occurrence.id}:review:{member}",
                           payload=review.as_dict(), users=[member], now=now)
