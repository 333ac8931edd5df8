"""One gate for malformed payloads: a signed request whose body is not the shape Slack
sends gets a 400 and reaches neither Bolt nor a listener (Bolt itself fails with a 500
on some shapes, e.g. a block_actions payload with no actions, before any middleware)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from bot.messages.ids import ActionId, CallbackId

# tend's row ids are INTEGER columns (32-bit on PostgreSQL): nothing larger names a row.
MAX_RECORD_ID = 2**31 - 1

# Buttons whose value, and modals whose private_metadata, tend wrote as a row id.
ID_VALUED_ACTIONS = frozenset({
    ActionId.COMMITMENT_ADD, ActionId.COMMITMENT_DONE, ActionId.COMMITMENT_NOT_YET,
    ActionId.COMMITMENT_DROP, ActionId.QUAD_KEPT, ActionId.QUAD_PARTLY, ActionId.QUAD_MISSED,
    ActionId.GOALS_SHARE, ActionId.GOAL_DONE, ActionId.GOAL_PARTLY, ActionId.GOAL_NOT_DONE,
    ActionId.GOAL_CARRY, ActionId.PROPOSAL_YES, ActionId.PROPOSAL_NO, ActionId.PROPOSAL_KEEP,
    ActionId.PROPOSAL_CHANGE, ActionId.PROPOSAL_DROP,
})
ID_VALUED_VIEWS = frozenset({CallbackId.COMMITMENT_MODAL, CallbackId.GOALS_MODAL,
                             CallbackId.SHARE_MODAL})


def record_id(value: object) -> int | None:
    """A row id as tend writes it into a button or a modal ("42"), or None: no sign,
    exponent, spaces, underscores or non-ASCII digits, and within the column's range,
    so a forged "1e22" or "-1" never reaches the database. The door checks requests
    with it, and listeners parse ids with it too: Socket Mode has no door."""
    if not (isinstance(value, str) and value.isascii() and value.isdigit()
            and len(value) <= len(str(MAX_RECORD_ID))):
        return None
    number = int(value)
    return number if 0 < number <= MAX_RECORD_ID else None


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 64


def _user_ok(body: dict[str, Any]) -> bool:
    user = body.get("user")
    return isinstance(user, dict) and _is_id(user.get("id"))


def _block_actions_ok(body: dict[str, Any]) -> bool:
    actions = body.get("actions")
    return (_user_ok(body) and isinstance(actions, list) and len(actions) > 0
            and all(isinstance(a, dict) and _is_id(a.get("action_id"))
                    and (a["action_id"] not in ID_VALUED_ACTIONS
                         or record_id(a.get("value")) is not None) for a in actions)
            and isinstance(body.get("container", {}), dict)
            and isinstance(body.get("channel", {}), dict | type(None))
            and isinstance(body.get("message", {}), dict | type(None)))


def _view_ok(body: dict[str, Any]) -> bool:
    view = body.get("view")
    return (_user_ok(body) and isinstance(view, dict) and _is_id(view.get("callback_id"))
            and _is_id(view.get("id")) and _is_id(view.get("hash"))  # once per view
            and isinstance(view.get("state", {}), dict)
            and isinstance(view.get("state", {}).get("values", {}), dict)
            and isinstance(view.get("private_metadata", ""), str)
            and (view["callback_id"] not in ID_VALUED_VIEWS
                 or record_id(view.get("private_metadata")) is not None))


def _message_action_ok(body: dict[str, Any]) -> bool:
    message, channel = body.get("message"), body.get("channel")
    return (_user_ok(body) and isinstance(message, dict) and _is_id(message.get("ts"))
            and isinstance(channel, dict) and _is_id(channel.get("id"))
            and _is_id(body.get("trigger_id")))


def _event_ok(body: dict[str, Any]) -> bool:
    event = body.get("event")
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        return False
    if event["type"] == "app_home_opened":
        return _is_id(event.get("user")) and isinstance(event.get("tab", ""), str)
    if event["type"] != "message":
        return True
    fields = ("channel", "user", "ts", "thread_ts", "deleted_ts", "text", "subtype")
    return (all(isinstance(event.get(f, ""), str | type(None)) for f in fields)
            and isinstance(event.get("message", {}), dict | type(None)))


def _command_ok(body: dict[str, Any]) -> bool:
    return _is_id(body.get("user_id")) and isinstance(body.get("text", ""), str)


CHECKS: dict[str, Callable[[dict[str, Any]], bool]] = {
    "block_actions": _block_actions_ok,
    "view_submission": _view_ok,
    "message_action": _message_action_ok,
    "event_callback": _event_ok,
}


# Sent by Slack itself, with nothing for a listener to trip on.
PASSED_THROUGH = frozenset({"url_verification", "app_rate_limited"})


def well_formed(body: dict[str, Any]) -> bool:
    """Only the kinds of request tend subscribes to, in the shape Slack sends them."""
    if "command" in body:
        return _command_ok(body)
    if body.get("ssl_check") or body.get("type") in PASSED_THROUGH:
        return True
    check = CHECKS.get(str(body.get("type")))
    return check is not None and check(body)


def parse_body(raw: bytes, content_type: str) -> dict[str, Any] | None:
    """Slack's three encodings: JSON events, form `payload=` interactions, form commands."""
    try:
        if content_type.startswith("application/json"):
            body = json.loads(raw)
        else:
            form = {k: v[0] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}
            body = json.loads(form["payload"]) if "payload" in form else form
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None
    return body if isinstance(body, dict) else None


# Matches no workspace: a request without one reaches nothing (never the '' placeholder).
NO_WORKSPACE = "-"


def workspace(context: Any) -> str:
    """The workspace a request came from, as Bolt read it from the signed body."""
    team_id = getattr(context, "team_id", None)
    return team_id if isinstance(team_id, str) and _is_id(team_id) else NO_WORKSPACE


def channel_of(body: dict[str, Any]) -> str:
    """The conversation an interaction came from ("" for one in a Home or a modal)."""
    return str((body.get("channel") or {}).get("id", ""))


def submission_id(view: dict[str, Any]) -> str:
    """The key a modal's submission is recorded once under: its view id and hash, as
    Slack sends them (a double click or a replay repeats both; a `views.update` changes
    the hash). Hashed to fit `processed_event.event_id`, whatever their length."""
    key = f"{view.get('id')}\x1f{view.get('hash')}".encode()
    return "view:" + hashlib.sha256(key).hexdigest()[:40]
