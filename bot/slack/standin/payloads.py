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


def _thread(thread_ts: str | None, parent_user: str | None = None) -> JSON:
    """A thread reply's fields: its thread, and (when known) who wrote the thread's parent."""
    if not thread_ts:
        return {}
    return {"thread_ts": thread_ts, **({"parent_user_id": parent_user} if parent_user else {})}


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
    subtype: str | None = None,
    root: JSON | None = None,
    parent_user: str | None = None,
) -> JSON:
    """A user's new message: no subtype, or one of the subtypes a person's message has
    (`file_share`, `me_message`, `thread_broadcast` with the thread's `root`), shaped as
    in tests/fixtures/slack/."""
    event: JSON = {
        **user_message(channel, user, text, ts, team_id),
        **_thread(thread_ts, parent_user),
        "channel": channel,
        "event_ts": ts,
        "channel_type": kind or channel_type(channel),
    }
    if subtype is None:
        return event
    event["subtype"] = subtype
    if subtype == "me_message":  # Slack's reference shows no blocks, team or client_msg_id
        for key in ("blocks", "team", "client_msg_id"):
            del event[key]
    elif subtype == "file_share":
        event.update(files=[shared_file(channel, ts, user, team_id)], upload=False,
                     display_as_bot=False)
    elif subtype == "thread_broadcast":
        event["root"] = root or {}
    else:
        raise ValueError(f"the stand-in does not build message subtype {subtype!r}")
    return event


def shared_file(channel: str, ts: str, user: str, team_id: str) -> JSON:
    """The `files[]` entry of a `file_share` message: a screenshot the person uploaded."""
    file_id = "F" + client_msg_id(channel, ts).replace("-", "")[:10].upper()
    private = f"https://files.slack.com/files-pri/{team_id}-{file_id}"
    created = int(float(ts))
    return {
        "id": file_id, "created": created, "timestamp": created, "name": "screenshot.png",
        "title": "screenshot.png", "mimetype": "image/png", "filetype": "png",
        "pretty_type": "PNG", "user": user, "user_team": team_id, "editable": False,
        "size": 92582, "mode": "hosted", "is_external": False, "external_type": "",
        "is_public": False, "public_url_shared": False, "display_as_bot": False,
        "username": "", "url_private": f"{private}/screenshot.png",
        "url_private_download": f"{private}/download/screenshot.png",
        "media_display_type": "unknown",
        "thumb_64": f"{private}/screenshot_64.png", "thumb_360": f"{private}/screenshot_360.png",
        "thumb_360_w": 360, "thumb_360_h": 115, "original_w": 1134, "original_h": 362,
        "permalink": f"https://standin.slack.com/files/{user}/{file_id}/screenshot.png",
        "permalink_public": f"https://slack-files.com/{team_id}-{file_id}",
        "has_rich_preview": False,
    }


def link_unfurl(url: str, *, attachment_id: int = 1) -> JSON:
    """An `attachments[]` entry Slack adds to a message when it unfurls a link in it."""
    host = url.split("/")[2] if "//" in url else url
    return {
        "id": attachment_id, "fallback": f"{host}: {host}", "from_url": url,
        "original_url": url, "title": host, "title_link": url, "text": f"A page on {host}.",
        "service_name": host, "service_icon": f"https://{host}/favicon.ico",
        "image_url": f"https://{host}/preview.png", "image_width": 1200,
        "image_height": 630, "image_bytes": 48545,
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
    edited: bool = True,
    edited_ts: str | None = None,
    attachments: list[JSON] | None = None,
    parent_user: str | None = None,
) -> JSON:
    """`message` event with subtype `message_changed` for message `ts`. The message
    carries `edited` when a person edited it, now (or earlier, at `edited_ts`); with
    `edited=False` it is a change Slack made itself, such as a link unfurl adding
    `attachments` to a message nobody edited."""
    changed = user_message(channel, user, new_text, ts, team_id)
    if edited:
        changed["edited"] = {"user": user, "ts": edited_ts or event_ts}
    if attachments:
        changed["attachments"] = attachments
    previous = user_message(channel, user, previous_text, ts, team_id)
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "message": {**changed, **_thread(thread_ts, parent_user)},
        "previous_message": {**previous, **_thread(thread_ts, parent_user)},
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
