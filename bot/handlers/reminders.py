"""Thin listener for a reminder's "Turn reminders off" button."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.core import nudges
from bot.handlers.after_ack import later, lazy
from bot.messages.ids import ActionId
from bot.platform.context import Caller, Services
from bot.platform.guard import workspace


def register(app: App, services: Services) -> None:
    def turn_off(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack()
        # Only the person it was sent to is in the DM, so the clicker's own setting changes.
        container = body.get("container", {})
        later(context, nudges.turn_off_from_button(
            services, caller=Caller(workspace(context), body["user"]["id"]),
            channel_id=container.get("channel_id", ""),
            message_ts=container.get("message_ts", "")))

    app.action(ActionId.REMINDERS_OFF.value)(ack=turn_off, lazy=lazy(services))
