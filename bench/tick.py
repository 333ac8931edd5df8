"""4. The tick: what is due across 10,000 members and their rituals.

500 teams of 20 members (plus a manager each) with a weekly check-in, their cadences
spread over 20 weekday/time slots and five time zones, and six weeks of history written
straight into the tables as steady state leaves it: every past check-in posted (its
outbox row sent, its group DM cached), 80% answered, the rest reminded once.

Timed at two instants: when nothing is due (every latest fire time already has its
occurrence) and three hours later, when a share of the pairs is due. The whole tick runs
against a zero-latency stand-in with the outbox drained. The floor is reading the
members from the database with a single SELECT, in the same run. On PostgreSQL the
occurrence existence check (`occurrences.existing_keys`) and the outbox claim
(`outbox.claim_due`) are EXPLAINed (ANALYZE) with the parameters the tick really used.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bench.common import (
    WORKSPACE,
    BenchDatabase,
    Context,
    Row,
    add_people,
    add_team,
    analyze,
    bench_services,
    counted_statements,
    fresh_database,
    median,
    parameter_count,
    timed,
)
from bot.core.nudges import nudge_key, plan_nudges
from bot.core.tick import run_tick
from bot.domain.cadence import Cadence
from bot.rituals.common.schedule import latest_fire_time
from bot.rituals.weekly_feedback.flows import plan_checkins
from bot.slack.standin import SlackStandIn
from bot.storage import outbox
from bot.storage.conversations import users_key
from bot.storage.models import Conversation, Occurrence, OutboxMessage, Person, Reply, TeamRole

ZONES = ("Europe/Amsterdam", "America/New_York", "Asia/Tokyo", "Europe/London",
         "America/Los_Angeles")
SLOTS = [(day, hour) for day in ("mon", "tue", "wed", "thu", "fri") for hour in (9, 10, 11, 14)]
QUIET = dt.datetime(2026, 11, 23, 7, 30, tzinfo=dt.UTC)  # a Monday morning in Europe
BUSY = QUIET + dt.timedelta(hours=3)
CATCHUP = dt.timedelta(hours=3)
PG_PARAMETER_LIMIT = 65535


def size(ctx: Context) -> tuple[int, int, int, int]:
    """(teams, members per team, weeks of history, timed repetitions)"""
    return (10, 20, 2, 1) if ctx.quick else (500, 20, 6, 3)


def run(ctx: Context) -> list[Row]:
    teams, members, weeks, _ = size(ctx)
    ctx.sizes["tick"] = (f"{teams * members:,} members in {teams} teams, weekly check-ins in "
                         f"{len(SLOTS)} slots × {len(ZONES)} time zones, {weeks} weeks of "
                         "history")
    rows: list[Row] = []
    for kind in ctx.kinds:
        rows += _run_kind(ctx, kind)
    return rows


def _run_kind(ctx: Context, kind: str) -> list[Row]:
    teams, members, weeks, repeats = size(ctx)
    bench_db = fresh_database(ctx, kind, "tick")
    standin = SlackStandIn().start()
    try:
        ctx.log(f"[tick] {kind}: writing {teams * members:,} members and {weeks} weeks")
        seconds, history = timed(lambda: _seed(bench_db, standin, teams, members, weeks))
        ctx.log(f"[tick] {kind}: {history:,} past check-ins written in {seconds:.0f} s")
        if kind == "postgresql":
            analyze(bench_db)
        return _measure(ctx, kind, bench_db, standin, teams * members, repeats)
    finally:
        standin.stop()
        bench_db.close()


# -- the data --------------------------------------------------------------------------------
def _seed(bench_db: BenchDatabase, standin: SlackStandIn, teams: int, members: int,
          weeks: int) -> int:
    since = QUIET - dt.timedelta(days=90)
    written = 0
    for start in range(0, teams, 50):
        with bench_db.db.scope() as session:
            for t in range(start, min(teams, start + 50)):
                written += _seed_team(session, standin, t, members, weeks, since)
    return written


def _seed_team(session: Session, standin: SlackStandIn, t: int, members: int, weeks: int,
               since: dt.datetime) -> int:
    zone = ZONES[(t // len(SLOTS)) % len(ZONES)]
    day, hour = SLOTS[t % len(SLOTS)]
    manager = f"U{t:04d}BOSS"
    people = [f"U{t:04d}M{m:03d}" for m in range(members)]
    add_people(session, [manager, *people], tz=zone, checked_at=QUIET - dt.timedelta(hours=1))
    _team_id, rituals = add_team(session, key=f"t{t:04d}", timezone=zone, managers=[manager],
                                 members=people, since=since, rituals={"weekly_feedback": {
                                     "every": "week", "day": day, "hour": hour, "minute": 0}})
    ritual_id = rituals["weekly_feedback"]
    latest = latest_fire_time(Cadence("week", day, hour, 0), ZoneInfo(zone), QUIET,
                              anchor=since.date())
    channels = {m: standin.dm(m, manager) for m in people}
    session.execute(insert(Conversation), [{
        "workspace_id": WORKSPACE, "users_key": users_key([manager, m]),
        "channel_id": channels[m], "created_at": since}
        for m in people])
    rows = [{"ritual_id": ritual_id, "subject_id": m, "counterpart_id": manager,
             "scheduled_at": latest - dt.timedelta(weeks=w), "status": "sent",
             "channel_id": channels[m], "message_ts": f"{1700000000 + w}.{t:04d}{n:02d}",
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


# -- the measurements ----------------------------------------------------------------------------
def _members_select(session: Session) -> int:
    return len(session.execute(
        select(TeamRole.user_id, TeamRole.team_id, Person.tz)
        .join(Person, Person.user_id == TeamRole.user_id)
        .where(TeamRole.role == "member", TeamRole.active.is_(True))).all())


def _in_rolled_back(bench_db: BenchDatabase, fn: Callable[[Session], Any]
                    ) -> tuple[float, Any]:
    with Session(bench_db.db.engine) as session:
        try:
            return timed(lambda: fn(session))
        finally:
            session.rollback()


def _measure(ctx: Context, kind: str, bench_db: BenchDatabase, standin: SlackStandIn,
             people: int, repeats: int) -> list[Row]:
    services = bench_services(bench_db.db, standin, catchup=CATCHUP, clock=lambda: QUIET)
    floor = median([_in_rolled_back(bench_db, _members_select)[0] for _ in range(repeats)])
    plan_quiet = median([_in_rolled_back(bench_db, lambda s: plan_checkins(
        s, now=QUIET, catchup=CATCHUP))[0] for _ in range(repeats)])
    nudges_quiet = median([_in_rolled_back(bench_db, lambda s: plan_nudges(
        s, now=QUIET, nudge_after=services.nudge_after))[0] for _ in range(repeats)])
    ticks = []
    widest = 0
    for _ in range(repeats):
        with counted_statements(bench_db.db.engine) as seen:
            seconds, report = timed(lambda: run_tick(services, now=QUIET))
        ticks.append(seconds)
        widest = max([widest, *(parameter_count(p) for _s, p in seen)])
        if report.plan.planned or report.send.sent:
            raise RuntimeError(f"something was due at the quiet instant: {report}")
    tick_quiet = median(ticks)
    ctx.log(f"[tick] {kind}: quiet tick {tick_quiet:.2f} s; planning the busy instant")
    plan_busy, (due, plans) = _in_rolled_back(
        bench_db, lambda s: _plan_and_explain(s, kind))
    ctx.log(f"[tick] {kind}: {due:,} due at the busy instant; running the whole tick")
    with counted_statements(bench_db.db.engine) as seen:
        tick_busy, report = timed(lambda: run_tick(services, now=BUSY))
    statements_busy = len(seen)
    if report.send.sent != due:
        raise RuntimeError(f"busy tick sent {report.send.sent} of {due}")
    floor_note = f"floor: one SELECT of the {people:,} members ({floor * 1000:.0f} ms)"
    rows = [
        Row("tick", f"nothing due, {people:,} members: plan check-ins", plan_quiet * 1000,
            "ms", db=kind, floor=floor * 1000, note=floor_note),
        Row("tick", "nothing due: plan reminders (nudges)", nudges_quiet * 1000, "ms",
            db=kind, floor=floor * 1000,
            note="answered and reminded check-ins filtered in SQL (NOT EXISTS)"),
        Row("tick", "nothing due: whole tick", tick_quiet * 1000, "ms", db=kind,
            floor=floor * 1000, goal="< 30 s (TEND_TICK_SECONDS)", passed=tick_quiet < 30,
            note=f"largest statement: {widest:,} bind parameters (PostgreSQL's limit is "
                 f"{PG_PARAMETER_LIMIT:,})"),
        Row("tick", f"{due:,} due: plan check-ins", plan_busy * 1000, "ms", db=kind,
            floor=floor * 1000),
        Row("tick", f"{due:,} due: whole tick, outbox drained", tick_busy, "s", db=kind,
            goal="< 30 s (TEND_TICK_SECONDS)", passed=tick_busy < 30,
            note=f"{report.send.sent:,} posted; {statements_busy:,} SQL statements"),
    ]
    for name, plan in plans.items():
        rows.append(Row("tick", f"EXPLAIN {name}", plan["summary"], db=kind,
                        goal="index scan, no Seq Scan" if kind == "postgresql" else "—",
                        passed=plan["indexed"] if kind == "postgresql" else None,
                        note=plan["detail"]))
    return rows


def _plan_and_explain(session: Session, kind: str) -> tuple[int, dict[str, dict[str, Any]]]:
    """Plan the busy instant and claim the first batch (rolled back by the caller),
    EXPLAINing the two queries with the parameters they were run with."""
    with counted_statements(session.get_bind()) as seen:
        report = plan_checkins(session, now=BUSY, catchup=CATCHUP)
        with session.begin_nested() as claiming:  # EXPLAINed below, before any claim
            outbox.claim_due(session, now=BUSY, limit=50)
            claiming.rollback()
    existing = next(((s, p) for s, p in seen
                     if "FROM occurrence" in s and "scheduled_at >=" in s), None)
    claim = next(((s, p) for s, p in seen
                  if "FROM outbox" in s and "ORDER BY outbox.id" in s), None)
    plans = {}
    for name, found in (("occurrences.existing_keys", existing),
                        ("outbox.claim_due", claim)):
        if found is not None:
            plans[name] = _explain(session, kind, *found)
    return report.planned, plans


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
