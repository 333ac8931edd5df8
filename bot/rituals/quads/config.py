"""`rituals: {quads: …}` in the teams file, and its default questions."""

from __future__ import annotations

from pydantic import Field, StrictBool, StrictInt

from bot.platform.config_spec import RitualSpec
from bot.platform.prompts import PromptBank, PromptList

# From the question bank in docs/prompts.md.
PROMPTS = PromptBank(
    defaults={"": ("What did you get done since the last cycle?",
                   "What got in your way, and what would help?",
                   "Who here can you help this cycle?")},
    first={"": ("What are you working on, and what would you like the others to know?",
                "What would help you most from this group?")},
)


class QuadsSpec(RitualSpec):
    """Peer accountability groups of four (three or five where the numbers demand)."""

    regroup_every: StrictInt = Field(default=4, ge=1, le=52)  # cycles before a new draw
    # Managers are kept out of their own reports' quads unless this says otherwise.
    managers_with_reports: StrictBool = False
    prompts: PromptList | None = None
