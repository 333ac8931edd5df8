"""Thin listener for message events in tend threads (replies, edits, deletions)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot.handlers.guard import workspace
from bot.services.context import Services
from bot.services.home import refresh_homes
from bot.services.replies import acknowledge, handle_message_event


def register(app: App, services: Services) -> None:
    def on_message(body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
        # `context.team_id` is the workspace Bolt read from the signed envelope.
        feedback = handle_message_event(services, workspace_id=workspace(context), event=event,
                                        event_id=body.get("event_id"))
        if feedback is not None:
            acknowledge(services, feedback)
            if feedback.error is None:  # a commitment or goal was recorded or changed
                refresh_homes(services, feedback.workspace_id, [feedback.user_id])

    app.event("message")(on_message)
