"""What services need from the outside world, injected: database, Slack, clock, settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.slack.gateway import SlackGateway
from bot.slack.workspaces import SlackWorkspaces
from bot.storage.db import Database


def wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Caller:
    """Who is asking: a Slack user, in the workspace the request came from. User ids
    can recur across workspaces (Enterprise Grid), so a user id alone identifies nobody."""

    workspace_id: str
    user_id: str


@dataclass
class Services:
    db: Database
    slack: SlackWorkspaces
    catchup: timedelta = timedelta(hours=3)
    nudge_after: timedelta = timedelta(hours=24)
    retention: timedelta = timedelta(days=365)
    clock: Callable[[], datetime] = field(default=wall_clock)

    uninstall_grace: timedelta = timedelta(days=30)

    def now(self) -> datetime:
        return self.clock()

    def gateway_for(self, workspace_id: str) -> SlackGateway:
        """The Web API as this workspace's bot: a caller can act only where it is."""
        return self.slack.gateway(workspace_id)
