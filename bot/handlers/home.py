"""Thin listeners for the App Home tab: publish it when opened, and its commitment buttons."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.handlers.checkin_actions import DECISIONS, parse_int
from bot.services import home
from bot.services.context import Services


def in_home_tab(body: dict[str, Any]) -> bool:
    """A click in the Home tab: its container is the view, not a message."""
    return (body.get("container", {}).get("type") == "view"
            and body.get("view", {}).get("type") == "home")


def register(app: App, services: Services) -> None:
    def opened(event: dict[str, Any]) -> None:
        if event.get("tab") == "home":  # the Messages tab opens the DM instead
            home.publish_home(services, event["user"])

    def close(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        commitment_id = parse_int(action.get("value"))
        if commitment_id is not None:
            home.close_from_home(services, commitment_id=commitment_id,
                                 decision=DECISIONS[action["action_id"]],
                                 user_id=body["user"]["id"])

    app.event("app_home_opened")(opened)
    # The Home reuses the check-in's action ids. Bolt runs only the first listener that
    # matches, so these must be registered before bot.handlers.checkin_actions' (whose
    # handler needs a message and ignores Home clicks); message clicks do not match here.
    # TODO: once checkin_actions routes `container.type == "view"` to
    # home.close_from_home itself, remove these and the ordering need goes with them.
    for action_id in DECISIONS:
        app.action(action_id.value, matchers=[in_home_tab])(close)
