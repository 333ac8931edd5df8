"""Builders for what Slack sends to an app: events, interaction payloads, commands.

Pure functions shaped as Slack documents them; `SlackStandIn` fills in the ids, ts
values and stored messages/views it knows about.
"""

from __future__ import annotations

import uuid
from typing import Any

JSON = dict[str, Any]
VERIFICATION_TOKEN = "standin-verification-token"  # the deprecated body `token`
_MSG_NAMESPACE = uuid.UUID("5f1b0c3e-7d55-4f55-9f8e-5ac4c0d1e001")


def channel_type(channel_id: str) -> str:
    """Slack's `channel_type` guessed from the id prefix (D → im, G → mpim, else channel)."""
    return {"D": "im", "G": "mpim"}.get(channel_id[:1], "channel")


def client_msg_id(channel: str, ts: str) -> str:
    """Stable per message, so edits and deletions carry the original's id."""
    return str(uuid.uuid5(_MSG_NAMESPACE, f"{channel}/{ts}"))


def rich_text(text: str) -> list[JSON]:
    section = {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
    return [{"type": "rich_text", "block_id": "stdin", "elements": [section]}]


def _thread(thread_ts: str | None) -> JSON:
    return {"thread_ts": thread_ts} if thread_ts else {}


def user_message(channel: str, user: str, text: str, ts: str, team_id: str) -> JSON:
    return {
        "type": "message",
        "user": user,
        "text": text,
        "ts": ts,
        "team": team_id,
        "client_msg_id": client_msg_id(channel, ts),
        "blocks": rich_text(text),
    }


# events ---------------------------------------------------------------------------------


def message_event(
    channel: str,
    user: str,
    text: str,
    ts: str,
    thread_ts: str | None = None,
    *,
    team_id: str = "T0STANDIN",
    kind: str | None = None,
) -> JSON:
    """A user's new message (`message` event, no subtype)."""
    return {
        **user_message(channel, user, text, ts, team_id),
        **_thread(thread_ts),
        "channel": channel,
        "event_ts": ts,
        "channel_type": kind or channel_type(channel),
    }


def message_changed_event(
    channel: str,
    ts: str,
    new_text: str,
    user: str,
    thread_ts: str | None = None,
    *,
    event_ts: str,
    previous_text: str = "",
    team_id: str = "T0STANDIN",
    kind: str | None = None,
) -> JSON:
    """`message` event with subtype `message_changed` for an edit of message `ts`."""
    edited = user_message(channel, user, new_text, ts, team_id)
    edited["edited"] = {"user": user, "ts": event_ts}
    previous = user_message(channel, user, previous_text, ts, team_id)
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "message": {**edited, **_thread(thread_ts)},
        "previous_message": {**previous, **_thread(thread_ts)},
        "channel": channel,
        "ts": event_ts,
        "event_ts": event_ts,
        "channel_type": kind or channel_type(channel),
    }


def message_deleted_event(
    channel: str,
    deleted_ts: str,
    thread_ts: str | None = None,
    *,
    event_ts: str,
    previous_user: str = "",
    previous_text: str = "",
    team_id: str = "T0STANDIN",
    kind: str | None = None,
) -> JSON:
    """`message` event with subtype `message_deleted` for message `deleted_ts`."""
    previous = user_message(channel, previous_user, previous_text, deleted_ts, team_id)
    return {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "deleted_ts": deleted_ts,
        "previous_message": {**previous, **_thread(thread_ts)},
        "channel": channel,
        "ts": event_ts,
        "event_ts": event_ts,
        "channel_type": kind or channel_type(channel),
    }


def event_callback(
    event: JSON, *, team_id: str, api_app_id: str, bot_user_id: str, event_id: str, event_time: int
) -> JSON:
    """The Events API envelope around one event."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "context_team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{event_id}",
    }


def enterprise_name(enterprise_id: str) -> str:
    return f"Org {enterprise_id}"


def in_enterprise(body: JSON, enterprise_id: str) -> JSON:
    """What a workspace of an Enterprise Grid adds to what Slack sends: its organisation's
    id in an event's envelope and `authorizations`, in an interaction's `enterprise` and
    `team`, in a slash command's form (as in bolt-python's shared-channel and Grid tests)."""
    body, name = dict(body), enterprise_name(enterprise_id)
    if body.get("type") == "event_callback":
        body["enterprise_id"] = body["context_enterprise_id"] = enterprise_id
        body["authorizations"] = [{**a, "enterprise_id": enterprise_id}
                                  for a in body.get("authorizations", [])]
    elif "command" in body:
        body.update(enterprise_id=enterprise_id, enterprise_name=name)
    else:
        body["enterprise"] = {"id": enterprise_id, "name": name}
        if isinstance(body.get("team"), dict):
            body["team"] = {**body["team"], "enterprise_id": enterprise_id,
                            "enterprise_name": name}
    return body


# interactions ---------------------------------------------------------------------------


def _user(user_id: str, team_id: str) -> JSON:
    handle = user_id.lower()
    return {"id": user_id, "username": handle, "name": handle, "team_id": team_id}


def _team(team_id: str) -> JSON:
    return {"id": team_id, "domain": "standin"}


def find_element(blocks: list[JSON] | None, action_id: str) -> tuple[str | None, JSON | None]:
    """(block_id, element) of the interactive element with this action_id, if any."""
    for block in blocks or []:
        elements = [block.get("accessory"), block.get("element"), *block.get("elements", [])]
        for element in elements:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return block.get("block_id"), element
    return None, None


def action_object(
    action_id: str, value: str, block_id: str, element: JSON | None, action_ts: str
) -> JSON:
    """One entry of `actions`, shaped by the element type (button vs. option pickers)."""
    element = element or {"type": "button"}
    action: JSON = {
        "action_id": action_id,
        "block_id": block_id,
        "type": element.get("type", "button"),
        "action_ts": action_ts,
    }
    options = element.get("options") or [
        o for group in element.get("option_groups", []) for o in group.get("options", [])
    ]
    if options:
        plain = {"type": "plain_text", "text": value}
        chosen = next((o for o in options if o.get("value") == value), None)
        action["selected_option"] = chosen or {"text": plain, "value": value}
        return action
    action["value"] = value
    if action["type"] == "button":
        action["text"] = element.get("text", {"type": "plain_text", "text": value})
        if "style" in element:
            action["style"] = element["style"]
    return action


def block_actions_payload(
    user_id: str,
    action_id: str,
    value: str,
    channel: str | None = None,
    message_ts: str | None = None,
    trigger_id: str = "",
    block_id: str | None = None,
    *,
    team_id: str = "T0STANDIN",
    api_app_id: str = "A0STANDIN",
    response_url: str = "",
    action_ts: str = "",
    message: JSON | None = None,
    view: JSON | None = None,
) -> JSON:
    """`block_actions` for a click on a message (channel + message_ts) or in a view."""
    blocks = (view or message or {}).get("blocks")
    found_block_id, element = find_element(blocks, action_id)
    action = action_object(
        action_id, value, block_id or found_block_id or "standin", element, action_ts
    )
    payload: JSON = {
        "type": "block_actions",
        "user": _user(user_id, team_id),
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "team": _team(team_id),
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": {}},
        "actions": [action],
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id")}
        payload["view"] = view
        return payload
    container = {
        "type": "message",
        "message_ts": message_ts,
        "channel_id": channel,
        "is_ephemeral": False,
    }
    if message and message.get("thread_ts") and message.get("thread_ts") != message_ts:
        container["thread_ts"] = message["thread_ts"]
    payload.update(
        container=container,
        channel={"id": channel, "name": channel},
        message=message or {"type": "message", "ts": message_ts, "text": ""},
        response_url=response_url,
    )
    return payload


def state_values(values: JSON) -> JSON:
    """`view.state.values`; a plain string leaf becomes a plain_text_input value."""
    return {
        block_id: {action_id: _leaf(leaf) for action_id, leaf in actions.items()}
        for block_id, actions in values.items()
    }


def _leaf(leaf: Any) -> JSON:
    return leaf if isinstance(leaf, dict) else {"type": "plain_text_input", "value": leaf}


def view_submission_payload(
    user_id: str,
    callback_id: str,
    values: JSON,
    private_metadata: str = "",
    *,
    team_id: str = "T0STANDIN",
    api_app_id: str = "A0STANDIN",
    trigger_id: str = "",
    view: JSON | None = None,
) -> JSON:
    """`view_submission` of a modal; `view` is the opened view when known."""
    submitted = {
        "id": "V0STANDIN",
        "type": "modal",
        "blocks": [],
        "team_id": team_id,
        "app_id": api_app_id,
        **(view or {}),
        "callback_id": callback_id,
        "private_metadata": private_metadata,
        "state": {"values": state_values(values)},
    }
    return {
        "type": "view_submission",
        "team": _team(team_id),
        "user": _user(user_id, team_id),
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "view": submitted,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def slash_command_form(
    *,
    command: str,
    text: str,
    user_id: str,
    channel_id: str,
    channel_name: str,
    team_id: str,
    api_app_id: str,
    response_url: str,
    trigger_id: str,
) -> dict[str, str]:
    """The form fields Slack POSTs for a slash command."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": "standin",
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }
