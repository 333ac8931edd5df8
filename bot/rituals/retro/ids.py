"""The retro's Slack ids: its vote buttons, one per choice."""

from __future__ import annotations

from enum import StrEnum

from bot.rituals.retro.rules import RetroChoice


class RetroAction(StrEnum):
    KEEP = "retro_keep"
    CHANGE = "retro_change"
    DROP = "retro_drop"


CHOICE_OF = {RetroAction.KEEP: RetroChoice.KEEP, RetroAction.CHANGE: RetroChoice.CHANGE,
             RetroAction.DROP: RetroChoice.DROP}


def vote_value(occurrence_id: int, ritual_id: int) -> str:
    """A vote button's value: which retro, and which of the team's rituals."""
    return f"{occurrence_id}:{ritual_id}"
