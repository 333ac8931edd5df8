"""`rituals: {quads: …}` in the teams file."""

from __future__ import annotations

from pydantic import Field, StrictBool, StrictInt

from bot.platform.config_spec import RitualSpec


class QuadsSpec(RitualSpec):
    """Peer accountability groups of four (three or five where the numbers demand)."""

    regroup_every: StrictInt = Field(default=4, ge=1, le=52)  # cycles before a new draw
    # Managers are kept out of their own reports' quads unless this says otherwise.
    managers_with_reports: StrictBool = False
