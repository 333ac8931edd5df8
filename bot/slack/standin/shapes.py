"""Slack's JSON shapes for stored objects: users, conversations, messages, views."""

from __future__ import annotations

import secrets

from bot.slack.standin.state import JSON, Channel, Message, StandInState, User, tz_offset


def user_object(state: StandInState, user: User) -> JSON:
    offset, label = tz_offset(user.tz, state.clock())
    profile = {
        "real_name": user.name,
        "real_name_normalized": user.name,
        "display_name": user.name,
        "display_name_normalized": user.name,
        "team": state.team_id,
        "image_72": f"https://avatars.invalid/{user.id}_72.png",
    }
    if user.is_bot:
        profile["bot_id"] = state.bot_id if user.id == state.bot_user_id else f"B{user.id[1:]}"
    return {
        "id": user.id,
        "team_id": state.team_id,
        "name": user.name.lower().replace(" ", "."),
        "deleted": user.deleted,
        "real_name": user.name,
        "tz": user.tz,
        "tz_label": label,
        "tz_offset": offset,
        "profile": profile,
        "is_admin": user.is_admin,
        "is_owner": False,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "is_bot": user.is_bot,
        "is_app_user": False,
        "updated": int(state.clock()),
    }


def channel_object(state: StandInState, channel: Channel) -> JSON:
    base: JSON = {"id": channel.id, "created": channel.created, "is_archived": False}
    if channel.kind == "im":
        user_id = next(iter(channel.members))
        user = state.users.get(user_id)
        return {
            **base,
            "is_im": True,
            "is_org_shared": False,
            "user": user_id,
            "is_user_deleted": bool(user and user.deleted),
            "priority": 0,
        }
    return {
        **base,
        "name": channel.name,
        "name_normalized": channel.name,
        "is_channel": channel.kind == "channel",
        "is_group": channel.kind == "group",
        "is_im": False,
        "is_mpim": channel.kind == "mpim",
        "is_private": channel.is_private,
        "is_general": False,
        "is_shared": False,
        "is_ext_shared": False,
        "is_org_shared": False,
        "is_member": channel.bot_is_member,
        "context_team_id": state.team_id,
        "num_members": len(channel.members) + int(channel.bot_is_member),
    }


def message_object(state: StandInState, message: Message) -> JSON:
    """A stored message as history/replies/postMessage return it."""
    body: JSON = {
        "type": "message",
        "user": message.user,
        "text": message.text,
        "ts": message.ts,
        "team": state.team_id,
    }
    if message.bot_id:
        body["bot_id"] = message.bot_id
        body["app_id"] = state.app_id
    for name in ("blocks", "attachments", "metadata"):
        value = getattr(message, name)
        if value is not None:
            body[name] = value
    if message.reply_broadcast:
        body["subtype"] = "thread_broadcast"
    if message.edited_ts:
        body["edited"] = {"user": message.user, "ts": message.edited_ts}
    if message.reactions:
        body["reactions"] = [
            {"name": name, "users": list(users), "count": len(users)}
            for name, users in message.reactions.items()
        ]
    body.update(thread_fields(state, message))
    return body


def thread_fields(state: StandInState, message: Message) -> JSON:
    if message.thread_ts and message.thread_ts != message.ts:
        parent = state.find_message(message.channel, message.thread_ts)
        fields: JSON = {"thread_ts": message.thread_ts}
        if parent is not None:
            fields["parent_user_id"] = parent.user
        return fields
    replies = state.thread_replies(message.channel, message.ts)
    if not replies:
        return {}
    users = list(dict.fromkeys(r.user for r in replies))
    return {
        "thread_ts": message.ts,
        "reply_count": len(replies),
        "reply_users": users,
        "reply_users_count": len(users),
        "latest_reply": max(replies, key=lambda r: float(r.ts)).ts,
    }


def view_object(state: StandInState, spec: JSON, *, view_id: str) -> JSON:
    """A view as Slack returns it after views.open/push/update/publish."""
    return {
        "callback_id": "",
        "private_metadata": "",
        "external_id": "",
        "clear_on_close": False,
        "notify_on_close": False,
        "blocks": [],
        **spec,
        "id": view_id,
        "team_id": state.team_id,
        "state": {"values": {}},
        "hash": f"{int(state.clock())}.{secrets.token_hex(4)}",
        "previous_view_id": None,
        "root_view_id": view_id,
        "app_id": state.app_id,
        "app_installed_team_id": state.team_id,
        "bot_id": state.bot_id,
    }
