"""A ritual's prompts: the questions its messages ask, written by the team or by tend.

A ritual declares its `PromptBank` (its roles, its default questions, its first-time
wording) as its `RitualDefinition.prompts` hook, and a `prompts:` key in its spec typed
with `PromptList` (or a mapping of them by role); `resolve` picks the questions one
occurrence shows. The team's prompts are stored with the ritual's other options
(`Ritual.options["prompts"]`), so the tick reads them with the ritual it loads anyway.

The defaults come from the question bank in docs/prompts.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import AfterValidator, StrictStr

from bot.platform.config_spec import _error

MAX_PROMPTS = 5  # per role
MAX_ROTATING = 12
MAX_PROMPT_CHARS = 300
ROTATING = "rotating"
# What Slack reads as a mention or a broadcast: <@U…>, <#C…>, <!here>, <!channel>,
# <!everyone>, <!subteam^…>, <!date…>. Team text must never ping anyone.
_SLACK_TOKEN = re.compile(r"<\s*[@#!]")


def check_prompt(value: str) -> str:
    """One prompt, as the team wrote it: one line of 1 to 300 characters that pings
    nobody. Raises a pydantic custom error with a message for a person."""
    text = value.strip()
    if not text:
        raise _error("prompt_empty", "a prompt must not be empty")
    if len(text) > MAX_PROMPT_CHARS:
        raise _error("prompt_too_long", f"a prompt is at most {MAX_PROMPT_CHARS} characters "
                                        f"(this one has {len(text)})")
    if "\n" in text or "\r" in text:
        raise _error("prompt_lines", "a prompt is one line: write two prompts instead")
    if _SLACK_TOKEN.search(text):
        raise _error("prompt_mention", "a prompt may not mention anyone or a channel "
                                       "(<@…>, <#…>, <!here>, <!channel>, <!everyone>, "
                                       "<!subteam^…>): tend names the people itself")
    return text


def _count(low: int, high: int) -> Any:
    def check(values: list[str]) -> list[str]:
        if not low <= len(values) <= high:
            raise _error("prompt_count", f"give {low} to {high} prompts here, "
                                         f"not {len(values)}")
        return values
    return AfterValidator(check)


Prompt = Annotated[StrictStr, AfterValidator(check_prompt)]
PromptList = Annotated[list[Prompt], _count(1, MAX_PROMPTS)]
RotatingList = Annotated[list[Prompt], _count(0, MAX_ROTATING)]


@dataclass(frozen=True)
class PromptBank:
    """A ritual's questions. `roles` empty: one list (`prompts: [...]`); otherwise a
    mapping by role (`prompts: {member: [...], ...}`), each role optional."""

    defaults: Mapping[str, tuple[str, ...]]  # by role; "" when the ritual has no roles
    # The first occurrence's wording where it differs (nothing was said "last time" yet).
    first: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    roles: tuple[str, ...] = ()
    # Questions added one at a time, in turn; None: the ritual has no `rotating` key.
    rotating: tuple[str, ...] | None = None
    # The setup modal's label of each key's input (default: "Questions").
    labels: Mapping[str, str] = field(default_factory=dict)

    def prompt_keys(self) -> tuple[str, ...]:
        """The roles a team can write, rotating last ("" for a single list)."""
        if not self.roles:
            return ("",)
        return (*self.roles, *((ROTATING,) if self.rotating is not None else ()))

    def label(self, key: str) -> str:
        return self.labels.get(key, "Questions")

    def team_prompts(self, stored: Any) -> dict[str, list[str] | None]:
        """What the team wrote, by key (None: the default)."""
        if not self.roles:
            return {"": list(stored) if isinstance(stored, list) else None}
        stored = stored if isinstance(stored, dict) else {}
        return {key: stored.get(key) for key in self.prompt_keys()}

    def default(self, key: str) -> tuple[str, ...]:
        return (self.rotating or ()) if key == ROTATING else self.defaults[key]

    def resolve(self, stored: Any, *, round_index: int | None) -> Resolved:
        """The questions of one occurrence: the `round_index`-th for its pair or group
        (0: the first, worded for a first time; None: unknown, from before rounds were
        kept, shown without first-time wording or a rotating question)."""
        written = self.team_prompts(stored)
        first = round_index == 0
        asked: dict[str, list[str]] = {}
        for key in self.prompt_keys():
            if key == ROTATING:
                continue
            team = written[key]
            asked[key] = list(team if team is not None else
                              self.first.get(key, self.defaults[key]) if first else
                              self.defaults[key])
        turn: str | None = None
        if self.rotating is not None and round_index is not None:
            pool = written[ROTATING]
            pool = list(self.rotating) if pool is None else pool
            turn = pool[round_index % len(pool)] if pool else None
        return Resolved(asked, turn)


@dataclass(frozen=True)
class Resolved:
    asked: dict[str, list[str]]  # by role ("" for a single list)
    rotating: str | None = None

    def of(self, role: str = "") -> list[str]:
        return self.asked.get(role, [])


def stored_prompts(bank: PromptBank, written: dict[str, list[str] | None]) -> Any:
    """What a team wrote, by key, in the shape of the `prompts:` key (None: all default)."""
    if not bank.roles:
        return written.get("")
    chosen = {key: value for key, value in written.items() if value is not None}
    return chosen or None


def prompt_lines(text: str | None) -> list[str]:
    """A multiline input of the setup modal: one prompt per non-blank line."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]
