"""Slack ids the templates write and the handlers listen for: one list, no typos."""

from enum import StrEnum


class ActionId(StrEnum):
    COMMITMENT_ADD = "commitment_add"
    COMMITMENT_DONE = "commitment_done"
    COMMITMENT_NOT_YET = "commitment_not_yet"
    COMMITMENT_DROP = "commitment_drop"


class CallbackId(StrEnum):
    COMMITMENT_MODAL = "commitment_modal"


class BlockId(StrEnum):
    COMMITMENT_WHAT = "commitment_what"
    COMMITMENT_DUE = "commitment_due"


class InputId(StrEnum):
    COMMITMENT_WHAT = "what"
    COMMITMENT_DUE = "due"
