"""`tend socket`: Bolt's Socket Mode handler, for workspaces without a public URL."""

from __future__ import annotations

from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.app import create_app, create_services
from bot.runtime.clock import start_background_clock
from bot.settings import Settings


def socket_mode(settings: Settings, *, with_clock: bool) -> None:
    settings.require("slack_bot_token", "slack_signing_secret", "slack_app_token")
    services = create_services(settings)
    if with_clock:
        start_background_clock(services, interval_seconds=settings.tend_tick_seconds)
    app = create_app(settings, services=services)
    SocketModeHandler(app, settings.secret("slack_app_token")).start()
