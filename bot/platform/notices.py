"""Private notices: refusals and hints only the person who acted can see."""

from __future__ import annotations

import logging
from typing import Any

from bot.messages.render import Template, render_message
from bot.platform.context import Services
from bot.slack.gateway import SlackCallError, respond

log = logging.getLogger(__name__)


def tell_privately(services: Services, *, workspace_id: str, channel: str, user: str,
                   text: str, thread_ts: str | None = None,
                   response_url: str | None = None, replace_original: bool = False) -> None:
    """A note only `user` sees: through the interaction's `response_url` when there is one
    (it works in any conversation), else an ephemeral in `channel`, in the thread
    `thread_ts` if given. If Slack refuses it, the refusal stands and is logged."""
    note = render_message(Template.NOTICE, text=text)
    try:
        if response_url:
            respond(response_url, text=note.text, blocks=note.blocks,
                    replace_original=replace_original)
        else:
            services.gateway_for(workspace_id).post_ephemeral(
                channel, user, text=note.text, blocks=note.blocks, thread_ts=thread_ts)
    except SlackCallError as exc:
        log.warning("private notice not delivered: %s", exc)


def open_form(services: Services, *, workspace_id: str, trigger_id: str,
              view: dict[str, Any], form: str, again: str) -> str | None:
    """Open a modal; None when Slack opened it, else what to tell the person privately
    (views.open refused, e.g. an expired trigger) and how to try `again`."""
    try:
        services.gateway_for(workspace_id).open_view(trigger_id, view)
    except SlackCallError as exc:
        log.warning("%s form not opened: %s", form, exc)
        return _form_not_opened(exc, again=again)
    return None


def _form_not_opened(exc: SlackCallError, *, again: str) -> str:
    """What to tell someone whose form Slack would not open (views.open refused)."""
    if exc.error in ("expired_trigger_id", "invalid_trigger_id", "exchanged_trigger_id"):
        return f"That took too long and Slack closed the form before it opened. {again}"
    return (f"Slack would not open the form ({exc.error}). {again} If it keeps happening, "
            "tell whoever runs tend.")
