"""Render Jinja2 templates into Slack messages and views, validated with slack_sdk.

A template renders a JSON document: `{"text": fallback, "blocks": [...]}` for a message,
or a view object. Templates never do I/O; the callers pass plain data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.domain.outcomes import Outcome
from bot.messages.ids import ActionId, BlockId, CallbackId, InputId, goal_block
from bot.messages.text import clip, escape_clipped, slack_escape

MAX_MESSAGE_BLOCKS = 50  # slack_sdk does not check this one
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000


class Template(StrEnum):
    """The shared templates code renders by name (bot/messages/templates/). A ritual's
    own templates are named in its package only, each in the one place that renders it."""

    NOTICE = "notice.json.j2"
    NUDGE = "nudge.json.j2"
    INTRODUCTION = "introduction.json.j2"
    HOME = "home.json.j2"
    SETUP_MODAL = "setup_modal.json.j2"
    SHARE_MODAL = "share_modal.json.j2"
    COMMITMENT_MODAL = "commitment_modal.json.j2"
    COMMITMENT_RECORDED = "commitment_recorded.json.j2"
    FORGET_ME_CONFIRM = "forget_me_confirm.json.j2"
    PROPOSE_MODAL = "propose_modal.json.j2"
    PROPOSAL = "proposal.json.j2"
    PROPOSAL_OUTCOME = "proposal_outcome.json.j2"


class RenderError(ValueError):
    """A template produced something Slack would reject: a bug, never user error."""


@dataclass(frozen=True)
class Message:
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}


def block_text_length(value: object) -> int:
    """Characters of text in blocks, as Slack adds them up for msg_blocks_too_long."""
    if isinstance(value, dict):
        return sum(len(v) if k == "text" and isinstance(v, str) else block_text_length(v)
                   for k, v in value.items())
    if isinstance(value, list):
        return sum(block_text_length(v) for v in value)
    return 0


def mention(user_id: str) -> str:
    return f"<@{user_id}>"


def nice_date(value: date) -> str:
    return f"{value:%a} {value.day} {value:%b}"


# Each ritual's own templates live in its package (bot/rituals/<kind>/templates/); the
# shared ones (Home, notices, setup, the commitment modal) here. Names are unique.
RITUAL_TEMPLATES = sorted(
    str(folder) for folder in (Path(__file__).resolve().parents[1] / "rituals").glob("*/templates")
    if folder.is_dir())


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader([PackageLoader("bot.messages", "templates"),
                             FileSystemLoader(RITUAL_TEMPLATES)]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # JSON output: every value goes through |tojson
    )
    env.filters.update(esc=slack_escape, clip=clip, esc_clip=escape_clipped,
                       nice_date=nice_date,
                       mention=mention)
    env.globals.update(ActionId=ActionId, BlockId=BlockId, CallbackId=CallbackId,
                       InputId=InputId, goal_block=goal_block, Outcome=Outcome)
    return env


def _render_json(template: str, context: dict[str, Any]) -> Any:
    # A plain str: Jinja writes the name into the code it compiles with repr(), and a
    # Template member's repr is not a Python literal.
    source = environment().get_template(str(template)).render(**context)
    try:
        return json.loads(source)
    except json.JSONDecodeError as exc:
        raise RenderError(f"{template} rendered invalid JSON: {exc}") from exc


def render_message(template: str, **context: Any) -> Message:
    document = _render_json(template, context)
    message = Message(text=document["text"], blocks=document.get("blocks", []))
    validate_blocks(message.blocks, limit=MAX_MESSAGE_BLOCKS, where=template)
    return message


def render_blocks(template: str, **context: Any) -> list[dict[str, Any]]:
    """A template that writes a list of blocks: one part of a view (a ritual's section
    of the Home), validated block by block; the whole view is validated when built."""
    blocks: list[dict[str, Any]] = _render_json(template, context)
    validate_blocks(blocks, limit=MAX_VIEW_BLOCKS, where=template)
    return blocks


def render_view(template: str, **context: Any) -> dict[str, Any]:
    view = _render_json(template, context)
    validate_blocks(view.get("blocks", []), limit=MAX_VIEW_BLOCKS, where=template)
    try:
        View(**view).validate_json()
    except Exception as exc:  # slack_sdk raises SlackObjectFormationError
        raise RenderError(f"{template}: {exc}") from exc
    return view


def validate_blocks(blocks: list[dict[str, Any]], *, limit: int, where: str) -> None:
    if len(blocks) > limit:
        raise RenderError(f"{where}: {len(blocks)} blocks, Slack allows {limit}")
    try:
        for block in Block.parse_all(blocks):
            block.validate_json()
    except Exception as exc:
        raise RenderError(f"{where}: {exc}") from exc
