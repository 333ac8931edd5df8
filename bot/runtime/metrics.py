"""`GET /metrics` in Prometheus format (prometheus-client).

Most figures are read from the database at scrape time, so every web replica reports
the same whole-system values whichever process did the work (the clock sends prompts,
the web stores replies). Slack API errors are counted per process, where they happen.
All figures are about the system, never about a person (P1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from bot.domain.enums import OutboxStatus
from bot.storage.db import Database
from bot.storage.models import Occurrence, OutboxMessage, Reply, Ritual

SLACK_API_ERRORS = Counter("tend_slack_api_errors", "Slack Web API calls that failed, "
                           "in this process", ["method", "error"])


class DatabaseCollector(Collector):
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db, self.clock = db, clock

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        with self.db.scope() as session:
            sent = CounterMetricFamily("tend_prompts_sent", "Prompts delivered to Slack, by "
                                       "ritual", labels=["ritual"])
            for kind, count in session.execute(
                    select(func.coalesce(Ritual.kind, "notice"), func.count())
                    .select_from(OutboxMessage)
                    .outerjoin(Occurrence, Occurrence.id == OutboxMessage.occurrence_id)
                    .outerjoin(Ritual, Ritual.id == Occurrence.ritual_id)
                    .where(OutboxMessage.status == OutboxStatus.SENT).group_by(Ritual.kind)):
                sent.add_metric([str(kind)], count)
            yield sent
            failed = CounterMetricFamily("tend_prompts_failed", "Messages given up on, by "
                                         "Slack's reason", labels=["reason"])
            for reason, count in session.execute(
                    select(OutboxMessage.last_error, func.count())
                    .where(OutboxMessage.status == OutboxStatus.FAILED)
                    .group_by(OutboxMessage.last_error)):
                failed.add_metric([str(reason)], count)
            yield failed
            replies = CounterMetricFamily("tend_replies_stored", "Replies kept in tend threads")
            replies.add_metric([], session.scalar(select(func.count()).select_from(Reply)) or 0)
            yield replies
            depth = session.scalar(select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)))) or 0
            yield GaugeMetricFamily("tend_outbox_depth", "Messages waiting to be sent",
                                    value=depth)
            oldest = session.scalar(select(func.min(OutboxMessage.next_attempt_at)).where(
                OutboxMessage.status == OutboxStatus.PENDING))
        lag = max(0.0, (self.clock() - oldest).total_seconds()) if oldest else 0.0
        yield GaugeMetricFamily("tend_tick_lag_seconds", "How long the oldest due message "
                                "has waited", value=lag)


def metrics_page(db: Database, clock: Callable[[], datetime]) -> bytes:
    registry = CollectorRegistry()
    registry.register(DatabaseCollector(db, clock))
    registry.register(SLACK_API_ERRORS)
    return generate_latest(registry)
