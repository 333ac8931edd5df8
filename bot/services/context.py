"""What services need from the outside world, injected: database, Slack, clock, settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.slack.gateway import SlackGateway
from bot.storage.db import Database


def wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    db: Database
    gateway: SlackGateway
    catchup: timedelta = timedelta(hours=3)
    nudge_after: timedelta = timedelta(hours=24)
    retention: timedelta = timedelta(days=365)
    clock: Callable[[], datetime] = field(default=wall_clock)

    def now(self) -> datetime:
        return self.clock()
