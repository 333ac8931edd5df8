"""The one module that talks to Slack's Web API: a thin gateway around WebClient.

Everything else asks the gateway; errors come back as `SlackCallError`, which says
whether retrying could help. Rate limits (429 + Retry-After) and connection errors are
retried by slack_sdk's own retry handlers; 5xx answers by the outbox (see build_client).
The outbox's look-back (`find_posted`) is the exception: its 429s come back at once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from prometheus_client import Counter
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.webhook import WebhookClient

log = logging.getLogger(__name__)
# Counted per process, where the calls fail; GET /metrics shows it (bot/platform/metrics.py).
SLACK_API_ERRORS = Counter("tend_slack_api_errors", "Slack Web API calls that failed, "
                           "in this process", ["method", "error"])

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
        "msg_blocks_too_long",
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
# Apps outside the Slack Marketplace get conversations.history at one request a minute
# and at most 15 messages a page (2025 limits): ask for pages of 15, and page.
HISTORY_PAGE = 15
HISTORY_METHOD = "conversations.history"
REPLIES_METHOD = "conversations.replies"  # the same tier: a thread's history
# users.list page size: Slack answers up to 1000 a page but recommends 200 or fewer.
USERS_PAGE = 200


@dataclass
class SlackCallError(Exception):
    method: str
    error: str
    status: int | None = None
    retry_after: float | None = None  # seconds, from a 429's Retry-After

    @property
    def permanent(self) -> bool:
        return self.error in PERMANENT_ERRORS

    @property
    def rate_limited(self) -> bool:
        return self.status == 429 or self.error == "ratelimited"

    def __str__(self) -> str:
        return f"{self.method}: {self.error}"


@dataclass
class LookBackInterrupted(SlackCallError):
    """A look-back that failed after searching part of its window: every message newer
    than `searched_down_to` (a Slack ts) was searched, and none was the post."""

    searched_down_to: str = ""


class RateLimitRetryExceptLookBack(RateLimitErrorRetryHandler):
    """slack_sdk's 429 retry (sleep Retry-After, call again) for every method but
    conversations.history: at one request a minute, sleeping would stall the whole
    drain; the sender puts that message back for later instead (docs/decisions.md)."""

    def _can_retry(self, *, state: RetryState, request: HttpRequest,
                   response: HttpResponse | None = None,
                   error: Exception | None = None) -> bool:
        if request.url.rstrip("/").endswith((HISTORY_METHOD, REPLIES_METHOD)):
            return False
        return super()._can_retry(state=state, request=request, response=response,
                                  error=error)


@dataclass(frozen=True)
class ListedUser:
    id: str
    tz: str
    deleted: bool


@dataclass(frozen=True)
class UsersPage:
    users: list[ListedUser]
    next_cursor: str | None  # None after the last page


@contextmanager
def _slack_errors(method: str) -> Iterator[None]:
    """slack_sdk's exceptions as SlackCallError, which says whether a retry could help."""
    try:
        yield
    except SlackApiError as exc:
        error = str(exc.response.get("error", "unknown_error"))
        log.warning("slack call failed: %s %s", method, error)
        SLACK_API_ERRORS.labels(method=method, error=error).inc()
        raise SlackCallError(method, error, exc.response.status_code,
                             _retry_after(exc.response.headers)) from None
    except SlackClientError as exc:
        raise SlackCallError(method, f"client_error:{type(exc).__name__}") from None
    except OSError as exc:  # connection refused / reset, after slack_sdk's retries
        raise SlackCallError(method, f"connection_error:{type(exc).__name__}") from None


def slack_ts(moment: datetime) -> str:
    return f"{moment.timestamp():.6f}"


def build_client(token: str, base_url: str) -> WebClient:
    client = WebClient(token=token, base_url=base_url, timeout=15)
    # No ServerErrorRetryHandler: Slack can store a post and still answer 5xx, and a blind
    # retry posts it twice. The outbox retries 5xx itself, looking for the post first.
    client.retry_handlers.append(RateLimitRetryExceptLookBack(max_retry_count=2))
    if not any(isinstance(h, ConnectionErrorRetryHandler) for h in client.retry_handlers):
        client.retry_handlers.append(ConnectionErrorRetryHandler())
    return client


def _retry_after(headers: Mapping[str, Any] | None) -> float | None:
    """Retry-After of a 429, in seconds (None if absent or unreadable, never negative)."""
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) and value else value
            try:
                return max(0.0, float(raw))
            except (TypeError, ValueError):
                return None
    return None


class SlackGateway:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    def _call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        """Call a WebClient method by its Slack name ("chat.postMessage")."""
        bound = getattr(self.client, method.replace(".", "_"))
        with _slack_errors(method):
            response = bound(**kwargs)
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

    def users_page(self, cursor: str | None = None) -> UsersPage:
        """One users.list page of USERS_PAGE people with their zones (one Tier 2 call
        instead of a users.info per person), from Slack's `cursor` (None: the first)."""
        page = self._call("users.list", limit=USERS_PAGE, **({"cursor": cursor} if cursor else {}))
        users = [ListedUser(str(user["id"]), str(user.get("tz") or "UTC"),
                            deleted=bool(user.get("deleted")))
                 for user in page.get("members") or []
                 if isinstance(user, dict) and isinstance(user.get("id"), str)]
        next_cursor = (page.get("response_metadata") or {}).get("next_cursor")
        return UsersPage(users, str(next_cursor) if next_cursor else None)

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

    def find_posted(self, channel: str, outbox_key: str, *, oldest: str,
                    latest: str, thread_ts: str | None = None) -> str | None:
        """The ts of a message tend already posted with this outbox key, if any.

        A sender that died after Slack accepted a post, but before recording it, finds the
        post here on restart instead of posting it twice. The top-level messages (or, with
        `thread_ts`, that thread's replies: a proposal's outcome) posted between `oldest`
        and `latest` (Slack ts, inclusive) are searched, a page of 15 at a time until the
        window is exhausted. A failed page raises SlackCallError, or LookBackInterrupted
        once some pages were searched.
        """
        cursor: str | None = None
        searched_down_to: str | None = None
        while True:
            args: dict[str, Any] = {"channel": channel, "oldest": oldest, "latest": latest,
                                    "inclusive": True, "limit": HISTORY_PAGE,
                                    # Slack returns message metadata only when asked.
                                    "include_all_metadata": True}
            if cursor:
                args["cursor"] = cursor
            if thread_ts:
                args["ts"] = thread_ts
            try:
                data = self._call(REPLIES_METHOD if thread_ts else HISTORY_METHOD, **args)
            except SlackCallError as exc:
                if searched_down_to is None:
                    raise
                raise LookBackInterrupted(exc.method, exc.error, exc.status, exc.retry_after,
                                          searched_down_to=searched_down_to) from None
            messages = data.get("messages") or []
            for message in messages:
                if _carries_key(message, outbox_key):
                    return str(message["ts"])
            cursor = (data.get("response_metadata") or {}).get("next_cursor")
            if not (data.get("has_more") and cursor and messages):
                return None
            searched_down_to = min((str(m["ts"]) for m in messages), key=float)

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
        try:  # slack_sdk leaves out a thread_ts of None
            self.client.files_upload_v2(channel=channel, content=content, filename=filename,
                                        title=title, alt_txt=alt_text,
                                        thread_ts=thread_ts or None)
        except SlackApiError as exc:
            raise SlackCallError("files.upload", str(exc.response.get("error"))) from None
        except (SlackClientError, OSError) as exc:
            raise SlackCallError("files.upload", f"client_error:{type(exc).__name__}") from None

    # -- views -----------------------------------------------------------------------
    def open_view(self, trigger_id: str, view: dict[str, Any]) -> None:
        self._call("views.open", trigger_id=trigger_id, view=view)

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        self._call("views.publish", user_id=user_id, view=view)



def _carries_key(message: dict[str, Any], outbox_key: str) -> bool:
    metadata = message.get("metadata") or {}
    return (metadata.get("event_type") == METADATA_EVENT_TYPE
            and (metadata.get("event_payload") or {}).get("key") == outbox_key)

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
