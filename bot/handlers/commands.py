"""Thin listeners for `/tend`, its setup modal, and the buttons its answers carry."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.core import personal_data, proposals, setup
from bot.core.tend_command import answer, away_this_week
from bot.handlers.after_ack import later, lazy
from bot.messages.ids import ActionId, CallbackId
from bot.platform.context import Caller, Services
from bot.platform.followups import Followup, Home, Note
from bot.platform.guard import channel_of, submission_id, workspace


def _caller(context: BoltContext, user_id: str) -> Caller:
    return Caller(workspace(context), user_id)


def register(app: App, services: Services) -> None:
    def tend(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
        caller = _caller(context, command["user_id"])
        reply = answer(services, caller, command.get("text", ""))
        if reply.open_propose:  # views.open must use the trigger within 3 s
            refusal = proposals.open_propose(services, caller=caller,
                                             trigger_id=command["trigger_id"])
            if refusal:
                ack(text=refusal, response_type="ephemeral")
            else:
                ack()
            return
        if reply.open_setup is not None:  # views.open must use the trigger within 3 s
            refusal = setup.open_setup(services, caller=caller,
                                       trigger_id=command["trigger_id"],
                                       key=reply.open_setup or None)
            if refusal:
                ack(text=refusal, response_type="ephemeral")
            else:
                ack()
            return
        ack(text=reply.message.text, blocks=reply.message.blocks, response_type="ephemeral")

    def after_ack(command: dict[str, Any], context: BoltContext) -> None:
        # Slow work, after Slack has its answer: building and uploading the export.
        words = command.get("text", "").split()
        if words and words[0].lower() == "my-data":
            personal_data.send_my_data(services, _caller(context, command["user_id"]))

    def save_setup(ack: Ack, body: dict[str, Any], view: dict[str, Any],
                   context: BoltContext) -> None:
        caller = _caller(context, body["user"]["id"])
        errors = setup.save_setup(services, caller=caller,
                                  key=view.get("private_metadata") or None,
                                  values=view.get("state", {}).get("values", {}),
                                  submission_id=submission_id(view))
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        # A Home per member is a Slack call each: after the ack, or a big team times out.
        later(context, Followup(caller.workspace_id, homes=tuple(
            setup.people_of_saved_team(services, caller, view))))

    def edit_from_home(ack: Ack, body: dict[str, Any], action: dict[str, Any],
                       context: BoltContext) -> None:
        ack()
        caller = _caller(context, body["user"]["id"])
        refusal = setup.open_setup(services, caller=caller, trigger_id=body["trigger_id"],
                                   key=str(action.get("value") or "") or None)
        if refusal:  # a Home has no conversation to answer in: the note goes on top of it
            later(context, Followup(caller.workspace_id, (Home(caller.user_id, refusal),)))

    def forget_me(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack()
        caller = _caller(context, body["user"]["id"])
        done = personal_data.forget(services, caller)
        response_url, channel = body.get("response_url") or None, channel_of(body)
        if response_url or channel:  # a response_url replaces the confirmation clicked
            later(context, Followup(caller.workspace_id, (Note(
                caller.user_id, done, channel=channel, response_url=response_url,
                replace_original=True),)))

    def skip_me(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack()
        caller = _caller(context, body["user"]["id"])
        text = away_this_week(services, caller)
        later(context, Followup(caller.workspace_id,
                                (Note(caller.user_id, text, channel=channel_of(body)),),
                                homes=(caller.user_id,)))

    app.command("/tend")(ack=tend, lazy=[after_ack])
    app.view(CallbackId.SETUP_MODAL.value)(ack=save_setup, lazy=lazy(services))
    app.action(ActionId.FORGET_ME_CONFIRM.value)(ack=forget_me, lazy=lazy(services))
    app.action(ActionId.SKIP_ME_THIS_WEEK.value)(ack=skip_me, lazy=lazy(services))
    app.action(ActionId.HOME_EDIT_TEAM.value)(ack=edit_from_home, lazy=lazy(services))
