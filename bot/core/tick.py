"""One clock tick: a plain function of (database, Slack gateway, now)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.core.home import managers_of_new_digests, refresh_homes_of
from bot.core.installs import purge_departed
from bot.core.introductions import queue_introductions
from bot.core.nudges import plan_nudges
from bot.core.opening_ahead import open_conversations_ahead
from bot.core.planning import plan_due
from bot.core.proposal_tick import advance_proposals
from bot.core.retention import purge_old_text
from bot.core.sender import SendReport, drain_outbox
from bot.core.timezones import ZonesRefreshed, refresh_timezones
from bot.platform.context import Services
from bot.rituals.base import PlanReport
from bot.storage.due import Due, what_is_due

log = logging.getLogger(__name__)


@dataclass
class TickReport:
    at: datetime
    timezones_refreshed: int
    plan: PlanReport
    send: SendReport


class _Steps:
    """Which steps run: none before the first whose probe found work, and from it on
    every step, as a tick without the probe would: a step may make work for the ones
    after it (a zone learned marks rituals, planning queues messages, publishes digests
    and may mark conversations), which the probe, asked first, could not see."""

    def __init__(self) -> None:
        self.started = False

    def run(self, has_work: bool) -> bool:
        self.started = self.started or has_work
        return self.started


def run_tick(services: Services, *, now: datetime) -> TickReport:
    """Send every occurrence due at or before `now` exactly once; record late ones missed."""
    # A step whose database connection dies (PostgreSQL restarted) is run once more at
    # once; each is safe to repeat (docs/operations.md, "Database restarts").
    retry = services.db.retry_on_connection_loss

    def probe() -> Due:
        with services.db.scope() as session:
            return what_is_due(session, now=now, nudge_after=services.nudge_after,
                               keep=services.retention, grace=services.uninstall_grace)

    due = retry(probe, what="what is due")  # a quiet tick stops at this one statement
    steps = _Steps()
    plan, send = PlanReport(), SendReport()
    digest_readers: list[tuple[str, str]] = []
    # New members' zones first (planning skips them until known); stale zones after the
    # drain, so a Monday fan-out does not wait on hundreds of users.info calls.
    pages = services.users_list_pages
    newcomers = ZonesRefreshed(recorded=0, pages=0)
    if steps.run(due.unknown_zones):
        newcomers = retry(lambda: refresh_timezones(services.db, services.slack, now=now,
                                                    pages=pages, unknown_only=True),
                          what="time zones")

    def plan_all() -> tuple[PlanReport, list[tuple[str, str]]]:
        with services.db.scope() as session:
            # Proposals first: an adopted change marks its rituals and may add people.
            advance_proposals(session, now=now)
            # Then introductions, in the same transaction: queued before any prompt,
            # they are sent first, and nobody's first prompt comes before theirs.
            queue_introductions(session, now=now)
            plan = plan_due(session, now=now, catchup=services.catchup)
            plan_nudges(session, now=now, nudge_after=services.nudge_after)
            return plan, managers_of_new_digests(session, now=now)

    if steps.run(due.introductions or due.rituals or due.proposals or due.reminders
                 or due.new_digests):
        plan, digest_readers = retry(plan_all, what="planning")
    if steps.run(due.messages):
        send = retry(lambda: drain_outbox(services.db, services.slack, now=now),
                     what="sending")
    stale = ZonesRefreshed(recorded=0, pages=0)
    if steps.run(due.stale_zones):
        # The users.list pages left of this tick's budget: a workspace's pass goes on at
        # the next tick from its saved cursor, so no tick waits on a whole list.
        stale = retry(lambda: refresh_timezones(services.db, services.slack, now=now,
                                                pages=pages - newcomers.pages),
                      what="time zones")
    refreshed = newcomers.recorded + stale.recorded
    # their Home shows the latest digest
    retry(lambda: refresh_homes_of(services, digest_readers), what="homes")
    # Conversations of pairs that exist, opened before their first check-in is due; not
    # started for while the bucket (in this process) has no token to open one with.
    if steps.run(due.conversations and services.open_bucket.has_token()):
        retry(lambda: open_conversations_ahead(services.db, services.slack, now=now,
                                               bucket=services.open_bucket),
              what="opening conversations")

    def purge() -> None:
        with services.db.scope() as session:
            purge_old_text(session, now=now, keep=services.retention)
        purge_departed(services, now=now)  # uninstalled longer ago than the grace period

    if steps.run(due.old_rows or due.departed):
        retry(purge, what="retention")
    report = TickReport(at=now, timezones_refreshed=refreshed, plan=plan, send=send)
    busy = plan.planned or plan.missed or send.sent or send.failed or send.retrying
    log.log(logging.INFO if busy else logging.DEBUG,
            "tick at %s: planned %d, missed %d, sent %d, failed %d, retrying %d",
            now.isoformat(), plan.planned, plan.missed, send.sent, send.failed, send.retrying)
    return report
