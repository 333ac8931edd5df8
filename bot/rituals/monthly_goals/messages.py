"""Rendering goal messages from stored goals."""

from __future__ import annotations

from typing import Any

from bot.domain.enums import GoalStatus
from bot.domain.outcomes import GOAL_STATUS_NOTES
from bot.messages.render import Message, render_message
from bot.storage.models import Goal


def goal_view(goal: Goal) -> dict[str, Any]:
    return {"id": goal.id, "what": goal.what, "measure": goal.measure,
            "due_date": goal.due_date, "open": goal.status == GoalStatus.OPEN,
            "status_note": GOAL_STATUS_NOTES.get(goal.status, "")}


def render_review(goals: list[Goal], *, month: str) -> Message:
    return render_message("goals_review.json.j2", goals=[goal_view(g) for g in goals],
                          month_label=month)


def render_shared(owner_id: str, goals: list[Goal], *, month: str, carried: bool = False
                  ) -> Message:
    return render_message(
        "goals_shared.json.j2", owner_id=owner_id, month_label=month,
        goals=[goal_view(g) for g in goals], heading_emoji=":dart:" if not carried else ":repeat:",
        heading=(f"carries a goal over into {month}:" if carried else f"— goals for {month}:"),
    )
