"""Thin listener for the `/tend` slash command: answered privately, in the ack."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.services.context import Services
from bot.services.tend_command import answer


def register(app: App, services: Services) -> None:
    def tend(ack: Ack, command: dict[str, Any]) -> None:
        reply = answer(services, user_id=command["user_id"], text=command.get("text", ""))
        ack(text=reply.text, blocks=reply.blocks, response_type="ephemeral")

    app.command("/tend")(tend)
