"""Thin listeners for the retro's vote buttons: parse, acknowledge, delegate."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.platform.context import Services
from bot.platform.guard import record_id, workspace
from bot.rituals.base import AfterAck
from bot.rituals.retro import votes
from bot.rituals.retro.ids import CHOICE_OF, RetroAction


def parse_value(value: object) -> tuple[int, int] | None:
    """(retro occurrence id, voted ritual id) from a vote button's "12:34", or None for
    anything tend did not write."""
    if not isinstance(value, str) or value.count(":") != 1:
        return None
    occurrence, ritual = (record_id(part) for part in value.split(":"))
    return (occurrence, ritual) if occurrence is not None and ritual is not None else None


def register(app: App, services: Services, after_ack: AfterAck) -> None:
    def on_vote(ack: Ack, body: dict[str, Any], action: dict[str, Any],
                context: BoltContext) -> None:
        ack()
        parsed = parse_value(action.get("value"))
        if parsed is None:
            return
        occurrence_id, ritual_id = parsed
        after_ack.later(context, votes.vote(
            services, workspace_id=workspace(context), occurrence_id=occurrence_id,
            ritual_id=ritual_id, choice=CHOICE_OF[RetroAction(action["action_id"])],
            user_id=body["user"]["id"],
            channel_id=str((body.get("channel") or {}).get("id", ""))))

    for action_id in RetroAction:
        app.action(action_id.value)(ack=on_vote, lazy=after_ack.lazy(services))
