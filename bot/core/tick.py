"""One clock tick: a plain function of (database, Slack gateway, now)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.core.home import managers_of_new_digests, refresh_homes_of
from bot.core.installs import purge_departed
from bot.core.nudges import plan_nudges
from bot.core.opening_ahead import open_conversations_ahead
from bot.core.planning import plan_due
from bot.core.retention import purge_old_text
from bot.core.sender import SendReport, drain_outbox
from bot.core.timezones import refresh_timezones
from bot.platform.context import Services
from bot.rituals.base import PlanReport

log = logging.getLogger(__name__)


@dataclass
class TickReport:
    at: datetime
    timezones_refreshed: int
    plan: PlanReport
    send: SendReport


def run_tick(services: Services, *, now: datetime) -> TickReport:
    """Send every occurrence due at or before `now` exactly once; record late ones missed."""
    # A step whose database connection dies (PostgreSQL restarted) is run once more at
    # once; each is safe to repeat (docs/operations.md, "Database restarts").
    retry = services.db.retry_on_connection_loss
    # New members' zones first (planning skips them until known); stale zones after the
    # drain, so a Monday fan-out does not wait on hundreds of users.info calls.
    pages = services.users_list_pages
    newcomers = retry(lambda: refresh_timezones(services.db, services.slack, now=now,
                                                pages=pages, unknown_only=True),
                      what="time zones")

    def plan_all() -> tuple[PlanReport, list[tuple[str, str]]]:
        with services.db.scope() as session:
            plan = plan_due(session, now=now, catchup=services.catchup)
            plan_nudges(session, now=now, nudge_after=services.nudge_after)
            return plan, managers_of_new_digests(session, now=now)

    plan, digest_readers = retry(plan_all, what="planning")
    send = retry(lambda: drain_outbox(services.db, services.slack, now=now), what="sending")
    # The users.list pages left of this tick's budget: a workspace's pass goes on at the
    # next tick from its saved cursor, so no tick waits on a whole list.
    stale = retry(lambda: refresh_timezones(services.db, services.slack, now=now,
                                            pages=pages - newcomers.pages),
                  what="time zones")
    refreshed = newcomers.recorded + stale.recorded
    # their Home shows the latest digest
    retry(lambda: refresh_homes_of(services, digest_readers), what="homes")
    # Conversations of pairs that exist, opened before their first check-in is due.
    retry(lambda: open_conversations_ahead(services.db, services.slack, now=now,
                                           bucket=services.open_bucket),
          what="opening conversations")

    def purge() -> None:
        with services.db.scope() as session:
            purge_old_text(session, now=now, keep=services.retention)
        purge_departed(services, now=now)  # uninstalled longer ago than the grace period

    retry(purge, what="retention")
    report = TickReport(at=now, timezones_refreshed=refreshed, plan=plan, send=send)
    busy = plan.planned or plan.missed or send.sent or send.failed or send.retrying
    log.log(logging.INFO if busy else logging.DEBUG,
            "tick at %s: planned %d, missed %d, sent %d, failed %d, retrying %d",
            now.isoformat(), plan.planned, plan.missed, send.sent, send.failed, send.retrying)
    return report
