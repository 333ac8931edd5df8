"""`rituals: {retro: …}` in the teams file, and its default questions."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator

from bot.platform.config_spec import RitualSpec, _error
from bot.platform.prompts import PromptBank, PromptList
from bot.rituals.retro.rules import AgreementError, validate_agreement

# From the question bank in docs/prompts.md.
PROMPTS = PromptBank(
    defaults={"": ("What helped us work well?", "What got in our way?",
                   "Who helped you lately, and how?", "One thing to try.")},
    # No first-time wording: nothing here assumes an earlier retrospective.
)


class RetroSpec(RitualSpec):
    """The team retrospective, in the team channel (cadence in the team's zone)."""

    prompts: PromptList | None = None


def _agreement(value: str) -> str:
    try:
        return validate_agreement(value)
    except AgreementError as exc:
        raise _error("agreement", str(exc)) from None


# `agreements: [text, …]` under a team: its working agreements, as the retro keeps them.
Agreement = Annotated[str, AfterValidator(_agreement)]
AGREEMENTS_FIELD: tuple[Any, Any] = (list[Agreement] | None, None)
