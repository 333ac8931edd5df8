"""3. The digest of a team of 50 with a year of history.

Four teams of the same shape (50 members, one manager, weekly check-ins, monthly goals,
a monthly digest) are written straight into the tables with 5, 13, 26 and 52 weeks of
history ending in the digested month: each check-in answered four times (two replies
each side, one a `commit:` line with its commitment), a goal per member per month,
shared highlights, and the earlier months' digests (for the trend). Then
`bot.rituals.digest.flows.build` (policy input from storage, the policy, Block Kit and the
trend chart) runs for the same month on each, counting SQL statements with a
`before_cursor_execute` listener. The floor is the team whose history is only the
digested month.
"""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bench.common import (
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
from bot.core.tick import run_tick
from bot.rituals.digest.flows import build, to_store, window_for
from bot.rituals.registry import all_rituals
from bot.slack.standin import SlackStandIn
from bot.storage.models import (
    Commitment,
    Digest,
    Goal,
    Occurrence,
    Person,
    Reply,
    SharedReply,
    Team,
)

ZONE = ZoneInfo("Europe/Amsterdam")
# The last Friday of October 2026, 16:00 in Amsterdam: the digest of "2026-10".
DIGEST_AT = dt.datetime(2026, 10, 30, 16, 0, tzinfo=ZONE)
LAST_MONDAY = dt.date(2026, 10, 26)
CATCHUP = dt.timedelta(hours=3)
HISTORIES = (5, 13, 26, 52)  # weeks; 5 is the digested month alone (the floor)
RITUALS = {
    "weekly_feedback": {"every": "week", "day": "mon", "hour": 10, "minute": 0},
    "digest": {"every": "month", "day": "last fri", "hour": 16, "minute": 0},
}
GOALS = {"every": "month", "day": "1st mon", "hour": 9, "minute": 30}
GOAL_ENDS = ("done", "partly", "not_done", "carried")


def size(ctx: Context) -> tuple[int, int]:
    """(members, timed repetitions)"""
    return (8, 2) if ctx.quick else (50, 5)


def run(ctx: Context) -> list[Row]:
    members, _ = size(ctx)
    ctx.sizes["digest"] = (f"a team of {members} members + 1 manager with weekly check-ins "
                           f"and a monthly digest; histories of "
                           f"{', '.join(map(str, HISTORIES))} weeks (4 replies per check-in: "
                           f"{members * 52 * 4:,} replies at 52 weeks); then a team of "
                           f"{max(members, 12)} that also shares monthly goals")
    rows: list[Row] = []
    for kind in ctx.kinds:
        rows += _run_kind(ctx, kind)
    return rows


def _run_kind(ctx: Context, kind: str) -> list[Row]:
    members, repeats = size(ctx)
    bench_db = fresh_database(ctx, kind, "digest")
    try:
        ctx.log(f"[digest] {kind}: writing {len(HISTORIES)} teams' history")
        replies = {weeks: _seed_team(bench_db, f"h{weeks}", weeks, members,
                                     random.Random(ctx.seed + weeks))
                   for weeks in HISTORIES}
        if kind == "postgresql":
            analyze(bench_db)
        times: dict[int, float] = {}
        statements: dict[int, int] = {}
        params: dict[int, int] = {}
        for weeks in HISTORIES:
            times[weeks], statements[weeks], params[weeks] = _measure(bench_db, weeks, repeats)
        goals_row = _with_goals(ctx, kind, bench_db, max(members, 12))
    finally:
        bench_db.close()
    longest = HISTORIES[-1]
    counts = " / ".join(str(statements[w]) for w in HISTORIES)
    return [
        Row("digest", f"build + render, {longest} weeks ({replies[longest]:,} replies)",
            times[longest] * 1000, "ms", db=kind, floor=times[HISTORIES[0]] * 1000,
            note=f"floor: the same digest with {HISTORIES[0]} weeks of history; at "
                 + ", ".join(f"{w} weeks {times[w] * 1000:.0f} ms" for w in HISTORIES)),
        Row("digest", f"SQL statements at {' / '.join(map(str, HISTORIES))} weeks", counts,
            db=kind, goal="all equal", passed=len(set(statements.values())) == 1,
            note="largest statement's bind parameters: "
                 + ", ".join(f"{w} weeks {params[w]:,}" for w in HISTORIES)),
        goals_row,
    ]


def _with_goals(ctx: Context, kind: str, bench_db: BenchDatabase, members: int) -> Row:
    """A team that also shares monthly goals, every figure with enough contributors."""
    _seed_team(bench_db, "goals", 13, members, random.Random(ctx.seed), goals=True)
    error = tick_error = ""
    with Session(bench_db.db.engine) as session:
        team = session.scalars(select(Team).where(Team.key == "goals")).one()
        window, _ = window_for(team, month="2026-10", now=DIGEST_AT)
        try:
            built = build(session, team, window, all_rituals())
            shown = sum(f.shown for f in built.view.figures)
        except ValueError as exc:
            error = f"{type(exc).__name__}: {exc}"
            shown = -1
        session.rollback()
    with bench_db.db.scope() as session:  # time zones fresh: the tick asks Slack nothing
        for person in session.scalars(select(Person)):
            person.tz_checked_at = DIGEST_AT
    with SlackStandIn() as standin:  # the whole tick at the digest's time
        services = bench_services(bench_db.db, standin, catchup=CATCHUP)
        try:
            run_tick(services, now=DIGEST_AT.astimezone(dt.UTC))
        except ValueError as exc:
            tick_error = type(exc).__name__
    return Row("digest", f"build with monthly goals too ({members} members, 13 weeks)",
               error or f"built, {shown} figures shown", db=kind, goal="built",
               passed=not error,
               note=(f"run_tick at the digest's time raises {tick_error} too (from "
                     "plan_digests, inside the tick's one planning transaction): nothing "
                     "is planned or sent by any tick while that digest is due"
                     if tick_error else ""))


def _measure(bench_db: BenchDatabase, weeks: int, repeats: int) -> tuple[float, int, int]:
    durations = []
    counted = 0
    widest = 0
    for n in range(repeats):
        with Session(bench_db.db.engine) as session:
            team = session.scalars(select(Team).where(Team.key == f"h{weeks}")).one()
            window, _ = window_for(team, month="2026-10", now=DIGEST_AT)
            if n == 0:
                with counted_statements(bench_db.db.engine) as seen:
                    built = build(session, team, window, all_rituals())
                counted = len(seen)
                widest = max(parameter_count(p) for _s, p in seen)
                assert built.view.period == "2026-10", built.view.period
            else:
                seconds, _built = timed(
                    lambda s=session, t=team, w=window: build(s, t, w, all_rituals()))
                durations.append(seconds)
            session.rollback()
    return median(durations), counted, widest


# -- the history ---------------------------------------------------------------------------
def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE).astimezone(
        dt.UTC)


def _seed_team(bench_db: BenchDatabase, key: str, weeks: int, members: int,
               rng: random.Random, *, goals: bool = False) -> int:
    """One team's `weeks` of history, oldest first; returns the number of replies."""
    manager = f"U{key.upper()}BOSS"
    people = [f"U{key.upper()}M{m:03d}" for m in range(members)]
    mondays = [LAST_MONDAY - dt.timedelta(weeks=w) for w in range(weeks)][::-1]
    since = _at(mondays[0], 0)
    replies = 0
    with bench_db.db.scope() as session:
        add_people(session, [manager, *people], tz="Europe/Amsterdam", checked_at=since)
        team_id, rituals = add_team(session, key=key, timezone="Europe/Amsterdam",
                                    managers=[manager], members=people, since=since,
                                    rituals={
                                        **RITUALS,
                                        "digest": {**RITUALS["digest"],
                                                   "options": {"min_group": 3, "to": manager}},
                                        **({"monthly_goals": GOALS} if goals else {})})
        for w, monday in enumerate(mondays):
            replies += _week(session, rng, team_id, rituals["weekly_feedback"], manager,
                             people, monday, w, last=w == len(mondays) - 1)
            if goals and monday.day <= 7:  # the first Monday: the month's goal session
                replies += _goal_session(session, rng, rituals["monthly_goals"], people,
                                         monday, w)
    if not goals:
        _earlier_digests(bench_db, key, mondays)
    return replies


def _week(session: Session, rng: random.Random, team_id: int, ritual_id: int,
          manager: str, people: list[str], monday: dt.date, w: int, *, last: bool) -> int:
    scheduled = _at(monday, 10)
    ids = list(session.scalars(insert(Occurrence).returning(
        Occurrence.id, sort_by_parameter_order=True), [{
            "ritual_id": ritual_id, "subject_id": member, "counterpart_id": manager,
            "scheduled_at": scheduled, "status": "sent", "channel_id": f"G{member}",
            "message_ts": f"{int(scheduled.timestamp())}.{w:06d}",
            "details": {"commitments": [], "hidden_commitments": 0},
            "created_at": scheduled} for member in people]))
    reply_rows = []
    for occurrence_id, member in zip(ids, people, strict=True):
        base = int(scheduled.timestamp())
        texts = [(member, "Done: the draft. Next: the review. Need: an hour of yours."),
                 (manager, "Went well: the demo. Suggestion: smaller pull requests."),
                 (member, "commit: the onboarding guide is reviewed by two joiners by fri"),
                 (manager, "Upward: more notice before meetings, please.")]
        for k, (user, body) in enumerate(texts):
            reply_rows.append({"occurrence_id": occurrence_id, "channel_id": f"G{member}",
                               "ts": f"{base + 600 * (k + 1)}.{w:06d}", "user_id": user,
                               "text": body,
                               "created_at": scheduled + dt.timedelta(minutes=10 * (k + 1))})
    reply_ids = list(session.scalars(insert(Reply).returning(
        Reply.id, sort_by_parameter_order=True), reply_rows))
    commitments = []
    for n, (occurrence_id, member) in enumerate(zip(ids, people, strict=True)):
        roll = rng.random()
        status = "open" if last else "done" if roll < 0.8 else "dropped"
        closed = None if status == "open" else scheduled + dt.timedelta(days=7, hours=1)
        commitments.append({
            "ritual_id": ritual_id, "occurrence_id": occurrence_id, "pair_member_id": member,
            "owner_id": member, "text": "the onboarding guide is reviewed by two joiners",
            "due_date": monday + dt.timedelta(days=4), "status": status, "times_carried": 0,
            "reply_id": reply_ids[n * 4 + 2], "created_at": scheduled + dt.timedelta(minutes=30),
            "closed_at": closed})
    session.execute(insert(Commitment), commitments)
    shared = [{"reply_id": reply_ids[n * 4], "team_id": team_id, "author_id": people[n],
               "kind": "highlight" if n % 2 == 0 else "ask", "named": False,
               "created_at": scheduled + dt.timedelta(hours=2)}
              for n in rng.sample(range(len(people)), k=min(2, len(people)))]
    session.execute(insert(SharedReply), shared)
    return len(reply_rows)


def _goal_session(session: Session, rng: random.Random, ritual_id: int, people: list[str],
                  monday: dt.date, w: int) -> int:
    scheduled = _at(monday, 9, 30)
    occurrence_id = session.scalar(insert(Occurrence).returning(Occurrence.id).values(
        ritual_id=ritual_id, subject_id="", scheduled_at=scheduled, status="sent",
        channel_id="C0GOALS", message_ts=f"{int(scheduled.timestamp())}.9{w:05d}",
        details={}, created_at=scheduled))
    reply_ids = list(session.scalars(insert(Reply).returning(
        Reply.id, sort_by_parameter_order=True), [{
            "occurrence_id": occurrence_id, "channel_id": "C0GOALS",
            "ts": f"{int(scheduled.timestamp()) + n + 1}.9{w:05d}", "user_id": member,
            "text": "goal: onboarding takes one day | two joiners say so | by 30 nov",
            "created_at": scheduled + dt.timedelta(minutes=5)}
            for n, member in enumerate(people)]))
    session.execute(insert(Goal), [{
        "ritual_id": ritual_id, "occurrence_id": occurrence_id, "owner_id": member,
        "what": "onboarding takes one day", "measure": "two joiners say so",
        "due_date": monday + dt.timedelta(days=25),
        "status": GOAL_ENDS[n % len(GOAL_ENDS)],
        "reply_id": reply_id, "created_at": scheduled + dt.timedelta(minutes=5),
        "closed_at": scheduled + dt.timedelta(days=28)}
        for n, (member, reply_id) in enumerate(zip(people, reply_ids, strict=True))])
    return len(reply_ids)


def _earlier_digests(bench_db: BenchDatabase, key: str, mondays: list[dt.date]) -> None:
    """The digests of the earlier whole months, stored as a tick would (for the trend)."""
    months = sorted({f"{m:%Y-%m}" for m in mondays} - {"2026-10"})[1:]  # whole months only
    for month in months:
        with bench_db.db.scope() as session:
            team = session.scalars(select(Team).where(Team.key == key)).one()
            window, _ = window_for(team, month=month, now=DIGEST_AT)
            built = build(session, team, window, all_rituals())
            session.add(Digest(team_id=team.id, period=built.view.period,
                               view=to_store(built), created_at=window.end))
