"""Which bot token speaks for which workspace.

Token mode (`SLACK_BOT_TOKEN`) serves the one workspace that token belongs to; OAuth
mode (`SLACK_CLIENT_ID`/`SLACK_CLIENT_SECRET`) finds each workspace's bot token in
slack_sdk's installation store. Either way, a caller names the workspace it acts for
and gets a gateway that can only act there.
"""

from __future__ import annotations

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
    """OAuth mode: each workspace's bot token from the installation store, cached."""

    def __init__(self, store: InstallationStore, api_url: str) -> None:
        self.store = store
        self._api_url = api_url
        self._gateways: dict[str, tuple[str, SlackGateway]] = {}

    def gateway(self, workspace_id: str) -> SlackGateway:
        bot = self.store.find_bot(enterprise_id=None, team_id=workspace_id)
        if bot is None or not bot.bot_token:
            self._gateways.pop(workspace_id, None)
            raise SlackCallError("auth", NOT_INSTALLED)
        cached = self._gateways.get(workspace_id)
        if cached is None or cached[0] != bot.bot_token:  # reinstalled: a new token
            cached = (bot.bot_token, SlackGateway(build_client(bot.bot_token, self._api_url)))
            self._gateways[workspace_id] = cached
        return cached[1]

    def forget(self, workspace_id: str) -> None:
        self._gateways.pop(workspace_id, None)
