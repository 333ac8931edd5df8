"""`rituals: {monthly_goals: …}` in the teams file, and its default questions."""

from __future__ import annotations

from bot.platform.config_spec import RitualSpec
from bot.platform.prompts import PromptBank, PromptList

# From the question bank in docs/prompts.md.
PROMPTS = PromptBank(
    defaults={"": ("What did you get done last month that you are glad about?",
                   "What will you focus on this month, and why?",
                   "Whose goal could you help with?")},
    first={"": ("What do you want to get done this month, and why does it matter?",
                "Whose goal could you help with?")},
)


class MonthlyGoalsSpec(RitualSpec):
    """The team's goal-sharing session, in the team channel (cadence in the team's zone)."""

    prompts: PromptList | None = None
