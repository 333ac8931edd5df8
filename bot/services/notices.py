"""Private notices: refusals and hints only the person who acted can see."""

from __future__ import annotations

import logging

from bot.messages.render import render_message
from bot.services.context import Services
from bot.slack.gateway import SlackCallError

log = logging.getLogger(__name__)


def tell_privately(services: Services, *, workspace_id: str, channel: str, user: str,
                   text: str) -> None:
    """An ephemeral message; if Slack refuses it, the refusal stands and is logged."""
    note = render_message("notice.json.j2", text=text)
    try:
        services.gateway_for(workspace_id).post_ephemeral(channel, user, text=note.text,
                                                          blocks=note.blocks)
    except SlackCallError as exc:
        log.warning("private notice not delivered: %s", exc)
