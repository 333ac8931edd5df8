"""Thin listeners for proposals: the *Propose a change* button, the proposal modal,
and the secret vote buttons. Parse, acknowledge, delegate (bot/core/proposals.py)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.core import proposals
from bot.handlers.after_ack import later, lazy
from bot.messages.ids import VOTE_ACTIONS, ActionId, CallbackId
from bot.platform.context import Caller, Services
from bot.platform.followups import Followup, Home, Note
from bot.platform.guard import channel_of, record_id, submission_id, workspace

CHOICE_OF = {action.value: choice for choice, action in VOTE_ACTIONS.items()}


def register(app: App, services: Services) -> None:
    def propose(ack: Ack, body: dict[str, Any], action: dict[str, Any],
                context: BoltContext) -> None:
        """From the Home, or a retro result's thread (value: "team_key:ritual_kind")."""
        ack()
        caller = Caller(workspace(context), body["user"]["id"])
        value = str(action.get("value") or "")
        team_key, _, kind = value.partition(":")
        refusal = proposals.open_propose(services, caller=caller, trigger_id=body["trigger_id"],
                                         team_key=team_key or None, ritual_kind=kind or None)
        if refusal:
            channel = channel_of(body)
            step = (Note(caller.user_id, refusal, channel=channel) if channel
                    else Home(caller.user_id, refusal))
            later(context, Followup(caller.workspace_id, (step,)))

    def submit(ack: Ack, body: dict[str, Any], view: dict[str, Any],
               context: BoltContext) -> None:
        caller = Caller(workspace(context), body["user"]["id"])
        values = view.get("state", {}).get("values", {})
        errors = proposals.submit_proposal(services, caller=caller, values=values,
                                           submission_id=submission_id(view))
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        # a modal has no conversation to answer in: the note goes on top of the Home
        later(context, Followup(caller.workspace_id, (
            Home(caller.user_id, proposals.confirmation(values)),)))

    def on_vote(ack: Ack, body: dict[str, Any], action: dict[str, Any],
                context: BoltContext) -> None:
        ack()
        proposal_id = record_id(action.get("value"))
        if proposal_id is None:
            return
        later(context, proposals.vote(
            services, workspace_id=workspace(context), proposal_id=proposal_id,
            choice=CHOICE_OF[action["action_id"]], user_id=body["user"]["id"],
            channel_id=channel_of(body)))

    app.action(ActionId.PROPOSE.value)(ack=propose, lazy=lazy(services))
    app.view(CallbackId.PROPOSE_MODAL.value)(ack=submit, lazy=lazy(services))
    for action_id in VOTE_ACTIONS.values():
        app.action(action_id.value)(ack=on_vote, lazy=lazy(services))
