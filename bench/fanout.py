"""2. Monday fan-out, and 5. (part) the memory of `tend clock`.

A real `tend clock` process runs against the stand-in with Slack's limits
(`bench/limits.py`: ~1 post/s per channel with bursts, conversations.open at Tier 3,
users.list at Tier 2, users.info at Tier 4, 20 ms per call, 5% of calls answered 429 or
5xx at random). The clock uses the wall clock.

The days before: the teams are imported with their check-in tomorrow, and the clock
runs until it has learnt every time zone (users.list) and opened every pair's group DM
in the background, paced under Tier 3. Week 1: the cadence is moved to a few minutes ago
today, so the next tick finds every check-in due and fans them out, with no
conversations.open left to make.

Week 2 is the ritual's next run: the cadence is moved one minute later (so a new
occurrence is due at once instead of in seven days) and the time zones are aged by a
week, as they would be (tend asks users.list again after 24 h). Conversation ids are
cached, so neither week makes a conversations.open.

Counted at the stand-in: top-level posts per group DM. Every pair's group DM must get
exactly one post per week (zero duplicates, zero losses).
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select

from bench.common import (
    BOT_TOKEN,
    SIGNING_SECRET,
    WORKSPACE,
    Context,
    Process,
    Row,
    bench_services,
    fresh_database,
    rss_kb,
    tend_env,
    tree_peak_mb,
    wait_until,
)
from bench.limits import LimitedStandIn, Limits
from bot.config.apply import apply_config
from bot.config.loader import load_config
from bot.core.tick import run_tick
from bot.platform.pacing import OPENS_PER_MINUTE
from bot.slack.standin import SlackStandIn
from bot.storage.db import Database
from bot.storage.introductions import mark_all_sent as introduced
from bot.storage.models import ConversationToOpen, Occurrence, OutboxMessage, Person


@dataclass(frozen=True)
class Size:
    teams: int
    members: int  # per team
    tick_seconds: int
    limits: Limits

    @property
    def people(self) -> int:
        return self.teams * self.members


def size(ctx: Context) -> Size:
    if ctx.quick:  # rate limits run 10× faster; small bursts so they still bind
        # (conversations.open keeps its burst of 10: tend's own pacing is not scaled)
        return Size(2, 5, 1, Limits(time_scale=10.0, tier4_burst=4, seed=ctx.seed))
    return Size(100, 10, 5, Limits(seed=ctx.seed))  # the issue's 1,000 members


def kinds(ctx: Context) -> list[str]:
    """At full size the fan-out takes minutes of rate limits on any database: it runs
    on PostgreSQL (the production deployment) when there is one; --quick runs them all."""
    if ctx.quick or "postgresql" not in ctx.kinds:
        return list(ctx.kinds)
    return ["postgresql"]


def issue_size_floor(limits: Limits | None = None) -> str:
    """How the fan-out is timed, and what opening ahead costs, in words."""
    lim = limits or Limits()
    opens = (1000 - lim.tier3_burst) / OPENS_PER_MINUTE
    return (f"the issue's 1,000 members in 100 teams are run; their 1,000 group DMs are "
            f"opened in the days before, in the background of the clock at "
            f"{OPENS_PER_MINUTE:g} a minute (under Tier 3's {lim.tier3_per_minute:g}), "
            f"about {opens:.0f} minutes at TEND_TICK_SECONDS=5 (10 a tick at the default "
            f"30 s: about 50 minutes), and the 1,100 time zones come from 6 users.list "
            f"pages; the cadence time then needs only chat.postMessage, so the floor is "
            f"20 ms per post for a sender posting one at a time, plus the Retry-After "
            f"(1 s) of each random 429 its posts met")


def run(ctx: Context) -> list[Row]:
    s = size(ctx)
    lim = s.limits
    ctx.sizes["fanout"] = (
        f"{s.people} members in {s.teams} teams (+{s.teams} managers), `tend clock` with "
        f"TEND_TICK_SECONDS={s.tick_seconds}; limits: chat.postMessage "
        f"{lim.post_per_channel_per_s * lim.time_scale:g}/s per channel (burst "
        f"{lim.post_burst}), conversations.open {lim.tier3_per_minute * lim.time_scale:g}/min "
        f"(burst {lim.tier3_burst}), users.list {lim.tier2_per_minute * lim.time_scale:g}/min "
        f"(burst {lim.tier2_burst}), users.info {lim.tier4_per_minute * lim.time_scale:g}/min "
        f"(burst {lim.tier4_burst}), {lim.latency * 1000:g} ms per call, "
        f"{lim.fault_rate:.0%} of calls 429/500/503 at random; on "
        f"{' and '.join(kinds(ctx))}")
    rows: list[Row] = []
    for kind in kinds(ctx):
        rows += _run_kind(ctx, kind, s)
    rows += _stored_then_500(ctx, kinds(ctx)[0])
    return rows


# -- the teams ---------------------------------------------------------------------------
def _ids(s: Size) -> list[tuple[str, list[str]]]:
    return [(f"U{t:03d}BOSS", [f"U{t:03d}M{m:03d}" for m in range(s.members)])
            for t in range(s.teams)]


def _config(s: Size, *, day: str, time_of_day: str) -> str:
    teams = []
    for t, (manager, members) in enumerate(_ids(s)):
        teams.append(f"""
  - key: team{t}
    name: Team {t}
    channel: C0TEAM{t:04d}
    timezone: UTC
    managers: [{manager}]
    members: [{", ".join(members)}]
    rituals:
      weekly_feedback:
        cadence: {{every: week, day: {day}, time: "{time_of_day}"}}""")
    return "teams:" + "".join(teams) + "\n"


def _load(db: Database, s: Size, at: dt.datetime, *, since: dt.datetime) -> None:
    with db.scope() as session:
        apply_config(session, load_config(_config(
            s, day=at.strftime("%a").lower(), time_of_day=at.strftime("%H:%M"))),
            workspace_id=WORKSPACE, now=since)
        # Teams that existed before introductions: their people count as introduced
        # (as the upgrade marks them), so the bench measures the prompts alone.
        introduced(session)


def _posts(standin: SlackStandIn) -> Counter[str]:
    """Top-level posts per group DM: what the people in each conversation see."""
    return Counter(m.channel for m in standin.messages()
                   if m.channel.startswith("G") and not m.thread_ts)


def _outbox_busy(db: Database) -> int:
    with db.scope() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status.in_(("pending", "sending")))) or 0


def _planned(db: Database, at: dt.datetime) -> int:
    with db.scope() as session:
        return session.scalar(select(func.count()).select_from(Occurrence).where(
            Occurrence.scheduled_at == at)) or 0


def _failed(db: Database) -> int:
    with db.scope() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status == "failed")) or 0


# -- one database -------------------------------------------------------------------------
def _run_kind(ctx: Context, kind: str, s: Size) -> list[Row]:
    ctx.log(f"[fanout] {kind}: {s.people} members in {s.teams} teams")
    bench_db = fresh_database(ctx, kind, "fanout")
    standin = LimitedStandIn(s.limits, signing_secret=SIGNING_SECRET,
                             bot_token=BOT_TOKEN).start()
    channels: dict[str, str] = {}
    for manager, members in _ids(s):
        standin.add_user(manager, tz="UTC")
        for member in members:
            standin.add_user(member, tz="UTC")
            channels[standin.dm(member, manager)] = member
    env = tend_env(bench_db.url, standin.api_url, TEND_TICK_SECONDS=str(s.tick_seconds),
                   LOG_LEVEL="INFO")
    clock = Process([sys.executable, "-m", "bot.cli", "clock"], env=env,
                    log_path=ctx.workdir / f"fanout-{kind}-clock.log")
    rows: list[Row] = []
    try:
        time.sleep(max(3.0, s.tick_seconds * 1.5))  # a tick or two with nothing to do
        if not clock.alive():
            raise RuntimeError(f"tend clock exited ({clock.popen.returncode}):\n{clock.output()}")
        idle_mb = rss_kb(clock.pid) / 1024
        start = dt.datetime.now(dt.UTC)  # each week's cadence names its own weekday
        first = start.replace(second=0, microsecond=0) - dt.timedelta(minutes=2)
        since = start - dt.timedelta(days=1)
        rows += _days_before(ctx, kind, s, bench_db.db, standin, clock,
                             tomorrow=first + dt.timedelta(days=1), since=since)
        weeks = []
        for week, at in ((1, first), (2, first + dt.timedelta(minutes=1))):
            if week == 2:  # a week later: every time zone is older than 24 h
                with bench_db.db.scope() as session:
                    for person in session.scalars(select(Person)):
                        if person.tz_checked_at is not None:
                            person.tz_checked_at -= dt.timedelta(days=7)
            weeks.append(_week(ctx, kind, s, bench_db.db, standin, channels, clock, week,
                               at, since))
        peak_mb = tree_peak_mb(clock.pid)[0]
        for result in weeks:
            rows += result
        rows.append(Row("memory", "`tend clock` peak RSS during 2", peak_mb, "MB", db=kind,
                        floor=idle_mb, note="floor: the same clock idle, before the fan-out"))
    finally:
        clock.stop()
        standin.stop()
        bench_db.close()
    return rows


def _waiting_to_open(db: Database) -> int:
    with db.scope() as session:
        return session.scalar(select(func.count()).select_from(ConversationToOpen)) or 0


def _zones_unknown(db: Database) -> int:
    with db.scope() as session:
        return session.scalar(select(func.count()).select_from(Person).where(
            Person.tz.is_(None))) or 0


def _days_before(ctx: Context, kind: str, s: Size, db: Database, standin: LimitedStandIn,
                 clock: Process, *, tomorrow: dt.datetime, since: dt.datetime) -> list[Row]:
    """The teams imported with their check-in tomorrow: the clock learns the zones and
    opens every pair's group DM in the background, paced under Tier 3."""
    calls_before = len(standin.calls)
    counts_before = standin.counts
    imported = time.time()
    _load(db, s, tomorrow, since=since)
    ctx.log(f"[fanout] {kind}: imported for tomorrow; opening {s.people} group DMs ahead")
    minutes = s.people / OPENS_PER_MINUTE

    def done() -> bool:
        if not clock.alive():
            raise RuntimeError(f"tend clock exited ({clock.popen.returncode}):\n{clock.output()}")
        return _waiting_to_open(db) == 0 and _zones_unknown(db) == 0

    wait_until(done, timeout=max(120.0, minutes * 60 * 2), every=1.0,
               what="the group DMs to be opened ahead")
    took = time.time() - imported
    calls = standin.calls[calls_before:]
    methods = Counter(c.method for c in calls)
    over = (standin.counts - counts_before)["ratelimited_conversations.open"]
    return [
        Row("fanout", f"the days before: {s.people} group DMs opened in the background",
            took, "s", db=kind,
            note=f"{', '.join(f'{m} {n}' for m, n in sorted(methods.items()))}; paced at "
                 f"{OPENS_PER_MINUTE:g} a minute"),
        Row("fanout", "the days before: conversations.open answered 429 over Tier 3", over,
            db=kind, goal="0", passed=over == 0,
            note="random 429s (the 5% faults) not counted: they are not the limit"),
    ]


def _week(ctx: Context, kind: str, s: Size, db: Database, standin: LimitedStandIn,
          channels: dict[str, str], clock: Process, week: int, at: dt.datetime,
          since: dt.datetime) -> list[Row]:
    calls_before = len(standin.calls)
    counts_before = standin.counts
    imported = time.time()
    _load(db, s, at, since=since)
    ctx.log(f"[fanout] {kind}: week {week} imported ({at:%a %H:%M} UTC); waiting")
    # Zones and conversations are known from the days before: only the posts remain.
    timeout = 120.0 if ctx.quick else max(600.0, s.people * 0.5)

    def done() -> bool:
        if not clock.alive():
            raise RuntimeError(f"tend clock exited ({clock.popen.returncode}):\n{clock.output()}")
        return _planned(db, at) == s.people and _outbox_busy(db) == 0

    wait_until(done, timeout=timeout, every=0.5, what=f"week {week} to be delivered")
    calls = standin.calls[calls_before:]
    posted = [c for c in calls if c.method == "chat.postMessage" and c.error is None]
    finished = max(c.at for c in posted) if posted else time.time()
    started = min(c.at for c in calls) if calls else imported
    posts = _posts(standin)
    duplicates = sum(max(0, n - week) for n in posts.values())
    lost = sum(max(0, week - posts.get(channel, 0)) for channel in channels)
    failed = _failed(db)
    methods = Counter(c.method for c in calls)
    # A sender posting one at a time waits out each random 429 its posts meet (1 s).
    refused = sum(1 for c in calls if c.method == "chat.postMessage"
                  and c.error == "ratelimited")
    floor = s.limits.floor_seconds({"chat.postMessage": s.people}) + refused / s.limits.time_scale
    counts = standin.counts - counts_before
    faults = sum(n for k, n in counts.items() if k.startswith("fault_"))
    limited = sum(n for k, n in counts.items() if k.startswith("ratelimited_"))
    note = (f"{len(calls)} calls ({', '.join(f'{m} {n}' for m, n in sorted(methods.items()))}); "
            f"{faults} random 429/5xx, {limited} over a limit; first call "
            f"{started - imported:.1f} s after the import; floor: {s.people} posts at "
            f"{s.limits.latency * 1000:g} ms + {refused} random 429s on posts at 1 s")
    label = f"week {week}: {s.people} check-ins in {s.teams} teams"
    rows = [
        Row("fanout", f"{label}, time to deliver all", finished - started, "s", db=kind,
            floor=floor, note=note),
        Row("fanout", f"week {week}: duplicates / losses (failed outbox rows)",
            f"{duplicates} / {lost} ({failed})", db=kind, goal="0 / 0 (0)",
            passed=duplicates == 0 and lost == 0 and failed == 0),
    ]
    opens = methods.get("conversations.open", 0)
    rows.append(Row("fanout", f"week {week}: conversations.open calls at the cadence time",
                    opens, db=kind, goal="0", passed=opens == 0,
                    note="opened in the days before" if week == 1 else "ids cached"))
    return rows


# -- a post Slack stored but answered 500 ---------------------------------------------------
def _stored_then_500(ctx: Context, kind: str) -> list[Row]:
    """Not one of the issue's faults: Slack stores the post, then answers 500 (or the
    answer is lost). Shows what a retry does then; in-process, no rate limits."""
    members, share = (10, 0.3) if ctx.quick else (50, 0.1)
    limits = Limits(latency=0.002, fault_rate=0.0, post_fails_after_storing=share,
                    time_scale=1000.0, seed=ctx.seed)
    bench_db = fresh_database(ctx, kind, "stored500")
    standin = LimitedStandIn(limits, signing_secret=SIGNING_SECRET, bot_token=BOT_TOKEN).start()
    try:
        s = Size(1, members, 0, limits)
        for manager, team in _ids(s):
            standin.add_user(manager, tz="UTC")
            for member in team:
                standin.add_user(member, tz="UTC")
        at = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
        _load(bench_db.db, s, at, since=at - dt.timedelta(days=1))
        now = at
        services = bench_services(bench_db.db, standin, clock=lambda: now)
        for _ in range(20):
            run_tick(services, now=now)
            if _outbox_busy(bench_db.db) == 0:
                break
            now += dt.timedelta(minutes=15)
        posts = _posts(standin)
        duplicates = sum(max(0, n - 1) for n in posts.values())
        answered = standin.counts["stored_then_500"]
    finally:
        standin.stop()
        bench_db.close()
    return [Row("fanout", f"{share:.0%} of posts stored by Slack but answered 500: "
                f"duplicate check-ins among {members}", duplicates, db=kind, goal="0",
                passed=duplicates == 0,
                note=f"{answered} posts answered 500 after being stored; the outbox retries "
                     "a 5xx only after looking for its post in the conversation's history")]
