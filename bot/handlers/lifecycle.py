"""Thin listeners for a workspace leaving: `app_uninstalled` and `tokens_revoked`."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot.handlers.guard import NO_WORKSPACE, workspace
from bot.services import installs
from bot.services.context import Services


def register(app: App, services: Services) -> None:
    def uninstalled(context: BoltContext) -> None:
        if (ws := workspace(context)) != NO_WORKSPACE:
            installs.forget_tokens(services, ws)

    def revoked(event: dict[str, Any], context: BoltContext) -> None:
        tokens = event.get("tokens")
        if (ws := workspace(context)) != NO_WORKSPACE and isinstance(tokens, dict):
            installs.tokens_revoked(services, ws, tokens)

    app.event("app_uninstalled")(uninstalled)
    app.event("tokens_revoked")(revoked)
