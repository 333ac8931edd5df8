"""Thin listener for the App Home tab: publish it when opened (after the ack: building a
Home reads a lot and views.publish is a Slack call the event's answer does not need)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot.handlers.after_ack import later, lazy
from bot.platform.context import Services
from bot.platform.followups import Followup, Home
from bot.platform.guard import workspace


def register(app: App, services: Services) -> None:
    def opened(event: dict[str, Any], context: BoltContext) -> None:
        if event.get("tab") == "home":  # the Messages tab opens the DM instead
            later(context, Followup(workspace(context), (Home(event["user"]),)))

    app.event("app_home_opened")(ack=opened, lazy=lazy(services))
