"""The Slack app manifest: the scopes and events for what tend does, and no more."""

from __future__ import annotations

from typing import Any

# Each scope with the reason tend needs it; a scope without a reason does not belong.
BOT_SCOPES = {
    "chat:write": "post check-ins and confirmations, update them in place",
    "mpim:write": "open the private group DM of a member, their manager and tend",
    "mpim:history": "receive the replies written in check-in threads",
    "users:read": "read each member's time zone for check-ins at their local time",
    "reactions:write": "pin a reaction on a reply recorded as a commitment",
    "im:write": "send a person their own goals back privately",
    "im:history": "find a DM tend already sent before resending it after a crash",
    "channels:join": "join a team's public channel to hold its goal-sharing session",
    "channels:history": "receive replies in goal-sharing threads in public team channels",
    "groups:history": "receive replies in goal-sharing threads in private team channels",
    "files:write": "upload a digest's trend chart into the digest's thread",
    "commands": "the /tend command and the 'Share in digest' message shortcut",
}
# app_uninstalled and tokens_revoked need no scope: they tell tend to forget a workspace.
BOT_EVENTS = ["app_home_opened", "app_uninstalled", "message.channels", "message.groups",
              "message.mpim", "tokens_revoked"]


# Slack's manifest schema: display_information.name is 1 to 35 characters.
NAME_MAX = 35


class ManifestError(ValueError):
    """A manifest Slack's schema would refuse; the message is one line."""


def build_manifest(*, name: str = "tend", public_url: str | None = None) -> dict[str, Any]:
    """Socket Mode unless a public URL is given; then events go to {url}/slack/events."""
    if not name.strip():
        raise ManifestError("the app name must not be empty")
    if len(name) > NAME_MAX:
        raise ManifestError(f"the app name is {len(name)} characters; Slack allows at "
                            f"most {NAME_MAX}")
    settings: dict[str, Any] = {
        "event_subscriptions": {"bot_events": BOT_EVENTS},
        "interactivity": {"is_enabled": True},
        "org_deploy_enabled": False,
        "socket_mode_enabled": public_url is None,
        "token_rotation_enabled": False,
    }
    command: dict[str, Any] = {
        "command": "/tend", "description": "Your tend: help, setup, away, digests, your data",
        "usage_hint": "help | setup | away DATE | digest | my-data | forget-me",
        "should_escape": False,
    }
    if public_url is not None:
        endpoint = public_url.rstrip("/") + "/slack/events"
        settings["event_subscriptions"]["request_url"] = endpoint
        settings["interactivity"]["request_url"] = endpoint
        command["url"] = endpoint
    oauth: dict[str, Any] = {"scopes": {"bot": sorted(BOT_SCOPES)}}
    if public_url is not None:  # where OAuth installs (`/slack/install`) come back to
        oauth["redirect_urls"] = [public_url.rstrip("/") + "/slack/oauth_redirect"]
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": name,
            "description": "Short, regular, two-way accountability conversations.",
            "long_description": (
                "tend schedules a five-minute weekly check-in between each person and their "
                "line manager, in a private thread at the person's own local time. Both "
                "sides answer; commitments carry over until their owner closes them. tend "
                "measures nothing about individuals: it reports only what a team produced, "
                "and a conversation's content is visible only to its participants."
            ),
            "background_color": "#2f4f3f",
        },
        "features": {
            "app_home": {"home_tab_enabled": True, "messages_tab_enabled": True,
                         "messages_tab_read_only_enabled": True},
            "bot_user": {"display_name": name, "always_online": True},
            "slash_commands": [command],
            "shortcuts": [{
                "name": "Share in digest", "type": "message", "callback_id": "share_in_digest",
                "description": "Share your own reply in the team digest, named or not",
            }],
        },
        "oauth_config": oauth,
        "settings": settings,
    }
