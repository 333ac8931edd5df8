"""Building the Bolt app. Nothing here runs at import time: call create_app()."""

from __future__ import annotations

import logging
from datetime import timedelta

from slack_bolt import App
from slack_sdk import WebClient

from bot.handlers import register_all
from bot.services.context import Services
from bot.settings import Settings
from bot.slack.gateway import SlackGateway, build_client
from bot.storage.db import Database


def create_services(settings: Settings, *, db: Database | None = None,
                    client: WebClient | None = None) -> Services:
    client = client or build_client(settings.secret("slack_bot_token"), settings.slack_api_url)
    return Services(
        db=db or Database.from_url(settings.database_url),
        gateway=SlackGateway(client),
        catchup=timedelta(hours=settings.tend_catchup_hours),
        nudge_after=timedelta(hours=settings.tend_nudge_hours),
        retention=timedelta(days=settings.tend_retention_days),
    )


def create_app(settings: Settings, *, services: Services | None = None,
               client: WebClient | None = None) -> App:
    """The Bolt app, with every listener registered against `services`."""
    settings.require("slack_bot_token", "slack_signing_secret")
    services = services or create_services(settings, client=client)
    app = App(
        signing_secret=settings.secret("slack_signing_secret"),
        client=services.gateway.client,
        # Persist before answering: a listener's work is done when Slack gets its 200,
        # so a process that dies afterwards loses nothing Slack will not retry.
        process_before_response=True,
        logger=logging.getLogger("bot.bolt"),
    )
    register_all(app, services)
    return app
