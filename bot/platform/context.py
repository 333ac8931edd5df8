"""What services need from the outside world, injected: database, Slack, clock, settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.platform.pacing import TokenBucket
from bot.settings import Settings
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


def _setting_default(name: str) -> float:
    """A setting's documented default: one value for Settings and for Services built
    without settings (benchmarks, tests), so the two cannot disagree."""
    return float(Settings.model_fields[name].default)


@dataclass
class Services:
    db: Database
    slack: SlackWorkspaces
    catchup: timedelta = timedelta(hours=_setting_default("tend_catchup_hours"))
    nudge_after: timedelta = timedelta(hours=_setting_default("tend_nudge_hours"))
    retention: timedelta = timedelta(days=_setting_default("tend_retention_days"))
    clock: Callable[[], datetime] = field(default=wall_clock)

    uninstall_grace: timedelta = timedelta(days=_setting_default("tend_uninstall_grace_days"))
    # Paces the conversations this process opens ahead (one bucket per process).
    open_bucket: TokenBucket = field(default_factory=TokenBucket)
    # users.list pages one tick reads; a workspace's pass goes on at the next tick from
    # the cursor kept in the database. Tier 2 allows about 20 a minute: 5 a 30 s tick
    # stay at half of that, and 50,000 members (250 pages of 200) take 50 ticks.
    users_list_pages: int = 5

    def now(self) -> datetime:
        return self.clock()

    def gateway_for(self, workspace_id: str) -> SlackGateway:
        """The Web API as this workspace's bot: a caller can act only where it is."""
        return self.slack.gateway(workspace_id)
