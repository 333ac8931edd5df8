"""Building the Bolt app. Nothing here runs at import time: call create_app().

Two ways to be installed: token mode (`SLACK_BOT_TOKEN`, one workspace) and OAuth
install (`SLACK_CLIENT_ID` + `SLACK_CLIENT_SECRET`, many workspaces, tokens in slack_sdk's
SQLAlchemy installation store on our own tables).
"""

from __future__ import annotations

import logging
from concurrent.futures import Executor
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient

from bot.handlers import register_all
from bot.platform.context import Services
from bot.settings import Settings, SettingsError
from bot.slack.gateway import SlackGateway, build_client
from bot.slack.manifest import BOT_SCOPES
from bot.slack.workspaces import (
    InstalledWorkspaces,
    SingleWorkspace,
    SlackUnavailable,
    TokenRefused,
    learn_workspace,
)
from bot.storage import slack_oauth
from bot.storage.db import Database
from bot.storage.workspaces import adopt_legacy_rows, ensure_workspace

log = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"


def create_services(settings: Settings, *, db: Database | None = None,
                    client: WebClient | None = None) -> Services:
    db = db or Database.from_url(settings.database_url)
    if settings.oauth_install:
        store = slack_oauth.installation_store(str(settings.slack_client_id),
                                               slack_oauth.store_engine(db.engine))
        slack: InstalledWorkspaces | SingleWorkspace = InstalledWorkspaces(
            store, settings.slack_api_url)
    else:
        _require_token_mode(settings)
        gateway = SlackGateway(
            client or build_client(settings.secret("slack_bot_token"), settings.slack_api_url))
        slack = SingleWorkspace(gateway, _token_workspace(gateway))
        with db.scope() as session:  # rows from before workspaces existed become its
            adopt_legacy_rows(session, slack.workspace_id, now=datetime.now(UTC))
    return Services(
        db=db,
        slack=slack,
        catchup=timedelta(hours=settings.tend_catchup_hours),
        nudge_after=timedelta(hours=settings.tend_nudge_hours),
        retention=timedelta(days=settings.tend_retention_days),
        uninstall_grace=timedelta(days=settings.tend_uninstall_grace_days),
    )


def _require_token_mode(settings: Settings) -> None:
    """Without OAuth, the one workspace's bot token; name what is half set."""
    if bool(settings.slack_client_id) != bool(settings.secret("slack_client_secret")):
        missing = "SLACK_CLIENT_SECRET" if settings.slack_client_id else "SLACK_CLIENT_ID"
        raise SettingsError(f"{missing} is not set: OAuth install (many workspaces) needs "
                            "both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET.")
    if not settings.secret("slack_bot_token"):
        raise SettingsError(
            "SLACK_BOT_TOKEN is not set: set it to the Bot User OAuth Token (xoxb-…) for "
            "one workspace, or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for many (OAuth).")


def _token_workspace(gateway: SlackGateway) -> str:
    try:
        return learn_workspace(gateway)
    except TokenRefused as exc:
        raise SettingsError(f"SLACK_BOT_TOKEN was not accepted by Slack ({exc.error}): "
                            "check the Bot User OAuth Token.") from None
    except SlackUnavailable as exc:
        raise SettingsError(
            f"Slack did not answer auth.test after {exc.attempts} tries over "
            f"{exc.waited:.0f} s (last: {exc.error}), so SLACK_BOT_TOKEN could not be "
            "checked: Slack or the network is unavailable; try again later.") from None


def create_app(settings: Settings, *, services: Services | None = None,
               client: WebClient | None = None,
               listener_executor: Executor | None = None) -> App:
    """The Bolt app, with every listener registered against `services`. Its lazy
    listeners (the work after each ack) run in `listener_executor`, Bolt's own thread
    pool by default."""
    settings.require("slack_signing_secret")
    services = services or create_services(settings, client=client)
    common: dict[str, Any] = {
        "signing_secret": settings.secret("slack_signing_secret"),
        # Persist before answering: a listener's work is stored when Slack gets its 200,
        # so a process that dies afterwards loses nothing Slack will not retry. Slack
        # calls the answer does not need come after it (bot/handlers/after_ack.py).
        "process_before_response": True,
        "logger": logging.getLogger("bot.bolt"),
    }
    if listener_executor is not None:
        common["listener_executor"] = listener_executor
    if isinstance(services.slack, InstalledWorkspaces):
        app = App(**common, installation_store=services.slack.store,
                  oauth_settings=_oauth_settings(settings, services),
                  # Only for oauth.v2.access; listeners get a client with their token.
                  client=WebClient(base_url=settings.slack_api_url, timeout=15))
    elif isinstance(services.slack, SingleWorkspace):
        app = App(**common, client=services.slack.gateway(services.slack.workspace_id).client)
    else:
        raise TypeError(f"unknown Slack workspaces: {services.slack!r}")
    register_all(app, services)
    return app


def _oauth_settings(settings: Settings, services: Services) -> OAuthSettings:
    def installed(args: SuccessArgs) -> BoltResponse:
        installation = args.installation
        with services.db.scope() as session:
            ensure_workspace(session, str(installation.team_id), name=installation.team_name,
                             now=datetime.now(UTC))
        log.info("installed in workspace %s (Enterprise Grid: %s)", installation.team_id,
                 installation.enterprise_id or "none")
        return args.default.success(args)

    def failed(args: FailureArgs) -> BoltResponse:
        log.warning("an install failed: %s", args.reason)
        return args.default.failure(args)

    assert isinstance(services.slack, InstalledWorkspaces)
    return OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.secret("slack_client_secret"),
        scopes=sorted(BOT_SCOPES),
        installation_store=services.slack.store,
        installation_store_bot_only=True,
        # The installation store's engine: one extra engine for both stores, not two.
        state_store=slack_oauth.state_store(services.slack.store.engine),
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        callback_options=CallbackOptions(success=installed, failure=failed),
    )
