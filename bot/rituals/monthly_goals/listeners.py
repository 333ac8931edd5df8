"""Thin listeners for goal sharing: the session's button, its modal, the review buttons
and the carry-over form (its new date).

Their action and callback ids stay in `bot/messages/ids.py`: the request guard
(`bot/platform/guard.py`) checks that these buttons and the modal carry a row id."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.messages.ids import ActionId, CallbackId, goal_block
from bot.platform.context import Services
from bot.platform.followups import Followup, Note
from bot.platform.guard import channel_of, record_id, submission_id, workspace
from bot.rituals.base import AfterAck
from bot.rituals.monthly_goals import actions as goals
from bot.rituals.monthly_goals.rules import MAX_GOALS_PER_MONTH

DECISIONS = {
    ActionId.GOAL_DONE: "done",
    ActionId.GOAL_PARTLY: "partly",
    ActionId.GOAL_NOT_DONE: "not_done",
}


def _slots(view: dict[str, Any]) -> dict[int, dict[str, str | None]]:
    values = view.get("state", {}).get("values", {})
    slots: dict[int, dict[str, str | None]] = {}
    for slot in range(1, MAX_GOALS_PER_MONTH + 1):
        if goal_block(slot, "what") not in values:
            continue
        parts = {part: values.get(goal_block(slot, part), {}).get("value", {})
                 for part in ("what", "measure", "due")}
        slots[slot] = {"what": parts["what"].get("value"),
                       "measure": parts["measure"].get("value"),
                       "due": parts["due"].get("selected_date")}
    return slots


def register(app: App, services: Services, after_ack: AfterAck) -> None:
    later, lazy = after_ack.later, after_ack.lazy

    def share(ack: Ack, body: dict[str, Any], action: dict[str, Any],
              context: BoltContext) -> None:
        ack()
        occurrence_id = record_id(action.get("value"))
        if occurrence_id is None:
            return
        ws, user = workspace(context), body["user"]["id"]
        refusal = goals.open_goals_modal(services, workspace_id=ws, occurrence_id=occurrence_id,
                                         user_id=user, trigger_id=body["trigger_id"])
        if refusal:
            later(context, Followup(ws, (Note(user, refusal, channel=channel_of(body)),)))

    def submit(ack: Ack, body: dict[str, Any], view: dict[str, Any],
               context: BoltContext) -> None:
        ws = workspace(context)
        occurrence_id = record_id(view.get("private_metadata"))
        if occurrence_id is None:
            ack(response_action="errors",
                errors={goal_block(1, "what"): "This form has expired; open it again."})
            return
        result = goals.submit_goals(services, workspace_id=ws, user_id=body["user"]["id"],
                                    occurrence_id=occurrence_id, slots=_slots(view),
                                    submission_id=submission_id(view))
        if result.errors:
            ack(response_action="errors", errors=result.errors)
            return
        ack()
        if result.followup is not None:
            later(context, result.followup)

    def close(ack: Ack, body: dict[str, Any], action: dict[str, Any],
              context: BoltContext) -> None:
        ack()
        goal_id, review = record_id(action.get("value")), _review(body)
        if goal_id is None or review is None:
            return
        later(context, goals.close_from_review(
            services, workspace_id=workspace(context), goal_id=goal_id,
            decision=DECISIONS[action["action_id"]], user_id=body["user"]["id"],
            review=review))

    def carry(ack: Ack, body: dict[str, Any], action: dict[str, Any],
              context: BoltContext) -> None:
        ack()
        goal_id, review = record_id(action.get("value")), _review(body)
        if goal_id is None or review is None:
            return
        ws, user = workspace(context), body["user"]["id"]
        refusal = goals.open_carry_modal(services, workspace_id=ws, goal_id=goal_id,
                                         user_id=user, trigger_id=body["trigger_id"],
                                         review=review)
        if refusal:
            later(context, Followup(ws, (Note(user, refusal, channel=review.channel_id),)))

    def submit_carry(ack: Ack, body: dict[str, Any], view: dict[str, Any],
                     context: BoltContext) -> None:
        opened = goals.carry_metadata(view.get("private_metadata"))
        if opened is None:
            ack(response_action="errors",
                errors={goals.CARRY_DUE_BLOCK: "This form has expired; open it again."})
            return
        goal_id, review = opened
        picked = (view.get("state", {}).get("values", {}).get(goals.CARRY_DUE_BLOCK, {})
                  .get("value", {}).get("selected_date"))
        result = goals.carry_goal(services, workspace_id=workspace(context), goal_id=goal_id,
                                  user_id=body["user"]["id"], written_due=picked,
                                  review=review)
        if result.errors:
            ack(response_action="errors", errors=result.errors)
            return
        ack()
        if result.followup is not None:
            later(context, result.followup)

    app.action(ActionId.GOALS_SHARE.value)(ack=share, lazy=lazy(services))
    app.view(CallbackId.GOALS_MODAL.value)(ack=submit, lazy=lazy(services))
    for action_id in DECISIONS:
        app.action(action_id.value)(ack=close, lazy=lazy(services))
    app.action(ActionId.GOAL_CARRY.value)(ack=carry, lazy=lazy(services))
    app.view(CallbackId.GOAL_CARRY_MODAL.value)(ack=submit_carry, lazy=lazy(services))


def _review(body: dict[str, Any]) -> goals.ReviewMessage | None:
    """The review message a button was clicked in, and the goals it lists."""
    container = body.get("container", {})
    if not container.get("message_ts"):
        return None
    blocks = body.get("message", {}).get("blocks", [])
    return goals.ReviewMessage(
        container.get("channel_id", ""), container["message_ts"],
        tuple(goals.listed_goal_ids([str(b.get("block_id", "")) for b in blocks])))
