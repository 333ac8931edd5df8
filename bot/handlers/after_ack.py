"""Acknowledge first, work after.

Bolt runs with `process_before_response`, so Slack gets its answer only when the ack
function returns. An ack function therefore only persists (and makes the Slack calls its
answer needs, e.g. views.open), then leaves the rest as a `Followup` with `later()`. Bolt
answers Slack and runs the followup as a lazy listener in its thread pool, where a slow
or rate-limited Slack (slack_sdk sleeps through a 429's Retry-After) delays only the
followup, never the answer.

Bolt deep-copies the request's context for its lazy listeners after the ack function
has returned (slack_bolt.listener.thread_runner), which is how the followup gets there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext

from bot.core import home
from bot.platform.context import Services
from bot.platform.followups import Followup, Home, Note, Post, Reaction, Step, Update
from bot.platform.notices import tell_privately
from bot.slack.gateway import SlackCallError

log = logging.getLogger(__name__)

KEY = "tend_followup"


def later(context: BoltContext, followup: Followup) -> None:
    """What to do once Slack has its answer."""
    context[KEY] = followup


def lazy(services: Services) -> list[Callable[..., Any]]:
    """The `lazy=` of a listener whose ack function calls `later()`."""
    def run_followup(context: BoltContext) -> None:
        followup = context.get(KEY)
        if isinstance(followup, Followup):
            run(services, followup)
    return [run_followup]


def run(services: Services, followup: Followup) -> None:
    """Each step on its own: one refused call is logged and the rest still happen."""
    published = set()
    for step in followup.steps:
        try:
            _do(services, followup.workspace_id, step)
        except SlackCallError as exc:
            log.warning("after the ack, %s not done: %s", type(step).__name__.lower(), exc)
        if isinstance(step, Home):
            published.add(step.user)
    home.refresh_homes(services, followup.workspace_id,
                       [user for user in followup.homes if user not in published])


def _do(services: Services, workspace_id: str, step: Step) -> None:
    if isinstance(step, Note):
        tell_privately(services, workspace_id=workspace_id, channel=step.channel,
                       user=step.user, text=step.text, thread_ts=step.thread_ts,
                       response_url=step.response_url, replace_original=step.replace_original)
    elif isinstance(step, Home):
        home.publish_home(services, workspace_id, step.user, notice=step.notice)
    else:
        gateway = services.gateway_for(workspace_id)
        if isinstance(step, Update):
            gateway.update_message(step.channel, step.ts, text=step.text, blocks=step.blocks)
        elif isinstance(step, Post):
            gateway.post_message(step.channel, text=step.text, blocks=step.blocks,
                                 thread_ts=step.thread_ts)
        elif isinstance(step, Reaction):
            gateway.add_reaction(step.channel, step.ts, step.name)
