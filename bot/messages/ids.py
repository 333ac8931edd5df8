"""Slack ids the templates write and the handlers listen for: one list, no typos."""

from enum import StrEnum


class ActionId(StrEnum):
    COMMITMENT_ADD = "commitment_add"
    COMMITMENT_DONE = "commitment_done"
    COMMITMENT_NOT_YET = "commitment_not_yet"
    COMMITMENT_DROP = "commitment_drop"
    GOALS_SHARE = "goals_share"
    GOAL_DONE = "goal_done"
    GOAL_PARTLY = "goal_partly"
    GOAL_NOT_DONE = "goal_not_done"
    GOAL_CARRY = "goal_carry"
    QUAD_KEPT = "quad_kept"
    QUAD_PARTLY = "quad_partly"
    QUAD_MISSED = "quad_missed"
    HOME_EDIT_TEAM = "home_edit_team"
    FORGET_ME_CONFIRM = "forget_me_confirm"
    SKIP_ME_THIS_WEEK = "skip_me_this_week"
    REMINDERS_OFF = "reminders_off"
    PROPOSE = "propose"  # opens the proposal modal (Home, a retro's thread)
    PROPOSAL_YES = "proposal_yes"
    PROPOSAL_NO = "proposal_no"
    PROPOSAL_KEEP = "proposal_keep"
    PROPOSAL_CHANGE = "proposal_change"
    PROPOSAL_DROP = "proposal_drop"


class CallbackId(StrEnum):
    COMMITMENT_MODAL = "commitment_modal"
    GOALS_MODAL = "goals_modal"
    GOAL_CARRY_MODAL = "goal_carry_modal"  # the carried goal's new date
    SHARE_MODAL = "share_modal"
    SETUP_MODAL = "setup_modal"
    SHARE_SHORTCUT = "share_in_digest"
    PROPOSE_MODAL = "propose_modal"


# A proposal's vote buttons, by the choice each records.
VOTE_ACTIONS = {"yes": ActionId.PROPOSAL_YES, "no": ActionId.PROPOSAL_NO,
                "keep": ActionId.PROPOSAL_KEEP, "change": ActionId.PROPOSAL_CHANGE,
                "drop": ActionId.PROPOSAL_DROP}


class BlockId(StrEnum):
    COMMITMENT_WHAT = "commitment_what"
    COMMITMENT_DUE = "commitment_due"


class InputId(StrEnum):
    COMMITMENT_WHAT = "what"
    COMMITMENT_DUE = "due"


def goal_block(slot: int, part: str) -> str:
    """Block ids of the goals modal: goal1_what, goal1_measure, goal1_due, …"""
    return f"goal{slot}_{part}"
