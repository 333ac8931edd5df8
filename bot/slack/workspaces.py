"""Which bot token speaks for which workspace.

Token mode (`SLACK_BOT_TOKEN`) serves the one workspace that token belongs to; OAuth
mode (`SLACK_CLIENT_ID`/`SLACK_CLIENT_SECRET`) finds each workspace's bot token in
slack_sdk's installation store. Either way, a caller names the workspace it acts for
and gets a gateway that can only act there.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

from slack_sdk.oauth.installation_store import InstallationStore

from bot.slack.gateway import SlackCallError, SlackGateway, build_client

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


class InstalledWorkspaces:
    """OAuth mode: each workspace's bot token from the installation store.

    A token is looked up again after `ttl` seconds, so a drain of many messages does not
    query the store for each. A token revoked meanwhile fails with `token_revoked`,
    which the sender treats as permanent: nothing is sent twice or in the wrong place.
    """

    def __init__(self, store: InstallationStore, api_url: str, *, ttl: float = 60.0,
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
        bot = self.store.find_bot(enterprise_id=None, team_id=workspace_id)
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
