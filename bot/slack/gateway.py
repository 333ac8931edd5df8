"""The one module that talks to Slack's Web API: a thin gateway around WebClient.

Everything else asks the gateway; errors come back as `SlackCallError`, which says
whether retrying could help. Rate limits (429 + Retry-After) and connection errors are
retried by slack_sdk's own retry handlers; 5xx answers by the outbox (see build_client).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.webhook import WebhookClient

from bot.runtime.metrics import SLACK_API_ERRORS

log = logging.getLogger(__name__)

# Errors about one person or conversation that no retry will fix.
PERMANENT_ERRORS = frozenset(
    {
        "user_not_found",
        "users_not_found",
        "channel_not_found",
        "not_in_channel",
        "account_inactive",
        "user_disabled",
        "is_archived",
        "cannot_dm_bot",
        "restricted_action",
        "no_permission",
        "method_not_supported_for_channel_type",
        "invalid_blocks",
        "msg_too_long",
        "invalid_auth",
        "not_authed",
        "missing_scope",
        "message_not_found",
        "cant_update_message",
        "workspace_not_installed",  # uninstalled, or tokens revoked
        "token_revoked",
    }
)

METADATA_EVENT_TYPE = "tend_outbox"


@dataclass
class SlackCallError(Exception):
    method: str
    error: str
    status: int | None = None

    @property
    def permanent(self) -> bool:
        return self.error in PERMANENT_ERRORS

    def __str__(self) -> str:
        return f"{self.method}: {self.error}"


def build_client(token: str, base_url: str) -> WebClient:
    client = WebClient(token=token, base_url=base_url, timeout=15)
    # No ServerErrorRetryHandler: Slack can store a post and still answer 5xx, and a blind
    # retry posts it twice. The outbox retries 5xx itself, looking for the post first.
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    if not any(isinstance(h, ConnectionErrorRetryHandler) for h in client.retry_handlers):
        client.retry_handlers.append(ConnectionErrorRetryHandler())
    return client


class SlackGateway:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    def _call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        """Call a WebClient method by its Slack name ("chat.postMessage")."""
        bound = getattr(self.client, method.replace(".", "_"))
        try:
            response = bound(**kwargs)
        except SlackApiError as exc:
            error = str(exc.response.get("error", "unknown_error"))
            log.warning("slack call failed: %s %s", method, error)
            SLACK_API_ERRORS.labels(method=method, error=error).inc()
            raise SlackCallError(method, error, exc.response.status_code) from None
        except SlackClientError as exc:
            raise SlackCallError(method, f"client_error:{type(exc).__name__}") from None
        except OSError as exc:  # connection refused / reset, after slack_sdk's retries
            raise SlackCallError(method, f"connection_error:{type(exc).__name__}") from None
        return dict(response.data) if isinstance(response.data, dict) else {}

    def workspace_id(self) -> str:
        """The workspace this token belongs to (auth.test)."""
        return str(self._call("auth.test")["team_id"])

    # -- people and conversations ------------------------------------------------
    def user_timezone(self, user_id: str) -> str:
        user = self._call("users.info", user=user_id)["user"]
        if user.get("deleted"):
            raise SlackCallError("users.info", "account_inactive")
        return str(user.get("tz") or "UTC")

    def is_workspace_admin(self, user_id: str) -> bool:
        """Admins and owners may set up any team; any failure answers no."""
        try:
            user = self._call("users.info", user=user_id)["user"]
        except SlackCallError:
            return False
        return bool(user.get("is_admin") or user.get("is_owner"))

    def open_conversation(self, users: list[str]) -> str:
        data = self._call("conversations.open", users=users)
        return str(data["channel"]["id"])

    def join_channel(self, channel: str) -> None:
        self._call("conversations.join", channel=channel)

    # -- messages ------------------------------------------------------------------
    def post_message(
        self,
        channel: str,
        *,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        outbox_key: str | None = None,
    ) -> str:
        args: dict[str, Any] = {"channel": channel, "text": text, "unfurl_links": False}
        if blocks is not None:
            args["blocks"] = blocks
        if thread_ts:
            args["thread_ts"] = thread_ts
        if outbox_key:
            # Lets a restarted sender find what it already posted (see the outbox).
            args["metadata"] = {
                "event_type": METADATA_EVENT_TYPE,
                "event_payload": {"key": outbox_key},
            }
        return str(self._call("chat.postMessage", **args)["ts"])

    def find_posted(self, channel: str, outbox_key: str, *, look_back: int = 100) -> str | None:
        """The ts of a message tend already posted with this outbox key, if any.

        A sender that died after Slack accepted a post, but before recording it, finds the
        post here on restart instead of posting it twice.
        """
        data = self._call("conversations.history", channel=channel, limit=look_back,
                          include_all_metadata=True)
        for message in data.get("messages", []):
            metadata = message.get("metadata") or {}
            if (metadata.get("event_type") == METADATA_EVENT_TYPE
                    and (metadata.get("event_payload") or {}).get("key") == outbox_key):
                return str(message["ts"])
        return None

    def update_message(
        self, channel: str, ts: str, *, text: str, blocks: list[dict[str, Any]]
    ) -> None:
        self._call("chat.update", channel=channel, ts=ts, text=text, blocks=blocks)

    def post_ephemeral(
        self, channel: str, user: str, *, text: str, blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
    ) -> None:
        """A note only `user` sees; with `thread_ts`, inside that thread, where they are
        writing (without it, Slack shows it in the conversation's main view)."""
        args: dict[str, Any] = {"channel": channel, "user": user, "text": text}
        if blocks is not None:
            args["blocks"] = blocks
        if thread_ts:
            args["thread_ts"] = thread_ts
        self._call("chat.postEphemeral", **args)

    def add_reaction(self, channel: str, ts: str, name: str) -> None:
        try:
            self._call("reactions.add", channel=channel, timestamp=ts, name=name)
        except SlackCallError as exc:
            if exc.error != "already_reacted":
                raise

    def upload_file(self, channel: str, *, thread_ts: str | None, content: bytes,
                    filename: str, title: str, alt_text: str) -> None:
        """Upload with slack_sdk's files_upload_v2 (the current upload API)."""
        extra = {"thread_ts": thread_ts} if thread_ts else {}
        try:
            self.client.files_upload_v2(channel=channel, content=content, filename=filename,
                                        title=title, alt_txt=alt_text, **extra)
        except SlackApiError as exc:
            raise SlackCallError("files.upload", str(exc.response.get("error"))) from None
        except (SlackClientError, OSError) as exc:
            raise SlackCallError("files.upload", f"client_error:{type(exc).__name__}") from None

    # -- views -----------------------------------------------------------------------
    def open_view(self, trigger_id: str, view: dict[str, Any]) -> None:
        self._call("views.open", trigger_id=trigger_id, view=view)

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        self._call("views.publish", user_id=user_id, view=view)



def respond(response_url: str, *, text: str, blocks: list[dict[str, Any]] | None = None,
            replace_original: bool = False) -> None:
    """A private answer through an interaction's `response_url`: it reaches the person in
    any conversation, even one tend is not in (no token needed, valid for 30 minutes)."""
    try:
        response = WebhookClient(response_url, timeout=15).send(
            text=text, blocks=blocks, response_type="ephemeral",
            replace_original=replace_original)
    except (SlackClientError, OSError) as exc:
        raise SlackCallError("response_url", f"client_error:{type(exc).__name__}") from None
    if response.status_code != 200:
        raise SlackCallError("response_url", response.body or f"http_{response.status_code}",
                             response.status_code)
