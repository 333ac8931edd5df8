"""Thin listeners for 'Share in digest': the message shortcut and its modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.core import sharing
from bot.handlers.after_ack import later, lazy
from bot.messages.ids import CallbackId
from bot.platform.context import Caller, Services
from bot.platform.followups import Followup, Note
from bot.platform.guard import record_id, submission_id, workspace


def register(app: App, services: Services) -> None:
    def shortcut(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack()
        caller = Caller(workspace(context), body["user"]["id"])
        refusal = sharing.open_share_modal(
            services, caller=caller, channel_id=body["channel"]["id"],
            message_ts=body["message"]["ts"], trigger_id=body["trigger_id"])
        if refusal:
            # The response_url reaches the person in any conversation; an ephemeral only
            # in one tend is in (elsewhere Slack answers channel_not_found).
            later(context, Followup(caller.workspace_id, (Note(
                caller.user_id, refusal, channel=body["channel"]["id"],
                response_url=body.get("response_url") or None),)))

    def submit(ack: Ack, body: dict[str, Any], view: dict[str, Any],
               context: BoltContext) -> None:
        values = view.get("state", {}).get("values", {})
        kind = (values.get("share_kind", {}).get("value", {}).get("selected_option") or {})
        named = values.get("share_named", {}).get("value", {}).get("selected_options") or []
        reply_id = record_id(view.get("private_metadata"))
        refusal = sharing.share(
            services, caller=Caller(workspace(context), body["user"]["id"]),
            reply_id=reply_id or 0,
            kind=str(kind.get("value", "")), named=any(o.get("value") == "named"
                                                       for o in named),
            submission_id=submission_id(view))
        if refusal:
            ack(response_action="errors", errors={"share_kind": refusal})
            return
        ack()

    app.shortcut(CallbackId.SHARE_SHORTCUT.value)(ack=shortcut, lazy=lazy(services))
    app.view(CallbackId.SHARE_MODAL.value)(submit)
