"""`rituals: {monthly_goals: …}` in the teams file."""

from __future__ import annotations

from bot.platform.config_spec import RitualSpec


class MonthlyGoalsSpec(RitualSpec):
    """The team's goal-sharing session, in the team channel (cadence in the team's zone)."""
