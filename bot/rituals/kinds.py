"""The kinds of ritual tend runs: the values stored in `ritual.kind`.

The one place a kind is named outside its own package; each ritual's package uses its
member, and everything else goes through `bot.rituals.registry`.
"""

from __future__ import annotations

from enum import StrEnum


class RitualKind(StrEnum):
    WEEKLY_FEEDBACK = "weekly_feedback"
    MONTHLY_GOALS = "monthly_goals"
    QUADS = "quads"
    RETRO = "retro"
    DIGEST = "digest"
