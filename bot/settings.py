"""Environment settings (12-factor). Names are a contract: deployments depend on them.

Every setting is optional at load time; each command then asks for what it needs with
`require(...)`, so a missing or malformed setting gives one clear line naming it and
what to do, never a traceback.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./tend.db"
SLACK_API_URL = "https://slack.com/api/"

# What to do about each setting when it is missing; shown verbatim to the operator.
HOW_TO_SET = {
    "slack_bot_token": "set it to the Bot User OAuth Token (xoxb-…) from your Slack app's "
    "OAuth & Permissions page",
    "slack_signing_secret": "set it to the Signing Secret from your Slack app's Basic "
    "Information page",
    "slack_app_token": "set it to an app-level token (xapp-…) with the connections:write "
    "scope, from your Slack app's Basic Information page (Socket Mode)",
}


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line for the operator."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    slack_bot_token: SecretStr | None = Field(
        default=None, description="Bot User OAuth Token (`xoxb-…`).")
    slack_signing_secret: SecretStr | None = Field(
        default=None, description="Verifies that requests come from Slack.")
    slack_app_token: SecretStr | None = Field(
        default=None, description="App-level token (`xapp-…`) for `tend socket`.")
    slack_client_id: str | None = Field(
        default=None, description="With `SLACK_CLIENT_SECRET`: OAuth install for many "
        "workspaces at `/slack/install`; tokens are kept in the database and "
        "`SLACK_BOT_TOKEN` is not used.")
    slack_client_secret: SecretStr | None = Field(
        default=None, description="The app's Client Secret, for OAuth install.")
    slack_api_url: str = Field(
        default=SLACK_API_URL,
        description="The Web API base URL; tests and `tend demo` point it at the stand-in.")
    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLite or PostgreSQL; `postgres://` URLs are accepted as platforms "
        "give them.")
    port: int = Field(default=3000, ge=1, le=65535, description="`tend serve` listens here.")
    tend_catchup_hours: float = Field(
        default=3.0, gt=0, le=72,
        description="A prompt due longer ago than this is recorded as missed, not sent late.")
    tend_nudge_hours: float = Field(
        default=24.0, gt=0, le=168,
        description="Hours an unanswered prompt waits before its one private reminder.")
    tend_tick_seconds: int = Field(default=30, ge=1, le=3600,
                                   description="How often `tend clock` runs a tick.")
    tend_retention_days: int = Field(
        default=365, ge=30, le=3650,
        description="Raw text (replies, closed commitments and goals, sent messages) older "
        "than this is purged by the clock; team-level figures stay.")
    tend_uninstall_grace_days: int = Field(
        default=14, ge=0, le=90,
        description="After `app_uninstalled` or `tokens_revoked` the tokens go at once; the "
        "workspace's data is deleted this many days later unless it is reinstalled.")
    tend_metrics_token: SecretStr | None = Field(
        default=None,
        description="When set, `GET /metrics` answers only requests with "
        "`Authorization: Bearer <token>` (401 otherwise); when unset it is open, as before.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field(
        default="INFO", description="Python log level (`DEBUG`, `INFO`, `WARNING`, `ERROR` "
        "or `CRITICAL`); logs never carry message text.")
    log_format: Literal["json", "text"] = Field(
        default="json",
        description="`json`: one JSON object per log line (ts, level, logger, msg and any "
        "extra fields) from `tend serve`, `socket`, `clock` and `tick`; `text`: plain "
        "lines for people. Other commands always log plain text.")

    @field_validator("log_format", mode="before")
    @classmethod
    def _lowercase_format(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _uppercase_level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _normalise_database_url(cls, value: str) -> str:
        return normalise_database_url(value)

    @field_validator("slack_api_url")
    @classmethod
    def _slash_terminated(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    def require(self, *names: str) -> None:
        """Raise SettingsError for the first of `names` that is not set."""
        for name in names:
            value = getattr(self, name)
            secret = value.get_secret_value() if isinstance(value, SecretStr) else value
            if not secret:
                hint = HOW_TO_SET.get(name, "set it in the environment")
                raise SettingsError(f"{name.upper()} is not set: {hint}.")

    @property
    def oauth_install(self) -> bool:
        """Many workspaces via OAuth install, rather than one workspace's bot token."""
        return bool(self.slack_client_id and self.secret("slack_client_secret"))

    def secret(self, name: str) -> str:
        value = getattr(self, name)
        return value.get_secret_value() if isinstance(value, SecretStr) else str(value or "")


def normalise_database_url(url: str) -> str:
    """Accept `postgres://` as hosting platforms give it, and use the psycopg 3 driver."""
    url = url.strip()
    if not url:
        raise ValueError("is empty; leave it unset for SQLite at ./tend.db")
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    if not url.startswith(("sqlite", "postgresql+")):
        raise ValueError("must be a sqlite:/// or postgres:// URL")
    return url


def load_settings(**overrides: Any) -> Settings:
    """Read settings from the environment, turning validation errors into one line."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        raise SettingsError(f"{name} is malformed: {first['msg']}.") from None
