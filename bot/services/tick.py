"""One clock tick: a plain function of (database, Slack gateway, now)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.services.checkin_planning import PlanReport, plan_checkins
from bot.services.context import Services
from bot.services.digests import plan_digests
from bot.services.goal_sessions import plan_goal_sessions
from bot.services.home import managers_of_new_digests, refresh_homes
from bot.services.nudges import plan_nudges
from bot.services.quad_cycles import plan_quad_cycles
from bot.services.retention import purge_old_text
from bot.services.sender import SendReport, drain_outbox
from bot.services.timezones import refresh_timezones

log = logging.getLogger(__name__)


@dataclass
class TickReport:
    at: datetime
    timezones_refreshed: int
    plan: PlanReport
    send: SendReport


def run_tick(services: Services, *, now: datetime) -> TickReport:
    """Send every occurrence due at or before `now` exactly once; record late ones missed."""
    refreshed = refresh_timezones(services.db, services.gateway, now=now)
    with services.db.scope() as session:
        plan = plan_checkins(session, now=now, catchup=services.catchup)
        plan.planned += plan_goal_sessions(session, now=now, catchup=services.catchup)
        plan.planned += plan_quad_cycles(session, now=now, catchup=services.catchup)
        plan.planned += plan_digests(session, now=now, catchup=services.catchup)
        plan_nudges(session, now=now, nudge_after=services.nudge_after)
        digest_readers = managers_of_new_digests(session, now=now)
    send = drain_outbox(services.db, services.gateway, now=now)
    refresh_homes(services, digest_readers)  # their Home shows the latest digest
    with services.db.scope() as session:
        purge_old_text(session, now=now, keep=services.retention)
    report = TickReport(at=now, timezones_refreshed=refreshed, plan=plan, send=send)
    busy = plan.planned or plan.missed or send.sent or send.failed or send.retrying
    log.log(logging.INFO if busy else logging.DEBUG,
            "tick at %s: planned %d, missed %d, sent %d, failed %d, retrying %d",
            now.isoformat(), plan.planned, plan.missed, send.sent, send.failed, send.retrying)
    return report
