"""Thin listeners for a workspace leaving: `app_uninstalled` and `tokens_revoked`;
and Slack's `app_rate_limited` notice."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse

from bot.core import installs
from bot.platform.context import Services
from bot.platform.guard import NO_WORKSPACE, workspace

log = logging.getLogger(__name__)


def rate_limited(body: dict[str, Any], next_: Callable[[], None]) -> BoltResponse | None:
    """Slack's `app_rate_limited` notice: not an event_callback, so no Bolt listener
    matches it (Bolt would answer 404); Slack expects a 200. Logged, never acted on."""
    if body.get("type") != "app_rate_limited":
        next_()
        return None
    minute = body.get("minute_rate_limited")
    log.warning("Slack is holding back events for this app (app_rate_limited)",
                extra={"team_id": str(body.get("team_id"))[:64],
                       "minute_rate_limited": minute if isinstance(minute, int) else None})
    return BoltResponse(status=200, body="")


def register(app: App, services: Services) -> None:
    def uninstalled(context: BoltContext) -> None:
        if (ws := workspace(context)) != NO_WORKSPACE:
            installs.forget_tokens(services, ws)

    def revoked(event: dict[str, Any], context: BoltContext) -> None:
        tokens = event.get("tokens")
        if (ws := workspace(context)) != NO_WORKSPACE and isinstance(tokens, dict):
            installs.tokens_revoked(services, ws, tokens)

    app.middleware(rate_limited)
    app.event("app_uninstalled")(uninstalled)
    app.event("tokens_revoked")(revoked)
