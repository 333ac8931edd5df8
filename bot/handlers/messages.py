"""Thin listener for message events in tend threads (replies, edits, deletions)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot.core.replies import acknowledge, handle_message_event
from bot.handlers.after_ack import later, lazy
from bot.platform.context import Services
from bot.platform.guard import workspace


def register(app: App, services: Services) -> None:
    def on_message(body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
        # `context.team_id` is the workspace Bolt read from the signed envelope.
        feedback = handle_message_event(services, workspace_id=workspace(context), event=event,
                                        event_id=body.get("event_id"))
        if feedback is not None:  # the pushpin or note after the ack (Bolt acks events)
            later(context, acknowledge(feedback))

    app.event("message")(ack=on_message, lazy=lazy(services))
