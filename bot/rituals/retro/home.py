"""The retro on the App Home: each team's agreements for its members and managers, and
for its coach the latest closed result (team counts, P2) or while open only its end."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.messages.text import clip, escape_clipped, slack_escape
from bot.rituals.common.home import when
from bot.rituals.kinds import RitualKind
from bot.rituals.retro.flows import closes_at
from bot.rituals.retro.messages import result_lines
from bot.storage.models import Ritual, Team
from bot.storage.retro import latest_result, team_agreements, unclosed_sessions
from bot.storage.teams import as_team_ritual

MAX_TEAMS = 4  # one block each
MAX_AGREEMENTS = 10  # per team; the rest as "…and N more"
SECTION = 3000


def agreement_blocks(session: Session, teams: list[Team]) -> list[dict[str, Any]]:
    """One section per team that holds a retro or has agreements (never attributed)."""
    blocks: list[dict[str, Any]] = []
    for team in teams[:MAX_TEAMS]:
        agreements = team_agreements(session, team_id=team.id)
        holds_retro = any(r.kind == RitualKind.RETRO and r.enabled for r in team.rituals)
        if not (agreements or holds_retro):
            continue
        heading = f"*Working agreements · {slack_escape(team.name)}*"
        if agreements:
            shown = agreements[:MAX_AGREEMENTS]
            more = len(agreements) - len(shown)
            lines = [f"• {escape_clipped(a, 300)}" for a in shown]
            if more:
                lines.append(f"…and {more} more")
            text = "\n".join([heading, *lines])
        else:
            text = (f"{heading} — none yet. In a retrospective's thread, "
                    "`agree: <a norm the team keeps>` records one.")
        blocks.append({"type": "section", "text": {"type": "mrkdwn",
                                                   "text": clip(text, SECTION)}})
    return [{"type": "divider"}, *blocks] if blocks else []


def coach_notes(session: Session, team: Team, ritual: Ritual, now: datetime) -> list[str]:
    """The open retro's closing time (no counts while open), then the latest result."""
    notes: list[str] = []
    zone = ZoneInfo(team.timezone)
    for occurrence in unclosed_sessions(session, ritual_id=ritual.id):
        if occurrence.message_ts:
            ends = closes_at(as_team_ritual(ritual), occurrence)
            notes.append(f"  Retrospective voting open until {when(ends, zone)} — counts "
                         "are shown once it closes.")
    result = latest_result(session, ritual_id=ritual.id)
    if result is not None:
        closed = result.closed_at.astimezone(zone)
        notes.append(f"  Latest retrospective result (closed {closed.day} {closed:%b}):")
        notes += [f"  {line}" for line in result_lines(result.result.get("rituals", []))]
    return notes
