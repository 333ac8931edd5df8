"""Bolt listeners: thin, one module per kind of Slack interaction, each with register()."""

from __future__ import annotations

from slack_bolt import App

from bot.handlers import (
    commands,
    commitments,
    goals,
    home,
    lifecycle,
    messages,
    reminders,
    sharing,
)
from bot.platform.context import Services


def register_all(app: App, services: Services) -> None:
    messages.register(app, services)
    commitments.register(app, services)
    home.register(app, services)
    goals.register(app, services)
    commands.register(app, services)
    sharing.register(app, services)
    reminders.register(app, services)
    lifecycle.register(app, services)
