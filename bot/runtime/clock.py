"""`tend clock`: APScheduler runs the tick on a short interval.

The schedules themselves live in the database (APScheduler 3 cannot share a job store
between processes); APScheduler only drives the tick, which finds what is due.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.services.context import Services
from bot.services.tick import run_tick

log = logging.getLogger(__name__)


def _tick(services: Services) -> None:
    try:
        run_tick(services, now=datetime.now(UTC))
    except Exception:  # one failed tick must not stop the clock; the next one retries
        log.exception("tick failed")


def schedule_ticks(scheduler: BaseScheduler, services: Services, interval_seconds: int) -> None:
    scheduler.add_job(
        _tick, IntervalTrigger(seconds=interval_seconds), args=[services], id="tick",
        max_instances=1, coalesce=True, next_run_time=datetime.now(UTC),
    )


def run_clock(services: Services, *, interval_seconds: int) -> None:
    scheduler = BlockingScheduler(timezone=UTC)
    schedule_ticks(scheduler, services, interval_seconds)
    log.info("clock started: a tick every %s s", interval_seconds)
    scheduler.start()


def start_background_clock(services: Services, *, interval_seconds: int) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone=UTC)
    schedule_ticks(scheduler, services, interval_seconds)
    scheduler.start()
    return scheduler
