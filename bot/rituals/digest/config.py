"""`digest: …` in the teams file: a team key beside `rituals`."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StrictInt, field_validator

from bot.platform.config_spec import _CHANNEL_ID, _USER_ID, ID_MAX, RitualSpec, _error


def _digest_target(value: str) -> str:
    """A digest goes to a user (as a DM) or to a channel."""
    if _USER_ID.fullmatch(value) or _CHANNEL_ID.fullmatch(value):
        return value
    raise _error("slack_id", f"not a Slack user or channel id: {value!r} (expected U…, W…, "
                             "C… or G…, capital letters and digits)")


class DigestSpec(RitualSpec):
    """The team digest: team-level figures only, to the team channel unless `to` names a
    person (a DM) or another channel."""

    to: Annotated[str, Field(max_length=ID_MAX), AfterValidator(_digest_target)] | None = None
    min_group: StrictInt = 3

    @field_validator("min_group")
    @classmethod
    def _at_least_three(cls, value: int) -> int:
        # Below three, an aggregate could identify someone: refused, never lowered.
        if value < 3:
            raise _error("min_group", f"min_group must be at least 3 (not {value}): with "
                                      "fewer people a team figure could identify someone")
        return value
