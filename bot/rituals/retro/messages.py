"""Rendering the retro's messages: the session (open or closed) and its result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.messages.ids import ActionId
from bot.messages.render import Message, render_message
from bot.messages.text import escape_clipped
from bot.rituals.common.home import when
from bot.rituals.retro.ids import RetroAction, vote_value
from bot.rituals.retro.rules import TOO_FEW, RetroChoice, RitualResult

MAX_SHOWN_AGREEMENTS = 10  # at 300 characters each they fill one 3000-character section


@dataclass(frozen=True)
class Voted:
    """One of the team's rituals on the ballot."""

    id: int
    title: str


def render_session(*, team_name: str, team_key: str, month: str, occurrence_id: int,
                   agreements: list[str], rituals: list[Voted], closes_at: datetime,
                   timezone: str, min_group: int, prompts: list[str],
                   closed: bool = False) -> Message:
    shown = agreements[:MAX_SHOWN_AGREEMENTS]
    return render_message(
        "retro_session.json.j2", team_name=team_name, month_label=month,
        agreements=[escape_clipped(a, 280) for a in shown],
        more_agreements=len(agreements) - len(shown), prompts=prompts,
        rituals=[{"id": r.id, "title": r.title, "value": vote_value(occurrence_id, r.id)}
                 for r in rituals],
        actions={a.name: a.value for a in RetroAction}, min_group=min_group,
        closes_label=f"{when(closes_at, ZoneInfo(timezone))} ({timezone})", closed=closed,
        # The retro's thread is one of the three doors to the proposal modal (the Home's
        # and `/tend propose` the others): the same action, the team pre-selected.
        propose_action=ActionId.PROPOSE.value, propose_value=propose_value(team_key))


def result_lines(results: list[dict[str, Any]]) -> list[str]:
    """One line per ritual: its team counts, or P2's sentence when too few voted."""
    lines = []
    for item in results:
        counts = item.get("counts")
        shown = (" · ".join(f"{c.value} {counts.get(c.value, 0)}" for c in RetroChoice)
                 if counts is not None else TOO_FEW)
        lines.append(f"• *{item['title']}*: {shown}")
    return lines


MAX_PROPOSE_BUTTONS = 5  # one actions block


def propose_value(team_key: str, ritual_kind: str = "") -> str:
    """A *Propose a change* button's value: "team_key:ritual_kind" (the kind may be
    empty), read by the proposal listener to pre-fill the modal."""
    return f"{team_key}:{ritual_kind}"


def render_result(*, team_name: str, month: str, results: list[dict[str, Any]],
                  propose: Sequence[tuple[str, str]] = ()) -> Message:
    """The result; `propose`: (title, "team_key:kind") of each ritual the team voted to
    change, each with a *Propose a change* button pre-filled with it."""
    return render_message("retro_result.json.j2", team_name=team_name, month_label=month,
                          lines=result_lines(results), propose_action=ActionId.PROPOSE.value,
                          propose=[{"title": t, "value": v}
                                   for t, v in propose[:MAX_PROPOSE_BUTTONS]])


def stored(results: list[RitualResult]) -> list[dict[str, Any]]:
    """What a closed retro keeps: team counts or None per ritual, nothing about voters."""
    return [{"title": r.title, "counts": r.counts} for r in results]
