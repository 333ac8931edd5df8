"""`tend clock`: APScheduler runs the tick on a short interval.

The schedules themselves live in the database (APScheduler 3 cannot share a job store
between processes); APScheduler only drives the tick, which finds what is due.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.core.opening_ahead import mark_conversations_to_open
from bot.core.tick import run_tick
from bot.platform.context import Services

log = logging.getLogger(__name__)
SKIPPED = "maximum number of running instances reached"


class _SchedulerLog(logging.LoggerAdapter[logging.Logger]):
    """APScheduler's own logger, with one warning demoted to debug: while a long tick (a
    Monday fan-out) runs, the intervals it spans are skipped by design (max_instances=1),
    which is not a problem worth a warning every TEND_TICK_SECONDS."""

    def warning(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        if SKIPPED in str(msg):
            self.debug(msg, *args, **kwargs)
        else:
            super().warning(msg, *args, **kwargs)


def _scheduler_options() -> dict[str, Any]:
    return {"timezone": UTC,
            "logger": _SchedulerLog(logging.getLogger("apscheduler.scheduler"), {})}


def _tick(services: Services) -> None:
    try:
        run_tick(services, now=datetime.now(UTC))
    except Exception:  # one failed tick must not stop the clock; the next one retries
        log.exception("tick failed")


def schedule_ticks(scheduler: BaseScheduler, services: Services, interval_seconds: int) -> None:
    try:  # the ticks open them, paced, from now on
        mark_conversations_to_open(services.db, now=datetime.now(UTC))
    except Exception:  # a team file applied later marks them too
        log.exception("could not list the conversations to open ahead")
    # Never two ticks at once in a process (max_instances=1); runs missed meanwhile, or
    # while a busy process woke the scheduler late, become one run (coalesce), however
    # late (no misfire grace: the default 1 s would drop a late tick with a warning).
    scheduler.add_job(
        _tick, IntervalTrigger(seconds=interval_seconds), args=[services], id="tick",
        max_instances=1, coalesce=True, misfire_grace_time=None,
        next_run_time=datetime.now(UTC),
    )


def run_clock(services: Services, *, interval_seconds: int) -> None:
    scheduler = BlockingScheduler(**_scheduler_options())
    schedule_ticks(scheduler, services, interval_seconds)
    log.info("clock started: a tick every %s s", interval_seconds)
    scheduler.start()


def start_background_clock(services: Services, *, interval_seconds: int) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(**_scheduler_options())
    schedule_ticks(scheduler, services, interval_seconds)
    scheduler.start()
    return scheduler
