"""4. The tick: a quiet tick at 1,000, 10,000 and 50,000 members, and a busy one.

Teams of 20 members and a manager, each with weekly check-ins (cadences spread over 20
weekday/time slots, the members over five time zones) and weekly quads, and weeks of
history written straight into the tables as steady state leaves it: every past
check-in posted (its outbox row sent, its group DM cached), 80% answered, the rest
reminded once; each team's last quad cycle held.

At each size a first tick computes every ritual's next due instant (as the first tick
after `tend migrate` does), then the quiet tick (nothing due) is timed, its SQL
statements and the rows the database returned counted, and on PostgreSQL the rows it
read (pg_stat_user_tables). A quiet tick is one query, `storage/due.what_is_due` (every
step's indexed "anything to do?" at once; on SQLite after its transaction's BEGIN). The
floor is the indexed question "anything due at or before now?",
`schedules.due_rituals`, timed in the same run on the same data. At the middle size the
tick three hours later, when a share of the pairs is due, runs whole with the outbox
drained; the due query, the occurrence existence check and the outbox claim are
EXPLAINed with the parameters the tick used.
At the largest size a real `tend clock` runs quiet ticks against the same data for a
few seconds and its peak RSS is read.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from bench.common import (
    BOT_TOKEN,
    SIGNING_SECRET,
    WORKSPACE,
    BenchDatabase,
    Context,
    Process,
    QueryCost,
    Row,
    add_people,
    add_team,
    analyze,
    bench_services,
    counted_statements,
    fresh_database,
    median,
    peak_rss_kb,
    pg_rows_read,
    query_cost,
    tend_env,
    timed,
)
from bot.core.nudges import nudge_key
from bot.core.planning import plan_due
from bot.core.tick import run_tick
from bot.domain.cadence import Cadence
from bot.rituals.common.schedule import latest_fire_time
from bot.slack.standin import SlackStandIn
from bot.storage import outbox
from bot.storage.conversations import users_key
from bot.storage.models import Conversation, Occurrence, OutboxMessage, Person, Reply
from bot.storage.schedules import due_rituals

ZONES = ("Europe/Amsterdam", "America/New_York", "Asia/Tokyo", "Europe/London",
         "America/Los_Angeles")
SLOTS = [(day, hour) for day in ("mon", "tue", "wed", "thu", "fri") for hour in (9, 10, 11, 14)]
QUIET = dt.datetime(2026, 11, 23, 7, 30, tzinfo=dt.UTC)  # a Monday morning in Europe
BUSY = QUIET + dt.timedelta(hours=3)
CATCHUP = dt.timedelta(hours=3)
TEAM_SIZE = 20
PG_PARAMETER_LIMIT = 65535
MEMORY_GOAL_MB = 150
CLOCK_SECONDS = 15  # how long `tend clock` runs for its peak RSS


@dataclass(frozen=True)
class Plan:
    sizes: tuple[int, ...]  # members
    busy_at: int  # the size whose busy tick is run
    weeks: int  # of history
    repeats: int


def plan(ctx: Context) -> Plan:
    if ctx.quick:
        return Plan(sizes=(200,), busy_at=200, weeks=2, repeats=1)
    # A quiet tick takes milliseconds: many repeats make its median steady on a machine
    # shared with other work.
    return Plan(sizes=(1_000, 10_000, 50_000), busy_at=10_000, weeks=2, repeats=31)


def run(ctx: Context) -> list[Row]:
    p = plan(ctx)
    ctx.sizes["tick"] = (
        f"{' / '.join(f'{n:,}' for n in p.sizes)} members in teams of {TEAM_SIZE}, weekly "
        f"check-ins in {len(SLOTS)} slots × {len(ZONES)} time zones and weekly quads, "
        f"{p.weeks} weeks of history")
    rows: list[Row] = []
    for kind in ctx.kinds:
        rows += _run_kind(ctx, kind, p)
    return rows


@dataclass
class Quiet:
    members: int
    floor: float  # s
    tick: float  # s
    cost: QueryCost
    server_rows: int | None  # PostgreSQL: rows read by scans


def _run_kind(ctx: Context, kind: str, p: Plan) -> list[Row]:
    quiet: list[Quiet] = []
    rows: list[Row] = []
    for members in p.sizes:
        measured, more = _run_size(ctx, kind, p, members)
        quiet.append(measured)
        rows += more
    return _quiet_rows(kind, quiet) + rows


def _run_size(ctx: Context, kind: str, p: Plan, members: int) -> tuple[Quiet, list[Row]]:
    bench_db = fresh_database(ctx, kind, f"tick{members}")
    standin = SlackStandIn(signing_secret=SIGNING_SECRET, bot_token=BOT_TOKEN).start()
    rows: list[Row] = []
    try:
        ctx.log(f"[tick] {kind}: writing {members:,} members and {p.weeks} weeks")
        seconds, history = timed(lambda: _seed(bench_db, standin, members, p.weeks))
        ctx.log(f"[tick] {kind}: {history:,} past check-ins written in {seconds:.0f} s")
        if kind == "postgresql":
            analyze(bench_db)
        services = bench_services(bench_db.db, standin, catchup=CATCHUP,
                                  clock=lambda: QUIET)
        first, _ = timed(lambda: run_tick(services, now=QUIET))
        ctx.log(f"[tick] {kind}: first tick (every next due instant) {first:.1f} s")
        if kind == "postgresql":  # statistics of steady state, as autovacuum would have
            analyze(bench_db)
        quiet = _measure_quiet(bench_db, services, members, p.repeats)
        ctx.log(f"[tick] {kind}: quiet tick {quiet.tick * 1000:.1f} ms, "
                f"{quiet.cost.statements} statements")
        if members == p.busy_at:
            rows += _busy(ctx, kind, bench_db, services, members)
        if members == p.sizes[-1]:
            rows.append(_clock_memory(ctx, kind, bench_db, standin, members))
        return quiet, rows
    finally:
        standin.stop()
        bench_db.close()


# -- the data --------------------------------------------------------------------------------
def _seed(bench_db: BenchDatabase, standin: SlackStandIn, members: int, weeks: int) -> int:
    since = QUIET - dt.timedelta(days=90)
    teams = members // TEAM_SIZE
    written = 0
    for start in range(0, teams, 50):
        with bench_db.db.scope() as session:
            for t in range(start, min(teams, start + 50)):
                written += _seed_team(session, standin, t, weeks, since)
    return written


def _seed_team(session: Session, standin: SlackStandIn, t: int, weeks: int,
               since: dt.datetime) -> int:
    zone = ZONES[(t // len(SLOTS)) % len(ZONES)]
    day, hour = SLOTS[t % len(SLOTS)]
    manager = f"U{t:05d}BOSS"
    people = [f"U{t:05d}M{m:03d}" for m in range(TEAM_SIZE)]
    add_people(session, [manager, *people], tz=zone, checked_at=QUIET - dt.timedelta(hours=1))
    quad_day = SLOTS[(t + 7) % len(SLOTS)][0]
    _team_id, rituals = add_team(session, key=f"t{t:05d}", timezone=zone, managers=[manager],
                                 members=people, since=since, rituals={
                                     "weekly_feedback": {"every": "week", "day": day,
                                                         "hour": hour, "minute": 0},
                                     "quads": {"every": "week", "day": quad_day,
                                               "hour": 15, "minute": 0}})
    ritual_id = rituals["weekly_feedback"]
    latest = latest_fire_time(Cadence("week", day, hour, 0), ZoneInfo(zone), QUIET,
                              anchor=since.date())
    quads_latest = latest_fire_time(Cadence("week", quad_day, 15, 0), ZoneInfo(zone), QUIET,
                                    anchor=since.date())
    channels = {m: standin.dm(m, manager) for m in people}
    session.execute(insert(Conversation), [{
        "workspace_id": WORKSPACE, "users_key": users_key([manager, m]),
        "channel_id": channels[m], "created_at": since}
        for m in people])
    session.execute(insert(Occurrence), [{
        "ritual_id": rituals["quads"], "subject_id": "", "scheduled_at": quads_latest,
        "status": "held", "details": {}, "created_at": quads_latest}])
    rows = [{"ritual_id": ritual_id, "subject_id": m, "counterpart_id": manager,
             "scheduled_at": latest - dt.timedelta(weeks=w), "status": "sent",
             "channel_id": channels[m], "message_ts": f"{1700000000 + w}.{t:05d}{n:02d}",
             "details": {"commitments": [], "hidden_commitments": 0},
             "created_at": latest - dt.timedelta(weeks=w)}
            for w in range(weeks) for n, m in enumerate(people)]
    ids = list(session.scalars(insert(Occurrence).returning(
        Occurrence.id, sort_by_parameter_order=True), rows))
    sent, replies = [], []
    for number, (occurrence_id, row) in enumerate(zip(ids, rows, strict=True)):
        at = row["scheduled_at"]
        sent.append({"workspace_id": WORKSPACE,
                     "key": f"occurrence:{occurrence_id}:prompt", "users": None,
                     "channel_id": None, "payload": {"text": "check-in"},
                     "occurrence_id": occurrence_id, "status": "sent", "attempts": 1,
                     "next_attempt_at": at, "sent_channel_id": row["channel_id"],
                     "sent_ts": row["message_ts"], "created_at": at, "sent_at": at})
        if number % 5:  # four in five answered
            replies.append({"occurrence_id": occurrence_id, "channel_id": row["channel_id"],
                            "ts": f"{row['message_ts']}9", "user_id": row["subject_id"],
                            "text": "Done: the draft. Next: the review.",
                            "created_at": at + dt.timedelta(hours=1)})
        elif QUIET - at > dt.timedelta(days=1):  # the rest were reminded once
            sent.append({"workspace_id": WORKSPACE,
                         "key": nudge_key(occurrence_id, row["subject_id"]),
                         "users": row["subject_id"], "channel_id": None,
                         "payload": {"text": "reminder"}, "occurrence_id": None,
                         "status": "sent", "attempts": 1, "next_attempt_at": at,
                         "created_at": at, "sent_at": at + dt.timedelta(days=1)})
    session.execute(insert(OutboxMessage), sent)
    if replies:
        session.execute(insert(Reply), replies)
    return len(rows)


# -- the quiet tick ------------------------------------------------------------------------------
def _in_rolled_back(bench_db: BenchDatabase, fn: Callable[[Session], Any]
                    ) -> tuple[float, Any]:
    with Session(bench_db.db.engine) as session:
        try:
            return timed(lambda: fn(session))
        finally:
            session.rollback()


def _measure_quiet(bench_db: BenchDatabase, services: Any, members: int,
                   repeats: int) -> Quiet:
    """The quiet tick a few seconds after the first (nothing due), and its floor."""
    at = QUIET + dt.timedelta(seconds=30)
    floors, ticks = [], []
    cost = QueryCost()
    for n in range(repeats + 1):  # the first: connections warm
        floor, due = _in_rolled_back(bench_db, lambda s: due_rituals(s, now=at))
        if due:
            raise RuntimeError(f"{len(due)} rituals due at the quiet instant")
        with query_cost(bench_db.db.engine) as seen:
            seconds, report = timed(lambda: run_tick(services, now=at))
        if report.plan.planned or report.plan.missed or report.send.sent:
            raise RuntimeError(f"something was due at the quiet instant: {report}")
        if n:
            floors.append(floor)
            ticks.append(seconds)
            cost = seen
    server_rows = None
    if bench_db.kind == "postgresql":
        before = pg_rows_read(bench_db.db.engine)
        run_tick(services, now=at)
        server_rows = pg_rows_read(bench_db.db.engine) - before
    return Quiet(members=members, floor=median(floors), tick=median(ticks), cost=cost,
                 server_rows=server_rows)


def _quiet_rows(kind: str, quiet: list[Quiet]) -> list[Row]:
    rows = []
    largest = quiet[-1]
    for q in quiet:
        last = q is largest and len(quiet) > 1
        read = "" if q.server_rows is None else f"; {q.server_rows:,} rows read (pg_stat)"
        rows.append(Row(
            "tick", f"nothing due, {q.members:,} members: whole tick", q.tick * 1000, "ms",
            db=kind, floor=q.floor * 1000,
            goal="≤ 10× floor" if last else "—",
            passed=(q.tick <= 10 * q.floor) if last else None,
            note=f"floor: the indexed due query (`schedules.due_rituals`); "
                 f"{q.cost.statements} SQL statements, {q.cost.rows:,} "
                 f"row{'' if q.cost.rows == 1 else 's'} returned{read}"))
    if len(quiet) > 1:
        sizes = " / ".join(f"{q.members:,}" for q in quiet)

        def spread(values: list[float]) -> float:
            return max(values) / max(min(values), 1e-9)

        times = [q.tick for q in quiet]
        statements = [float(q.cost.statements) for q in quiet]
        rows.append(Row("tick", f"nothing due: tick time at {sizes} members",
                        " / ".join(f"{t * 1000:.1f} ms" for t in times), db=kind,
                        goal="within 1.5×", passed=spread(times) <= 1.5,
                        note=f"largest / smallest: {spread(times):.2f}×"))
        rows.append(Row("tick", f"nothing due: SQL statements at {sizes} members",
                        " / ".join(str(q.cost.statements) for q in quiet), db=kind,
                        goal="within 1.5×", passed=spread(statements) <= 1.5))
        returned = [q.cost.rows for q in quiet]
        rows.append(Row("tick", f"nothing due: rows returned at {sizes} members",
                        " / ".join(f"{r:,}" for r in returned), db=kind,
                        goal="independent of members", passed=len(set(returned)) == 1))
        server = [q.server_rows for q in quiet]
        if all(s is not None for s in server):
            counts = [s or 0 for s in server]
            rows.append(Row("tick", f"nothing due: rows read (pg_stat) at {sizes} members",
                            " / ".join(f"{r:,}" for r in counts), db=kind,
                            goal="no growth with members",
                            passed=counts[-1] <= max(counts[0], 1) * 1.5,
                            note="seq_tup_read + idx_tup_fetch of the bench's schema, one "
                                 "quiet tick; a small table may be read whole (a "
                                 "sequential scan is cheaper there)"))
    return rows


# -- the busy tick -------------------------------------------------------------------------------
def _busy(ctx: Context, kind: str, bench_db: BenchDatabase, services: Any,
          members: int) -> list[Row]:
    plan_busy, (due, plans) = _in_rolled_back(
        bench_db, lambda s: _plan_and_explain(s, kind))
    ctx.log(f"[tick] {kind}: {due:,} due at the busy instant; running the whole tick")
    with counted_statements(bench_db.db.engine) as seen:
        tick_busy, report = timed(lambda: run_tick(services, now=BUSY))
    widest = max((_parameters(p) for _s, p in seen), default=0)
    if report.send.sent != due:
        raise RuntimeError(f"busy tick sent {report.send.sent} of {due}")
    rows = [
        Row("tick", f"{due:,} due among {members:,} members: plan what is due",
            plan_busy * 1000, "ms", db=kind),
        Row("tick", f"{due:,} due: whole tick, outbox drained", tick_busy, "s", db=kind,
            goal="< 30 s (TEND_TICK_SECONDS)", passed=tick_busy < 30,
            note=f"{report.send.sent:,} posted; {len(seen):,} SQL statements; largest "
                 f"statement {widest:,} bind parameters (PostgreSQL's limit is "
                 f"{PG_PARAMETER_LIMIT:,})"),
    ]
    for name, found in plans.items():
        rows.append(Row("tick", f"EXPLAIN {name}", found["summary"], db=kind,
                        goal="index scan, no Seq Scan" if kind == "postgresql" else "—",
                        passed=found["indexed"] if kind == "postgresql" else None,
                        note=found["detail"]))
    return rows


def _parameters(parameters: Any) -> int:
    return len(parameters) if isinstance(parameters, dict | list | tuple) else 0


def _plan_and_explain(session: Session, kind: str) -> tuple[int, dict[str, dict[str, Any]]]:
    """Plan the busy instant and claim the first batch (rolled back by the caller),
    EXPLAINing the queries with the parameters they were run with."""
    with counted_statements(session.get_bind()) as seen:
        report = plan_due(session, now=BUSY, catchup=CATCHUP)
        with session.begin_nested() as claiming:  # EXPLAINed below, before any claim
            outbox.claim_due(session, now=BUSY, limit=50)
            claiming.rollback()
    found = {
        "schedules.due_rituals": next(((s, p) for s, p in seen
                                       if "FROM ritual" in s and "next_due_at" in s), None),
        "occurrences.existing_keys": next(((s, p) for s, p in seen if "FROM occurrence" in s
                                           and "scheduled_at >=" in s), None),
        "outbox.claim_due": next(((s, p) for s, p in seen
                                  if "FROM outbox" in s and "ORDER BY outbox.id" in s), None),
    }
    return report.planned, {name: _explain(session, kind, *statement)
                            for name, statement in found.items() if statement is not None}


def _explain(session: Session, kind: str, statement: str, parameters: Any
             ) -> dict[str, Any]:
    connection = session.connection()
    if kind == "postgresql":
        lines = [r[0] for r in connection.exec_driver_sql(
            f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters)]
        joined = "\n".join(lines)
        indexes = sorted(set(re.findall(r"Index (?:Only )?Scan(?: Backward)? using (\w+)",
                                        joined) + re.findall(r"Bitmap Index Scan on (\w+)",
                                                             joined)))
        seq = re.findall(r"Seq Scan on (\w+)", joined)
        removed = sum(int(n) for n in re.findall(r"Rows Removed by Filter: (\d+)", joined))
        took = re.search(r"Execution Time: ([\d.]+) ms", joined)
        summary = (f"{', '.join(indexes) or 'no index'}"
                   f"{'; Seq Scan on ' + ', '.join(seq) if seq else ''}; "
                   f"{removed:,} rows filtered; {took.group(1) if took else '?'} ms")
        nodes = [line.strip()[:120] for line in lines
                 if "Scan" in line or "Rows Removed" in line]
        return {"summary": summary, "indexed": bool(indexes) and not seq,
                "detail": " | ".join(nodes), "plan": joined}
    lines = [str(r[-1]) for r in connection.exec_driver_sql(
        f"EXPLAIN QUERY PLAN {statement}", parameters)]
    joined = "; ".join(lines)
    return {"summary": joined[:160], "indexed": "USING" in joined and "SCAN outbox" not in
            joined and "SCAN occurrence" not in joined, "detail": "", "plan": joined}


# -- `tend clock`'s memory ------------------------------------------------------------------------
def _clock_memory(ctx: Context, kind: str, bench_db: BenchDatabase, standin: SlackStandIn,
                  members: int) -> Row:
    """A real `tend clock` (the wall clock's time) on the same data. Brought to now
    first, in this process: one catch-up tick (a week or more of missed runs recorded
    missed, as after an outage) and every zone checked now, so the clock's own ticks
    are the quiet ticks of steady state."""
    now = dt.datetime.now(dt.UTC)
    with bench_db.db.scope() as session:
        session.execute(update(Person).values(tz_checked_at=now))
    services = bench_services(bench_db.db, standin, catchup=CATCHUP, clock=lambda: now)
    catchup, _ = timed(lambda: run_tick(services, now=now))
    seconds = 3 if ctx.quick else CLOCK_SECONDS
    env = tend_env(bench_db.url, standin.api_url, TEND_TICK_SECONDS="1", LOG_LEVEL="INFO")
    clock = Process([sys.executable, "-m", "bot.cli", "clock"], env=env,
                    log_path=ctx.workdir / f"tick-{kind}-clock.log")
    try:
        time.sleep(seconds)
        if not clock.alive():
            raise RuntimeError(f"tend clock exited:\n{clock.output()}")
        peak_mb = peak_rss_kb(clock.pid) / 1024
    finally:
        clock.stop()
    goal = not ctx.quick
    return Row("memory", f"`tend clock` peak RSS, {members:,} members, ticking every 1 s "
               f"for {seconds} s", peak_mb, "MB", db=kind,
               goal=f"< {MEMORY_GOAL_MB} MB" if goal else "—",
               passed=peak_mb < MEMORY_GOAL_MB if goal else None,
               note=f"after a catch-up tick run in the bench's own process "
                    f"({catchup:.1f} s at {members:,} members)")
