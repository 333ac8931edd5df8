"""Goal sharing on the App Home: a member's own open goals (nobody else's: P7)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bot.messages.render import render_blocks
from bot.messages.text import slack_escape
from bot.storage.goals import open_goals_with_teams
from bot.storage.scoping import rituals_in

MAX_GOALS = 5  # one block each, with "…and K more"


def open_goals_blocks(session: Session, workspace_id: str, user_id: str
                      ) -> list[dict[str, Any]]:
    goals = [{"what": g.what, "measure": g.measure, "due_date": g.due_date,
              "team": slack_escape(team)}
             for g, team in open_goals_with_teams(session, rituals_in(workspace_id), user_id)]
    return render_blocks("home_goals.json.j2", goals=goals[:MAX_GOALS],
                         more_goals=max(0, len(goals) - MAX_GOALS))
