"""Which bot token speaks for which workspace.

Token mode (`SLACK_BOT_TOKEN`) serves the one workspace that token belongs to; OAuth
mode (`SLACK_CLIENT_ID`/`SLACK_CLIENT_SECRET`) finds each workspace's bot token in
slack_sdk's installation store. Either way, a caller names the workspace it acts for
and gets a gateway that can only act there.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

from bot.slack.gateway import SlackCallError, SlackGateway, build_client
from bot.storage.slack_oauth import find_workspace_bot

log = logging.getLogger(__name__)

NOT_INSTALLED = "workspace_not_installed"


class SlackWorkspaces(Protocol):
    def gateway(self, workspace_id: str) -> SlackGateway:
        """The gateway for `workspace_id`; SlackCallError(NOT_INSTALLED) if there is none."""
        ...

    def forget(self, workspace_id: str) -> None:
        """Drop any cached client for a workspace whose tokens were revoked."""
        ...


class SingleWorkspace:
    """Token mode: one bot token, one workspace (its id comes from auth.test)."""

    def __init__(self, gateway: SlackGateway, workspace_id: str) -> None:
        self._gateway = gateway
        self.workspace_id = workspace_id
        self._revoked = False

    def gateway(self, workspace_id: str) -> SlackGateway:
        if workspace_id != self.workspace_id or self._revoked:
            raise SlackCallError("auth", NOT_INSTALLED)
        return self._gateway

    def forget(self, workspace_id: str) -> None:
        if workspace_id == self.workspace_id:
            self._revoked = True


# Only these auth.test answers mean the token is wrong. Anything else (internal_error,
# a 5xx, a 429 past slack_sdk's own retries, a dropped connection) says nothing about it.
TOKEN_REFUSED = frozenset({"invalid_auth", "account_inactive", "token_revoked", "not_authed"})


class TokenRefused(Exception):
    """Slack said the bot token is not valid."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class SlackUnavailable(Exception):
    """Slack kept failing auth.test for reasons that say nothing about the token."""

    def __init__(self, error: str, *, attempts: int, waited: float) -> None:
        super().__init__(error)
        self.error, self.attempts, self.waited = error, attempts, waited


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff for a call worth retrying: `first`, doubling, at most
    `longest` between tries (longer if Slack's Retry-After asks), `attempts` tries and
    `budget` seconds of waiting in all."""

    attempts: int = 6
    first: float = 1.0
    longest: float = 30.0
    budget: float = 120.0

    def wait(self, attempt: int, retry_after: float | None) -> float:
        return max(min(self.first * 2 ** attempt, self.longest), retry_after or 0.0)


# About half a minute of retries at start (1, 2, 4, 8, 16 s), more if Slack asks.
STARTUP_BACKOFF = Backoff()


def learn_workspace(gateway: SlackGateway, *, backoff: Backoff | None = None,
                    sleep: Callable[[float], None] = time.sleep) -> str:
    """Token mode: the token's workspace from auth.test, asking again while Slack fails
    in a way that may pass. TokenRefused if the token is wrong; SlackUnavailable if
    Slack still fails after the backoff."""
    backoff = backoff or STARTUP_BACKOFF
    waited = 0.0
    for attempt in range(backoff.attempts):
        try:
            return gateway.workspace_id()
        except SlackCallError as exc:
            if exc.error in TOKEN_REFUSED:
                raise TokenRefused(exc.error) from None
            failure = exc
        wait = backoff.wait(attempt, failure.retry_after)
        if attempt + 1 == backoff.attempts or waited + wait > backoff.budget:
            break
        log.warning("auth.test failed (%s); asking Slack again in %.1f s", failure.error, wait)
        sleep(wait)
        waited += wait
    raise SlackUnavailable(_described(failure), attempts=attempt + 1, waited=waited)


def _described(failure: SlackCallError) -> str:
    """Slack's error code, and the HTTP status when it is not 200 (a 5xx may carry an
    HTML page, which slack_sdk turns into a long message: keep its start)."""
    error = failure.error if len(failure.error) <= 60 else failure.error[:57] + "..."
    return error if failure.status in (None, 200) else f"HTTP {failure.status}, {error}"


class InstalledWorkspaces:
    """OAuth mode: each workspace's bot token from the installation store.

    A token is looked up again after `ttl` seconds, so a drain of many messages does not
    query the store for each. A token revoked meanwhile fails with `token_revoked`,
    which the sender treats as permanent: nothing is sent twice or in the wrong place.
    """

    def __init__(self, store: SQLAlchemyInstallationStore, api_url: str, *, ttl: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self._api_url = api_url
        self._ttl, self._clock = ttl, clock
        self._gateways: dict[str, tuple[float, str, SlackGateway]] = {}
        self._lock = threading.Lock()  # web threads share one instance

    def gateway(self, workspace_id: str) -> SlackGateway:
        with self._lock:
            cached = self._gateways.get(workspace_id)
        if cached is not None and self._clock() - cached[0] < self._ttl:
            return cached[2]
        # By workspace alone: a workspace of an Enterprise Grid is stored under its
        # organisation's id, which the clock and the outbox do not know.
        bot = find_workspace_bot(self.store, workspace_id)
        if bot is None or not bot.bot_token:
            self.forget(workspace_id)
            raise SlackCallError("auth", NOT_INSTALLED)
        gateway = (cached[2] if cached is not None and cached[1] == bot.bot_token
                   else SlackGateway(build_client(bot.bot_token, self._api_url)))
        with self._lock:
            self._gateways[workspace_id] = (self._clock(), bot.bot_token, gateway)
        return gateway

    def forget(self, workspace_id: str) -> None:
        with self._lock:
            self._gateways.pop(workspace_id, None)
