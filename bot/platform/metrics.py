"""`GET /metrics` in Prometheus format (prometheus-client).

Most figures are read from the database at scrape time, so every web replica reports
the same whole-system values whichever process did the work (the clock sends prompts,
the web stores replies). Slack API errors are counted per process, where they happen.
All figures are about the system, never about a person (P1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.slack.gateway import SLACK_API_ERRORS
from bot.storage import system_counts as counts
from bot.storage.db import Database


class DatabaseCollector(Collector):
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db, self.clock = db, clock

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        with self.db.scope() as session:
            sent = CounterMetricFamily("tend_prompts_sent", "Prompts delivered to Slack, by "
                                       "ritual", labels=["ritual"])
            for kind, count in counts.prompts_sent_by_kind(session):
                sent.add_metric([kind], count)
            yield sent
            failed = CounterMetricFamily("tend_prompts_failed", "Messages given up on, by "
                                         "Slack's reason", labels=["reason"])
            for reason, count in counts.failures_by_reason(session):
                failed.add_metric([reason], count)
            yield failed
            replies = CounterMetricFamily("tend_replies_stored", "Replies kept in tend threads")
            replies.add_metric([], counts.replies_stored(session))
            yield replies
            yield GaugeMetricFamily("tend_outbox_depth", "Messages waiting to be sent",
                                    value=counts.outbox_depth(session))
            oldest = counts.oldest_due(session)
        lag = max(0.0, (self.clock() - oldest).total_seconds()) if oldest else 0.0
        yield GaugeMetricFamily("tend_tick_lag_seconds", "How long the oldest due message "
                                "has waited", value=lag)


def metrics_page(db: Database, clock: Callable[[], datetime]) -> bytes:
    registry = CollectorRegistry()
    registry.register(DatabaseCollector(db, clock))
    registry.register(SLACK_API_ERRORS)
    return generate_latest(registry)
