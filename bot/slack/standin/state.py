"""The stand-in's memory: records (calls, messages, views, files…) behind one lock.

Everything here is plain data plus id/ts generation; the Web API semantics live in
`api`. Callers hold `StandInState.lock` while reading or changing anything.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

JSON = dict[str, Any]
HISTORY_METHODS = frozenset({"conversations.history", "conversations.replies"})


@dataclass
class Call:
    """One Web API call as received: decoded params, stand-in clock time, error answered."""

    method: str
    params: JSON
    at: float
    error: str | None = None
    team_id: str = ""  # the workspace whose token made the call


@dataclass
class OAuthGrant:
    """What oauth.v2.access answers for one code: a workspace's bot token."""

    team_id: str
    team_name: str
    bot_token: str
    installer: str
    enterprise_id: str | None = None  # an Enterprise Grid workspace's organisation


@dataclass
class User:
    id: str
    name: str
    tz: str
    deleted: bool = False
    is_bot: bool = False
    is_admin: bool = False


@dataclass
class Channel:
    id: str
    name: str
    kind: str  # "channel" | "group" (private channel) | "im" | "mpim"
    bot_is_member: bool = False
    members: set[str] = field(default_factory=set)  # human members; the bot is tracked apart
    created: int = 0

    @property
    def is_private(self) -> bool:
        return self.kind != "channel"


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    user: str
    blocks: list[JSON] | None = None
    thread_ts: str | None = None
    metadata: JSON | None = None
    attachments: list[JSON] | None = None
    bot_id: str | None = None
    edited_ts: str | None = None
    reply_broadcast: bool = False
    reactions: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Ephemeral:
    channel: str
    user: str
    ts: str
    text: str
    blocks: list[JSON] | None = None
    thread_ts: str | None = None


@dataclass
class UploadedFile:
    id: str
    filename: str
    length: int
    alt_txt: str | None = None
    snippet_type: str | None = None
    data: bytes | None = None  # None until the upload URL received the bytes
    title: str | None = None
    channel: str | None = None
    thread_ts: str | None = None
    initial_comment: str | None = None
    completed: bool = False


@dataclass
class Fault:
    method: str
    error: str
    status: int
    retry_after: int | None
    remaining: int
    match: Callable[[JSON], bool] | None = None

    def applies(self, method: str, params: JSON) -> bool:
        if self.remaining <= 0 or self.method != method:
            return False
        try:
            return self.match is None or bool(self.match(params))
        except (KeyError, TypeError, ValueError):  # a predicate about other params
            return False


def stable_id(prefix: str, *parts: str) -> str:
    """A Slack-looking id that depends only on `parts` (same input, same id)."""
    digest = hashlib.sha1("\x1f".join(parts).encode()).hexdigest()
    return prefix + digest[:10].upper()


def tz_offset(tz: str, at: float) -> tuple[int, str]:
    """(offset in seconds, abbreviation) of zone `tz` at epoch time `at`."""
    local = datetime.fromtimestamp(at, ZoneInfo(tz))
    offset = local.utcoffset()
    return int(offset.total_seconds()) if offset else 0, local.tzname() or tz


class StandInState:
    """All mutable state of one stand-in. Hold `lock` for every access."""

    def __init__(
        self, *, bot_user_id: str, team_id: str, clock: Callable[[], float] = time.time
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.latency = 0.0
        self.method_latency: dict[str, float] = {}  # per Web API method, over `latency`
        # Slack's 2025 limits for apps outside the Marketplace (None: no limit): at most
        # `history_limit` messages a page and `history_per_minute` calls a minute, per
        # method, for conversations.history and conversations.replies.
        self.history_limit: int | None = None
        self.history_per_minute: int | None = None
        # (workspace, method) -> times of its calls in the last minute
        self.history_calls: dict[tuple[str, str], list[float]] = {}
        self.base_url = ""  # "http://127.0.0.1:<port>", set by the server on start
        self.bot_user_id = bot_user_id
        self.bot_id = "B0STANDIN"
        self.app_id = "A0STANDIN"
        self.team_id = team_id
        self.team_domain = "standin"
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.messages: dict[tuple[str, str], Message] = {}
        self.ephemerals: list[Ephemeral] = []
        self.views: dict[str, JSON] = {}
        self.opened_view_ids: list[str] = []
        self.home_views: dict[str, JSON] = {}
        self.files: dict[str, UploadedFile] = {}
        self.responses: list[JSON] = []
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        self.trigger_ids: set[str] = set()
        # Several workspaces: each bot token belongs to one; revoked tokens stop working.
        self.tokens: dict[str, str] = {}
        self.revoked: set[str] = set()
        self.oauth_grants: dict[str, OAuthGrant] = {}
        # Enterprise Grid: the organisation (E…) each Grid workspace (T…) belongs to.
        self.enterprises: dict[str, str] = {}
        self._counter = itertools.count(1)
        self._last_ts_micros = 0

    # ids and timestamps -------------------------------------------------------------

    def next_ts(self) -> str:
        """A Slack message ts ("1700000000.000100"), strictly increasing, near the clock."""
        with self.lock:
            micros = max(int(self.clock() * 1_000_000), self._last_ts_micros + 1)
            self._last_ts_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def new_id(self, prefix: str) -> str:
        with self.lock:
            return f"{prefix}{next(self._counter):010d}"

    def new_trigger_id(self) -> str:
        with self.lock:
            trigger_id = f"{next(self._counter)}.{int(self.clock())}.{secrets.token_hex(16)}"
            self.trigger_ids.add(trigger_id)
        return trigger_id

    # seeding --------------------------------------------------------------------------

    def add_user(self, user: User) -> None:
        with self.lock:
            ZoneInfo(user.tz)  # fail early on a bad zone name
            self.users[user.id] = user

    def add_channel(self, channel: Channel) -> None:
        with self.lock:
            channel.created = channel.created or int(self.clock())
            self.channels[channel.id] = channel

    # conversations --------------------------------------------------------------------

    def im_for(self, user_id: str) -> Channel:
        """The bot's DM with `user_id`, created on first use."""
        channel_id = stable_id("D", self.team_id, user_id)
        with self.lock:
            if channel_id not in self.channels:
                self.add_channel(
                    Channel(channel_id, user_id, "im", bot_is_member=True, members={user_id})
                )
            return self.channels[channel_id]

    def mpim_for(self, user_ids: Iterable[str]) -> Channel:
        """The group DM of the bot and exactly these users, created on first use."""
        members = set(user_ids)
        channel_id = stable_id("G", self.team_id, *sorted(members))
        with self.lock:
            if channel_id not in self.channels:
                name = "mpdm-" + "--".join(sorted(members)).lower() + "-1"
                self.add_channel(
                    Channel(channel_id, name, "mpim", bot_is_member=True, members=members)
                )
            return self.channels[channel_id]

    # messages -------------------------------------------------------------------------

    def find_message(self, channel: str, ts: str) -> Message | None:
        with self.lock:
            return self.messages.get((channel, ts))

    def store_message(self, message: Message) -> None:
        with self.lock:
            self.messages[(message.channel, message.ts)] = message

    def thread_replies(self, channel: str, thread_ts: str) -> list[Message]:
        with self.lock:
            return [
                m
                for m in self.messages.values()
                if m.channel == channel and m.thread_ts == thread_ts and m.ts != thread_ts
            ]

    def history_wait(self, method: str, team_id: str) -> int:
        """0 if a history/replies call may go now (it is counted), else whole seconds
        until it may (Slack's Retry-After): a sliding minute per workspace and method."""
        if self.history_per_minute is None or method not in HISTORY_METHODS:
            return 0
        with self.lock:
            now, key = self.clock(), (team_id, method)
            recent = [t for t in self.history_calls.get(key, []) if t > now - 60]
            if len(recent) >= self.history_per_minute:
                self.history_calls[key] = recent
                return max(1, math.ceil(recent[0] + 60 - now))
            self.history_calls[key] = [*recent, now]
            return 0

    # faults ---------------------------------------------------------------------------

    def take_fault(self, method: str, params: JSON) -> Fault | None:
        """The first armed fault for this call, with one use consumed."""
        with self.lock:
            for fault in self.faults:
                if fault.applies(method, params):
                    fault.remaining -= 1
                    return fault
            self.faults = [f for f in self.faults if f.remaining > 0]
        return None
