"""Slack Web API method semantics over `StandInState`: `call(state, method, params)`.

Each method takes decoded params and returns Slack's JSON body. Errors raise
`SlackError` and come back as `{"ok": false, "error": ...}`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from bot.slack.standin.payloads import enterprise_name
from bot.slack.standin.shapes import channel_object, message_object, user_object, view_object
from bot.slack.standin.state import (
    JSON,
    Channel,
    Ephemeral,
    Message,
    StandInState,
    UploadedFile,
)
from bot.slack.standin.view_checks import preselection_problems, text_input_problems

Method = Callable[[StandInState, JSON], JSON]
METHODS: dict[str, Method] = {}


class SlackError(Exception):
    """A Slack API error code, answered as {"ok": false, "error": code}."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


def api_method(name: str) -> Callable[[Method], Method]:
    def register(fn: Method) -> Method:
        METHODS[name] = fn
        return fn

    return register


def call(state: StandInState, method: str, params: JSON) -> JSON:
    """Run `method` under the state lock; Slack's JSON answer either way."""
    handler = METHODS.get(method)
    if handler is None:
        return {"ok": False, "error": "unknown_method", "req_method": method}
    try:
        with state.lock:
            return {"ok": True, **handler(state, params)}
    except SlackError as err:
        return {"ok": False, "error": err.error, **err.extra}


# params ---------------------------------------------------------------------------------


def text_param(params: JSON, name: str) -> str:
    value = params.get(name)
    return "" if value is None else str(value)


def flag_param(params: JSON, name: str) -> bool:
    return params.get(name) in (True, 1, "1", "true", "True")


def int_param(params: JSON, name: str, default: int) -> int:
    try:
        return int(params.get(name, default))
    except (TypeError, ValueError):
        raise SlackError("invalid_arguments") from None


def ts_param(params: JSON, name: str, default: float) -> float:
    try:
        return float(params.get(name) or default)
    except (TypeError, ValueError):
        raise SlackError(f"invalid_ts_{name}") from None


def json_param(params: JSON, name: str) -> Any:
    value = params.get(name)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise SlackError("invalid_arguments") from None
    return value


# lookups --------------------------------------------------------------------------------


def known_user(state: StandInState, user_id: str) -> Any:
    user = state.users.get(user_id)
    if user is None:
        raise SlackError("user_not_found")
    return user


def visible_channel(state: StandInState, channel_id: str) -> Channel:
    """The channel as the bot sees it: private ones it is not in do not exist."""
    if channel_id.startswith("U") and channel_id in state.users:
        return state.im_for(channel_id)
    channel = state.channels.get(channel_id)
    if channel is None or (channel.is_private and not channel.bot_is_member):
        raise SlackError("channel_not_found")
    return channel


def member_channel(state: StandInState, channel_id: str) -> Channel:
    channel = visible_channel(state, channel_id)
    if not channel.bot_is_member:
        raise SlackError("not_in_channel")
    return channel


def stored_message(state: StandInState, channel_id: str, ts: str) -> Message:
    message = state.find_message(channel_id, ts)
    if message is None:
        raise SlackError("message_not_found")
    return message


# auth, users ----------------------------------------------------------------------------


@api_method("auth.test")
def auth_test(state: StandInState, params: JSON) -> JSON:
    return _auth_body(state, state.team_id)


def auth_test_for(state: StandInState, team_id: str) -> JSON:
    """auth.test as the token's own workspace answers it."""
    with state.lock:
        return {"ok": True, **_auth_body(state, team_id)}


def oauth_access(state: StandInState, params: JSON) -> JSON:
    """oauth.v2.access: exchange a code granted by add_oauth_code for a bot token."""
    with state.lock:
        grant = state.oauth_grants.pop(str(params.get("code") or ""), None)
        if grant is None:
            return {"ok": False, "error": "invalid_code"}
        state.tokens[grant.bot_token] = grant.team_id
        state.revoked.discard(grant.bot_token)
        if grant.enterprise_id:
            state.enterprises[grant.team_id] = grant.enterprise_id
    # A workspace of an Enterprise Grid names its organisation; the install is still the
    # workspace's own (is_enterprise_install: tend's manifest has org_deploy_enabled off).
    enterprise = (None if grant.enterprise_id is None
                  else {"id": grant.enterprise_id, "name": enterprise_name(grant.enterprise_id)})
    return {"ok": True, "app_id": state.app_id, "authed_user": {"id": grant.installer},
            "scope": "chat:write,commands", "token_type": "bot",
            "access_token": grant.bot_token, "bot_user_id": state.bot_user_id,
            "team": {"id": grant.team_id, "name": grant.team_name}, "enterprise": enterprise,
            "is_enterprise_install": False}


def _auth_body(state: StandInState, team_id: str) -> JSON:
    body = {
        "url": f"https://{state.team_domain}.slack.com/",
        "team": "Stand-in",
        "user": state.users[state.bot_user_id].name,
        "team_id": team_id,
        "user_id": state.bot_user_id,
        "bot_id": state.bot_id,
        "is_enterprise_install": False,
    }
    if team_id in state.enterprises:  # a Grid workspace's token also names its org
        body["enterprise_id"] = state.enterprises[team_id]
    return body


@api_method("users.info")
def users_info(state: StandInState, params: JSON) -> JSON:
    user = known_user(state, text_param(params, "user"))
    return {"user": user_object(state, user)}


# Slack's own page size limit for users.list; it recommends 200 or fewer.
USERS_LIST_MAX = 1000


@api_method("users.list")
def users_list(state: StandInState, params: JSON) -> JSON:
    """Every user of the workspace (deleted ones and bots too), by id, with Slack's
    cursor pagination: an opaque cursor naming the next user, "" after the last page.
    Without a limit Slack answers everyone at once; a limit above 1000 counts as 1000."""
    limit = int_param(params, "limit", 0)
    if limit < 0:
        raise SlackError("invalid_limit")
    users = sorted(state.users.values(), key=lambda u: u.id)
    start = 0
    if cursor := text_param(params, "cursor"):
        start = next((i for i, u in enumerate(users) if u.id >= _cursor_user(cursor)),
                     len(users))
    end = len(users) if limit == 0 else start + min(limit, USERS_LIST_MAX)
    chunk = users[start:end]
    next_cursor = _user_cursor(users[end].id) if end < len(users) else ""
    return {"members": [user_object(state, u) for u in chunk],
            "cache_ts": int(state.clock()),
            "response_metadata": {"next_cursor": next_cursor}}


def _user_cursor(user_id: str) -> str:
    return base64.b64encode(f"user:{user_id}".encode()).decode()


def _cursor_user(cursor: str) -> str:
    try:
        kind, _, user_id = base64.b64decode(cursor, validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        raise SlackError("invalid_cursor") from None
    if kind != "user" or not user_id:
        raise SlackError("invalid_cursor")
    return user_id


# conversations --------------------------------------------------------------------------


@api_method("conversations.open")
def conversations_open(state: StandInState, params: JSON) -> JSON:
    if params.get("channel"):
        channel = state.channels.get(text_param(params, "channel"))
        if channel is None or channel.kind not in ("im", "mpim"):
            raise SlackError("channel_not_found")
        existed = True
    else:
        known = set(state.channels)
        channel = open_dm(state, text_param(params, "users"))
        existed = channel.id in known
    body: JSON = {"no_op": existed, "already_open": existed, "channel": {"id": channel.id}}
    if flag_param(params, "return_im"):
        body["channel"] = channel_object(state, channel)
    return body


def open_dm(state: StandInState, users: str) -> Channel:
    ids = {u.strip() for u in users.split(",") if u.strip()} - {state.bot_user_id}
    if not ids:
        raise SlackError("users_list_not_supplied")
    if len(ids) > 8:
        raise SlackError("too_many_users")
    for user_id in sorted(ids):
        user = known_user(state, user_id)
        if user.deleted:
            raise SlackError("user_disabled")
        if user.is_bot and len(ids) == 1:
            raise SlackError("cannot_dm_bot")
    return state.im_for(ids.pop()) if len(ids) == 1 else state.mpim_for(ids)


@api_method("conversations.join")
def conversations_join(state: StandInState, params: JSON) -> JSON:
    channel = state.channels.get(text_param(params, "channel"))
    if channel is None:
        raise SlackError("channel_not_found")
    if channel.is_private and not channel.bot_is_member:
        raise SlackError("method_not_supported_for_channel_type")
    body: JSON = {}
    if channel.bot_is_member:
        body = {"warning": "already_in_channel"}
        body["response_metadata"] = {"warnings": ["already_in_channel"]}
    channel.bot_is_member = True
    return {"channel": channel_object(state, channel), **body}


@api_method("conversations.info")
def conversations_info(state: StandInState, params: JSON) -> JSON:
    channel = visible_channel(state, text_param(params, "channel"))
    return {"channel": channel_object(state, channel)}


@api_method("conversations.history")
def conversations_history(state: StandInState, params: JSON) -> JSON:
    channel = member_channel(state, text_param(params, "channel"))
    oldest = ts_param(params, "oldest", 0.0)
    latest = ts_param(params, "latest", float("inf"))
    inclusive = flag_param(params, "inclusive")
    in_range = (
        (lambda ts: oldest <= ts <= latest) if inclusive else (lambda ts: oldest < ts < latest)
    )
    top_level = [
        m
        for m in state.messages.values()
        if m.channel == channel.id
        and (m.thread_ts in (None, m.ts) or m.reply_broadcast)
        and in_range(float(m.ts))
    ]
    newest_first = sorted(top_level, key=lambda m: float(m.ts), reverse=True)
    return history_page(state, newest_first, params)


@api_method("conversations.replies")
def conversations_replies(state: StandInState, params: JSON) -> JSON:
    channel = member_channel(state, text_param(params, "channel"))
    parent = state.find_message(channel.id, text_param(params, "ts"))
    if parent is None:
        raise SlackError("thread_not_found")
    thread_ts = parent.thread_ts or parent.ts
    root = stored_message(state, channel.id, thread_ts)
    replies = sorted(state.thread_replies(channel.id, thread_ts), key=lambda m: float(m.ts))
    return history_page(state, [root, *replies], params)


def history_page(state: StandInState, messages: list[Message], params: JSON) -> JSON:
    """A page of history/replies as Slack gives it: at most `history_limit` messages (15
    for apps outside the Marketplace, whatever `limit` asks), and message `metadata`
    only when `include_all_metadata` is passed."""
    if state.history_limit is not None:
        asked = int_param(params, "limit", 100)
        params = {**params, "limit": min(asked, state.history_limit)}
    body = page(state, messages, params, "messages")
    if not flag_param(params, "include_all_metadata"):
        for message in body["messages"]:
            message.pop("metadata", None)
    return body


def page(state: StandInState, messages: list[Message], params: JSON, key: str) -> JSON:
    """One page of messages with Slack's cursor pagination (cursor = offset)."""
    limit = max(1, min(int_param(params, "limit", 100), 1000))
    start = int_param(params, "cursor", 0) if params.get("cursor") else 0
    chunk = messages[start : start + limit]
    more = start + limit < len(messages)
    return {
        key: [message_object(state, m) for m in chunk],
        "has_more": more,
        "response_metadata": {"next_cursor": str(start + limit) if more else ""},
    }


# chat -----------------------------------------------------------------------------------


def require_content(params: JSON) -> None:
    if not any(params.get(k) for k in ("text", "blocks", "attachments", "markdown_text")):
        raise SlackError("no_text")


MAX_BLOCK_TEXT = 13_000  # Slack's msg_blocks_too_long: users measured 13,172-13,297


def block_text(value: Any) -> int:
    if isinstance(value, dict):
        return sum(len(v) if k == "text" and isinstance(v, str) else block_text(v)
                   for k, v in value.items())
    return sum(block_text(v) for v in value) if isinstance(value, list) else 0


def refuse_long_blocks(params: JSON) -> None:
    """Slack refuses a message whose blocks hold too much text in all."""
    if block_text(json_param(params, "blocks") or []) > MAX_BLOCK_TEXT:
        raise SlackError("msg_blocks_too_long")


@api_method("chat.postMessage")
def chat_post_message(state: StandInState, params: JSON) -> JSON:
    channel = member_channel(state, text_param(params, "channel"))
    require_content(params)
    refuse_long_blocks(params)
    message = Message(
        channel=channel.id,
        ts=state.next_ts(),
        text=text_param(params, "text") or text_param(params, "markdown_text"),
        user=state.bot_user_id,
        blocks=json_param(params, "blocks"),
        thread_ts=text_param(params, "thread_ts") or None,
        metadata=json_param(params, "metadata"),
        attachments=json_param(params, "attachments"),
        bot_id=state.bot_id,
        reply_broadcast=flag_param(params, "reply_broadcast"),
    )
    state.store_message(message)
    return {"channel": channel.id, "ts": message.ts, "message": message_object(state, message)}


@api_method("chat.update")
def chat_update(state: StandInState, params: JSON) -> JSON:
    channel = visible_channel(state, text_param(params, "channel"))
    message = stored_message(state, channel.id, text_param(params, "ts"))
    if message.user != state.bot_user_id:
        raise SlackError("cant_update_message")
    require_content(params)
    refuse_long_blocks(params)
    if "text" in params:
        message.text = text_param(params, "text")
    for name in ("blocks", "attachments", "metadata"):
        if name in params:
            setattr(message, name, json_param(params, name))
    message.edited_ts = state.next_ts()
    return {
        "channel": channel.id,
        "ts": message.ts,
        "text": message.text,
        "message": message_object(state, message),
    }


@api_method("chat.delete")
def chat_delete(state: StandInState, params: JSON) -> JSON:
    channel = visible_channel(state, text_param(params, "channel"))
    message = stored_message(state, channel.id, text_param(params, "ts"))
    if message.user != state.bot_user_id:
        raise SlackError("cant_delete_message")
    del state.messages[(message.channel, message.ts)]
    return {"channel": channel.id, "ts": message.ts}


@api_method("chat.postEphemeral")
def chat_post_ephemeral(state: StandInState, params: JSON) -> JSON:
    channel = member_channel(state, text_param(params, "channel"))
    user = known_user(state, text_param(params, "user"))
    if channel.kind != "channel" and user.id not in channel.members:
        raise SlackError("user_not_in_channel")
    require_content(params)
    refuse_long_blocks(params)
    ephemeral = Ephemeral(
        channel=channel.id,
        user=user.id,
        ts=state.next_ts(),
        text=text_param(params, "text"),
        blocks=json_param(params, "blocks"),
        thread_ts=text_param(params, "thread_ts") or None,
    )
    state.ephemerals.append(ephemeral)
    return {"message_ts": ephemeral.ts}


@api_method("chat.getPermalink")
def chat_get_permalink(state: StandInState, params: JSON) -> JSON:
    channel = visible_channel(state, text_param(params, "channel"))
    message = stored_message(state, channel.id, text_param(params, "message_ts"))
    archive = f"https://{state.team_domain}.slack.com/archives/{channel.id}"
    link = f"{archive}/p{message.ts.replace('.', '')}"
    if message.thread_ts and message.thread_ts != message.ts:
        link += f"?thread_ts={message.thread_ts}&cid={channel.id}"
    return {"channel": channel.id, "permalink": link}


@api_method("reactions.add")
def reactions_add(state: StandInState, params: JSON) -> JSON:
    channel = member_channel(state, text_param(params, "channel"))
    message = stored_message(state, channel.id, text_param(params, "timestamp"))
    name = text_param(params, "name").strip(":")
    if not name:
        raise SlackError("invalid_name")
    users = message.reactions.setdefault(name, [])
    if state.bot_user_id in users:
        raise SlackError("already_reacted")
    users.append(state.bot_user_id)
    return {}


# views ----------------------------------------------------------------------------------


def valid_trigger(state: StandInState, params: JSON) -> None:
    trigger_id = text_param(params, "trigger_id")
    if not trigger_id:
        raise SlackError("invalid_arguments")
    if trigger_id not in state.trigger_ids:
        raise SlackError("invalid_trigger_id")


def view_param(params: JSON) -> JSON:
    view = json_param(params, "view")
    if not isinstance(view, dict) or "type" not in view:
        raise SlackError("invalid_arguments")
    if problems := preselection_problems(view) + text_input_problems(view):
        # Slack names the block in response_metadata.messages; the error is this.
        raise SlackError("invalid_arguments",
                         response_metadata={"messages": [f"[ERROR] {p}" for p in problems]})
    return view


@api_method("views.open")
def views_open(state: StandInState, params: JSON) -> JSON:
    valid_trigger(state, params)
    view = view_object(state, view_param(params), view_id=state.new_id("V"))
    state.views[view["id"]] = view
    state.opened_view_ids.append(view["id"])
    return {"view": view}


@api_method("views.push")
def views_push(state: StandInState, params: JSON) -> JSON:
    valid_trigger(state, params)
    root = state.views[state.opened_view_ids[-1]] if state.opened_view_ids else None
    view = view_object(state, view_param(params), view_id=state.new_id("V"))
    if root is not None:
        view["root_view_id"] = root["root_view_id"]
        view["previous_view_id"] = root["id"]
    state.views[view["id"]] = view
    state.opened_view_ids.append(view["id"])
    return {"view": view}


@api_method("views.update")
def views_update(state: StandInState, params: JSON) -> JSON:
    view_id = text_param(params, "view_id")
    external_id = text_param(params, "external_id")
    old = state.views.get(view_id) or next(
        (v for v in state.views.values() if external_id and v["external_id"] == external_id),
        None,
    )
    if old is None:
        raise SlackError("not_found")
    if params.get("hash") and params["hash"] != old["hash"]:
        raise SlackError("hash_conflict")
    view = view_object(state, view_param(params), view_id=old["id"])
    view["root_view_id"], view["previous_view_id"] = old["root_view_id"], old["previous_view_id"]
    state.views[view["id"]] = view
    for user_id, home in state.home_views.items():
        if home["id"] == view["id"]:
            state.home_views[user_id] = view
    return {"view": view}


@api_method("views.publish")
def views_publish(state: StandInState, params: JSON) -> JSON:
    user = known_user(state, text_param(params, "user_id"))
    spec = view_param(params)
    if spec["type"] != "home":
        raise SlackError("invalid_arguments")
    old = state.home_views.get(user.id)
    view_id = old["id"] if old else state.new_id("V")
    view = view_object(state, spec, view_id=view_id)
    state.home_views[user.id] = view
    state.views[view_id] = view
    return {"view": view}


# files ----------------------------------------------------------------------------------


@api_method("files.getUploadURLExternal")
def files_get_upload_url_external(state: StandInState, params: JSON) -> JSON:
    filename = text_param(params, "filename")
    length = int_param(params, "length", -1)
    if not filename or length < 0:
        raise SlackError("invalid_arguments")
    upload = UploadedFile(
        id=state.new_id("F"),
        filename=filename,
        length=length,
        alt_txt=text_param(params, "alt_txt") or None,
        snippet_type=text_param(params, "snippet_type") or None,
    )
    state.files[upload.id] = upload
    return {"upload_url": f"{state.base_url}/upload/{upload.id}", "file_id": upload.id}


@api_method("files.completeUploadExternal")
def files_complete_upload_external(state: StandInState, params: JSON) -> JSON:
    entries = json_param(params, "files")
    if not isinstance(entries, list) or not entries:
        raise SlackError("invalid_arguments")
    channel_ids = [c for c in text_param(params, "channels").split(",") if c]
    channel_id = text_param(params, "channel_id") or (channel_ids[0] if channel_ids else "")
    channel = member_channel(state, channel_id) if channel_id else None
    completed = []
    for entry in entries:
        upload = state.files.get(str(entry.get("id")))
        if upload is None or upload.data is None:
            raise SlackError("file_not_found")
        upload.title = entry.get("title") or upload.filename
        upload.channel = channel.id if channel else None
        upload.thread_ts = text_param(params, "thread_ts") or None
        upload.initial_comment = text_param(params, "initial_comment") or None
        upload.completed = True
        completed.append(file_object(state, upload))
    return {"files": completed}


def file_object(state: StandInState, upload: UploadedFile) -> JSON:
    return {
        "id": upload.id,
        "created": int(state.clock()),
        "timestamp": int(state.clock()),
        "name": upload.filename,
        "title": upload.title,
        "mimetype": "",
        "filetype": "",
        "user": state.bot_user_id,
        "size": len(upload.data or b""),
        "alt_txt": upload.alt_txt,
        "url_private": f"{state.base_url}/files/{upload.id}/{upload.filename}",
        "permalink": f"https://{state.team_domain}.slack.com/files/{state.bot_user_id}/{upload.id}",
        "channels": [upload.channel] if upload.channel else [],
    }


def receive_upload(state: StandInState, file_id: str, data: bytes) -> bool:
    """The upload URL's side: store the bytes; False if the id was never handed out."""
    with state.lock:
        upload = state.files.get(file_id)
        if upload is None:
            return False
        upload.data = data
        return True
