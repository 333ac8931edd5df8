"""`SlackStandIn`: lifecycle, seeding, inspection, fault injection and delivery."""

from __future__ import annotations

import copy
import json
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any

from bot.slack.standin import payloads
from bot.slack.standin.delivery import Deliverer
from bot.slack.standin.server import LoopbackServer, Router
from bot.slack.standin.shapes import message_object
from bot.slack.standin.state import (
    JSON,
    Call,
    Channel,
    Ephemeral,
    Fault,
    Message,
    OAuthGrant,
    StandInState,
    UploadedFile,
    User,
)


class SlackStandIn:
    """A loopback Slack: Web API at `api_url`, signed deliveries to the app."""

    def __init__(
        self,
        *,
        signing_secret: str = "standin-signing-secret",
        bot_token: str = "xoxb-standin",
        bot_user_id: str = "UTENDBOT",
        team_id: str = "T0STANDIN",
        latency: float = 0.0,
        clock: Callable[[], float] = time.time,
        history_limit: int | None = None,
        history_per_minute: int | None = None,
    ) -> None:
        """`history_limit=15, history_per_minute=1` gives conversations.history and
        .replies Slack's 2025 limits for apps outside the Marketplace."""
        self.signing_secret = signing_secret
        self.bot_token = bot_token
        self.bot_user_id = bot_user_id
        self.team_id = team_id
        self.state = StandInState(bot_user_id=bot_user_id, team_id=team_id, clock=clock)
        self.state.latency = latency
        self.state.history_limit = history_limit
        self.state.history_per_minute = history_per_minute
        self.state.add_user(User(bot_user_id, "tend", "UTC", is_bot=True))
        self._server = LoopbackServer(Router(self.state))
        self._deliverer = Deliverer(signing_secret)

    # lifecycle ------------------------------------------------------------------------

    def start(self) -> SlackStandIn:
        self.state.base_url = self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return self._server.base_url

    @property
    def api_url(self) -> str:
        """Give this to `WebClient(base_url=...)`."""
        return f"{self.base_url}/api/"

    @property
    def latency(self) -> float:
        return self.state.latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        self.state.latency = seconds

    def set_latency(self, method: str, seconds: float) -> None:
        """Answer `method` after `seconds` (instead of `latency`)."""
        with self.state.lock:
            self.state.method_latency[method] = seconds

    # seeding --------------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        *,
        tz: str = "Europe/Amsterdam",
        name: str | None = None,
        deleted: bool = False,
        is_bot: bool = False,
        is_admin: bool = False,
    ) -> None:
        self.state.add_user(User(user_id, name or user_id, tz, deleted=deleted, is_bot=is_bot,
                                 is_admin=is_admin))

    def add_channel(
        self,
        channel_id: str,
        *,
        name: str,
        bot_is_member: bool = False,
        private: bool = False,
        members: tuple[str, ...] | list[str] | set[str] = (),
    ) -> None:
        kind = "group" if private or channel_id.startswith("G") else "channel"
        self.state.add_channel(
            Channel(channel_id, name, kind, bot_is_member=bot_is_member, members=set(members))
        )

    def add_message(
        self,
        channel: str,
        *,
        user: str,
        text: str,
        ts: str | None = None,
        thread_ts: str | None = None,
        metadata: JSON | None = None,
    ) -> str:
        """Seed a (user's) message into history; returns its ts."""
        message = Message(
            channel, ts or self.next_ts(), text, user, thread_ts=thread_ts, metadata=metadata
        )
        self.state.store_message(message)
        return message.ts

    def dm(self, *user_ids: str) -> str:
        """Id of the bot's DM (one user) or group DM (several) — what conversations.open
        answers — created without recording a call."""
        with self.state.lock:
            if len(set(user_ids)) == 1:
                return self.state.im_for(user_ids[0]).id
            return self.state.mpim_for(user_ids).id

    def next_ts(self) -> str:
        return self.state.next_ts()

    def new_trigger_id(self) -> str:
        return self.state.new_trigger_id()

    def new_response_url(self) -> str:
        """A response_url as interactions carry: what is POSTed there is in responses()."""
        return self._new_response_url()

    # inspection -----------------------------------------------------------------------

    def _snapshot(self, items: Any) -> Any:
        with self.state.lock:
            return copy.deepcopy(items)

    @property
    def calls(self) -> list[Call]:
        return self._snapshot(self.state.calls)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def reset_calls(self) -> None:
        with self.state.lock:
            self.state.calls.clear()

    def messages(self, channel: str | None = None) -> list[Message]:
        """Stored messages (after updates/deletes), oldest first."""
        messages = self._snapshot(list(self.state.messages.values()))
        return [m for m in messages if channel is None or m.channel == channel]

    def ephemerals(self, user: str | None = None) -> list[Ephemeral]:
        return [e for e in self._snapshot(self.state.ephemerals) if user in (None, e.user)]

    def home_view(self, user_id: str) -> JSON | None:
        return self._snapshot(self.state.home_views.get(user_id))

    def opened_views(self) -> list[JSON]:
        """Views opened or pushed, in order, each as last updated."""
        with self.state.lock:
            return copy.deepcopy([self.state.views[v] for v in self.state.opened_view_ids])

    def files(self) -> list[UploadedFile]:
        """Completed uploads (files.completeUploadExternal done)."""
        return [f for f in self._snapshot(list(self.state.files.values())) if f.completed]

    def responses(self) -> list[JSON]:
        """Bodies POSTed to response_urls, in order."""
        return self._snapshot(self.state.responses)

    def conversation_members(self, channel_id: str) -> set[str]:
        """Human members of a conversation (the bot is not listed)."""
        with self.state.lock:
            channel = self.state.channels.get(channel_id)
            return set(channel.members) if channel else set()

    # fault injection ------------------------------------------------------------------

    def fail(
        self,
        method: str,
        *,
        error: str = "internal_error",
        status: int = 200,
        retry_after: int | None = None,
        times: int = 1,
        match: Callable[[JSON], bool] | None = None,
    ) -> None:
        """Answer the next `times` calls of `method` (whose params satisfy `match`) with an
        error: HTTP 200 + error, 429 ratelimited + Retry-After, or 5xx."""
        with self.state.lock:
            self.state.faults.append(Fault(method, error, status, retry_after, times, match))

    # several workspaces -----------------------------------------------------------------

    def add_workspace(self, team_id: str, *, bot_token: str,
                      enterprise_id: str | None = None) -> None:
        """Another workspace with tend installed: calls with `bot_token` act there. With
        `enterprise_id` it is a workspace of that Enterprise Grid organisation."""
        with self.state.lock:
            self.state.tokens[bot_token] = team_id
            self.state.revoked.discard(bot_token)
            if enterprise_id:
                self.state.enterprises[team_id] = enterprise_id

    def add_oauth_code(self, code: str, *, team_id: str, bot_token: str,
                       team_name: str = "", installer: str = "UINSTALLER",
                       enterprise_id: str | None = None) -> None:
        """What Slack would hand the OAuth redirect after an admin approves the install;
        with `enterprise_id`, an install in a workspace of an Enterprise Grid."""
        with self.state.lock:
            self.state.oauth_grants[code] = OAuthGrant(team_id, team_name or team_id,
                                                       bot_token, installer, enterprise_id)

    def _from_grid(self, body: JSON, team_id: object) -> JSON:
        """`body` as Slack sends it for `team_id`: with its organisation if on a Grid."""
        with self.state.lock:
            enterprise_id = self.state.enterprises.get(str(team_id))
        if enterprise_id is None:
            return body
        return payloads.in_enterprise(body, enterprise_id)

    def revoke(self, bot_token: str) -> None:
        """The token stops working, as after an uninstall (`token_revoked`)."""
        with self.state.lock:
            self.state.revoked.add(bot_token)

    @contextmanager
    def from_workspace(self, team_id: str) -> Iterator[SlackStandIn]:
        """Deliveries made inside come from `team_id` (its envelope's and payloads' team)."""
        previous, self.team_id = self.team_id, team_id
        try:
            yield self
        finally:
            self.team_id = previous

    # delivery -------------------------------------------------------------------------

    def sign(self, body: bytes | str, *, timestamp: int | None = None) -> dict[str, str]:
        return self._deliverer.sign(body, timestamp=timestamp)

    def deliver_event(
        self,
        url: str,
        event: JSON,
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> tuple[int, str]:
        envelope = payloads.event_callback(
            event,
            team_id=self.team_id,
            api_app_id=self.state.app_id,
            bot_user_id=self.bot_user_id,
            event_id=event_id or self.state.new_id("Ev"),
            event_time=int(float(event.get("event_ts") or self.state.clock())),
        )
        return self._deliverer.post_json(
            url,
            self._from_grid(envelope, self.team_id),
            retry_num=retry_num,
            retry_reason=retry_reason,
            timestamp=timestamp,
            signature=signature,
        )

    def deliver_action(self, url: str, payload: JSON, **options: Any) -> tuple[int, str]:
        """POST an interaction (block_actions, view_submission, shortcut) as payload=<json>."""
        team = payload.get("team")
        payload = self._from_grid(payload, team.get("id") if isinstance(team, dict) else None)
        return self._deliverer.post_form(url, {"payload": json.dumps(payload)}, **options)

    def deliver_command(
        self,
        url: str,
        *,
        command: str,
        text: str,
        user_id: str,
        channel_id: str = "C0GENERAL",
        **options: Any,
    ) -> tuple[int, str]:
        fields = payloads.slash_command_form(
            command=command,
            text=text,
            user_id=user_id,
            channel_id=channel_id,
            channel_name=self._channel_name(channel_id),
            team_id=self.team_id,
            api_app_id=self.state.app_id,
            response_url=self._new_response_url(),
            trigger_id=self.new_trigger_id(),
        )
        return self._deliverer.post_form(url, self._from_grid(fields, self.team_id), **options)

    def _channel_name(self, channel_id: str) -> str:
        with self.state.lock:
            channel = self.state.channels.get(channel_id)
        if channel is None:
            return "general" if channel_id == "C0GENERAL" else channel_id.lower()
        return "directmessage" if channel.kind == "im" else channel.name

    def _new_response_url(self) -> str:
        return f"{self.base_url}/response_url/{self.state.new_id('R')}"

    # payload builders -----------------------------------------------------------------

    def _kind(self, channel_id: str) -> str:
        with self.state.lock:
            channel = self.state.channels.get(channel_id)
        return channel.kind if channel else payloads.channel_type(channel_id)

    def message_event(
        self,
        channel: str,
        user: str,
        text: str,
        ts: str | None = None,
        thread_ts: str | None = None,
        *,
        subtype: str | None = None,
    ) -> JSON:
        """A user's new message; `ts` defaults to `next_ts()`. `subtype` gives the other
        shapes a person's message arrives in: `file_share` (with a screenshot),
        `me_message` (/me), `thread_broadcast` (also sent to the channel)."""
        root = self._thread_root(channel, thread_ts) if subtype == "thread_broadcast" else None
        return payloads.message_event(
            channel,
            user,
            text,
            ts or self.next_ts(),
            thread_ts,
            team_id=self.team_id,
            kind=self._kind(channel),
            subtype=subtype,
            root=root,
            parent_user=self._parent_user(channel, thread_ts),
        )

    def _thread_root(self, channel: str, thread_ts: str | None) -> JSON | None:
        """The thread's parent as a `thread_broadcast` carries it in `root`."""
        with self.state.lock:
            parent = self.state.find_message(channel, thread_ts) if thread_ts else None
            return {**message_object(self.state, parent), "is_locked": False} if parent else None

    def _parent_user(self, channel: str, thread_ts: str | None) -> str | None:
        parent = self.state.find_message(channel, thread_ts) if thread_ts else None
        return parent.user if parent else None

    def message_changed_event(
        self,
        channel: str,
        ts: str,
        new_text: str,
        user: str,
        thread_ts: str | None = None,
        *,
        previous_text: str | None = None,
        edited: bool = True,
        attachments: list[JSON] | None = None,
    ) -> JSON:
        """An edit of message `ts`; the previous text comes from the store when known.
        With `edited=False`, a change that is not the person's edit (see
        `message_unfurled_event`)."""
        stored = self.state.find_message(channel, ts)
        return payloads.message_changed_event(
            channel,
            ts,
            new_text,
            user,
            thread_ts,
            event_ts=self.next_ts(),
            previous_text=_or_stored(previous_text, stored.text if stored else ""),
            team_id=self.team_id,
            kind=self._kind(channel),
            edited=edited,
            attachments=attachments,
            parent_user=self._parent_user(channel, thread_ts),
        )

    def edit_message(self, channel: str, ts: str, new_text: str) -> JSON:
        """A person edits stored message `ts`: the conversation changes, and the
        `message_changed` event Slack then sends is returned, to deliver."""
        with self.state.lock:
            stored = self._stored(channel, ts)
            event = self.message_changed_event(channel, ts, new_text, stored.user,
                                               stored.thread_ts)
            stored.text, stored.edited_ts = new_text, event["ts"]
        return event

    def message_unfurled_event(self, channel: str, ts: str, url: str) -> JSON:
        """Slack unfurling a link in stored message `ts`: `message_changed` with the same
        text and an `attachments` preview of `url`. Nobody edited it, so its message
        carries `edited` only if the person had edited it before."""
        stored = self._stored(channel, ts)
        return payloads.message_changed_event(
            channel, ts, stored.text, stored.user, stored.thread_ts,
            event_ts=self.next_ts(), previous_text=stored.text, team_id=self.team_id,
            kind=self._kind(channel), edited=stored.edited_ts is not None,
            edited_ts=stored.edited_ts, attachments=[payloads.link_unfurl(url)],
            parent_user=self._parent_user(channel, stored.thread_ts))

    def _stored(self, channel: str, ts: str) -> Message:
        stored = self.state.find_message(channel, ts)
        if stored is None:
            raise KeyError(f"no message {ts} in {channel}")
        return stored

    def message_deleted_event(
        self,
        channel: str,
        deleted_ts: str,
        thread_ts: str | None = None,
        *,
        previous_user: str | None = None,
        previous_text: str | None = None,
    ) -> JSON:
        stored = self.state.find_message(channel, deleted_ts)
        return payloads.message_deleted_event(
            channel,
            deleted_ts,
            thread_ts,
            event_ts=self.next_ts(),
            previous_user=_or_stored(previous_user, stored.user if stored else ""),
            previous_text=_or_stored(previous_text, stored.text if stored else ""),
            team_id=self.team_id,
            kind=self._kind(channel),
        )

    def block_actions_payload(
        self,
        user_id: str,
        action_id: str,
        value: str,
        channel: str | None = None,
        message_ts: str | None = None,
        trigger_id: str | None = None,
        block_id: str | None = None,
        *,
        view: JSON | None = None,
    ) -> JSON:
        """A click on a stored message's element (channel + message_ts) or in `view`."""
        with self.state.lock:
            stored = self.state.find_message(channel or "", message_ts or "")
            message = message_object(self.state, stored) if stored else None
        return payloads.block_actions_payload(
            user_id,
            action_id,
            value,
            channel,
            message_ts,
            trigger_id or self.new_trigger_id(),
            block_id,
            team_id=self.team_id,
            api_app_id=self.state.app_id,
            response_url=self._new_response_url(),
            action_ts=self.next_ts(),
            message=message,
            view=view,
        )

    def view_submission_payload(
        self,
        user_id: str,
        callback_id: str,
        values: JSON,
        private_metadata: str | None = None,
    ) -> JSON:
        """Submission of the latest opened view with this callback_id (if any)."""
        with self.state.lock:
            opened = [self.state.views[v] for v in self.state.opened_view_ids]
            view = next((v for v in reversed(opened) if v.get("callback_id") == callback_id), None)
            view = copy.deepcopy(view)
        if view is None:  # never opened here: still a view of its own, as in Slack
            view = {"id": self.state.new_id("V"),
                    "hash": f"{int(time.time())}.{secrets.token_hex(4)}"}
        # submitted from the workspace the delivery comes from
        view.update(team_id=self.team_id, app_installed_team_id=self.team_id)
        metadata = _or_stored(private_metadata, view.get("private_metadata", ""))
        return payloads.view_submission_payload(
            user_id,
            callback_id,
            values,
            metadata,
            team_id=self.team_id,
            api_app_id=self.state.app_id,
            trigger_id=self.new_trigger_id(),
            view=view,
        )


def _or_stored(given: str | None, stored: str) -> str:
    return stored if given is None else given
