"""Thin listener for the App Home tab: publish it when opened."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot.handlers.guard import workspace
from bot.services import home
from bot.services.context import Services


def register(app: App, services: Services) -> None:
    def opened(event: dict[str, Any], context: BoltContext) -> None:
        if event.get("tab") == "home":  # the Messages tab opens the DM instead
            home.publish_home(services, workspace(context), event["user"])

    app.event("app_home_opened")(opened)
