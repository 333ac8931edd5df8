"""Bolt listeners: thin, one module per kind of Slack interaction, each with register();
then each ritual registers its own (`RitualDefinition.register_listeners`)."""

from __future__ import annotations

from slack_bolt import App

from bot.handlers import (
    commands,
    commitments,
    home,
    lifecycle,
    messages,
    proposals,
    reminders,
    sharing,
)
from bot.handlers.after_ack import later, lazy
from bot.platform.context import Services
from bot.rituals import registry
from bot.rituals.base import AfterAck


def register_all(app: App, services: Services) -> None:
    messages.register(app, services)
    commitments.register(app, services)
    home.register(app, services)
    commands.register(app, services)
    sharing.register(app, services)
    reminders.register(app, services)
    lifecycle.register(app, services)
    proposals.register(app, services)
    # Each ritual's own buttons and modals (goal sharing's, the retro's votes), listened
    # for in its package.
    for ritual in registry.all_rituals():
        ritual.register_listeners(app, services, AfterAck(later=later, lazy=lazy))
