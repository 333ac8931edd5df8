"""`rituals: {weekly_feedback: …}` in the teams file."""

from __future__ import annotations

from typing import ClassVar

from bot.platform.config_spec import RitualSpec


class WeeklyFeedbackSpec(RitualSpec):
    """Each member's weekly check-in with their line manager."""

    needs_managers: ClassVar[bool] = True  # a check-in is with a line manager

