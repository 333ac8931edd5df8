"""Thin listeners for the check-in's buttons and its commitment modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.core import commitment_actions, home
from bot.domain.enums import CommitmentDecision
from bot.handlers.after_ack import later, lazy
from bot.messages.ids import ActionId, BlockId, CallbackId, InputId
from bot.platform.context import Services
from bot.platform.followups import Followup, Note
from bot.platform.guard import channel_of, record_id, submission_id, workspace

DECISIONS = {
    ActionId.COMMITMENT_DONE: CommitmentDecision.DONE,
    ActionId.COMMITMENT_NOT_YET: CommitmentDecision.NOT_YET,
    ActionId.COMMITMENT_DROP: CommitmentDecision.DROP,
    ActionId.QUAD_KEPT: CommitmentDecision.KEPT,
    ActionId.QUAD_PARTLY: CommitmentDecision.PARTLY,
    ActionId.QUAD_MISSED: CommitmentDecision.MISSED,
}


def register(app: App, services: Services) -> None:
    def add_commitment(ack: Ack, body: dict[str, Any], action: dict[str, Any],
                       context: BoltContext) -> None:
        ack()
        occurrence_id = record_id(action.get("value"))
        if occurrence_id is None:
            return
        ws, user = workspace(context), body["user"]["id"]
        refusal = commitment_actions.open_commitment_modal(
            services, workspace_id=ws, occurrence_id=occurrence_id, user_id=user,
            trigger_id=body["trigger_id"])
        if refusal:
            later(context, Followup(ws, (Note(user, refusal, channel=channel_of(body)),)))

    def close(ack: Ack, body: dict[str, Any], action: dict[str, Any],
              context: BoltContext) -> None:
        ack()
        ws = workspace(context)
        commitment_id = record_id(action.get("value"))
        container = body.get("container", {})
        if commitment_id is None:
            return
        if container.get("type") == "view":  # a click in the App Home tab
            later(context, home.close_from_home(
                services, workspace_id=ws, commitment_id=commitment_id,
                decision=DECISIONS[action["action_id"]], user_id=body["user"]["id"]))
            return
        if not container.get("message_ts"):
            return
        later(context, commitment_actions.close_from_button(
            services, workspace_id=ws, commitment_id=commitment_id,
            decision=DECISIONS[action["action_id"]],
            user_id=body["user"]["id"], channel_id=container.get("channel_id", ""),
            message_ts=container["message_ts"]))

    def submit(ack: Ack, body: dict[str, Any], view: dict[str, Any],
               context: BoltContext) -> None:
        values = view.get("state", {}).get("values", {})
        what = values.get(BlockId.COMMITMENT_WHAT, {}).get(InputId.COMMITMENT_WHAT, {})
        due = values.get(BlockId.COMMITMENT_DUE, {}).get(InputId.COMMITMENT_DUE, {})
        occurrence_id = record_id(view.get("private_metadata"))
        if occurrence_id is None:
            ack(response_action="errors",
                errors={BlockId.COMMITMENT_WHAT: "This form has expired; open it again."})
            return
        submission = commitment_actions.submit_commitment(
            services, workspace_id=workspace(context), user_id=body["user"]["id"],
            occurrence_id=occurrence_id,
            what=what.get("value") or "", due=due.get("selected_date"),
            submission_id=submission_id(view))
        if submission.errors:
            ack(response_action="errors", errors=submission.errors)
            return
        ack()
        if submission.followup is not None:
            later(context, submission.followup)

    app.action(ActionId.COMMITMENT_ADD.value)(ack=add_commitment, lazy=lazy(services))
    for action_id in DECISIONS:
        app.action(action_id.value)(ack=close, lazy=lazy(services))
    app.view(CallbackId.COMMITMENT_MODAL.value)(ack=submit, lazy=lazy(services))
