"""A quiet tick costs what is due, not who exists; and every change that can move what is
due moves it at once (the next tick plans at the new time, not the old).

The real tick (`run_tick`) against the stand-in and a real database (SQLite, or the one
TEST_DATABASE_URL names), members written straight into the tables as `tend import` and
weeks of check-ins leave them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from bench.common import QueryCost, counted_statements, query_cost
from bot.domain.cadence import Cadence
from bot.rituals.common.schedule import latest_fire_time
from bot.storage.models import RECOMPUTE, Digest, Occurrence, Person, Ritual, Team, TeamRole
from tests.harness import World, at

ZONES = ("Europe/Amsterdam", "America/New_York", "Asia/Tokyo", "Europe/London",
         "Asia/Kolkata")
SINCE = at("2026-10-01T00:00:00+00:00")
# A Wednesday night in every zone above: no check-in (Mondays) or quad (Thursdays) is due.
QUIET = at("2026-11-25T03:00:00+00:00")
TEAM_SIZE = 20


def add_teams(world: World, first: int, count: int) -> None:
    """`count` teams of 20 members and a manager, each with weekly check-ins (members in
    five zones) and quads, last week's check-ins and quad cycle already held, and two
    digests older than the retention limit."""
    with world.db.scope() as session:
        for t in range(first, first + count):
            zone = ZONES[t % len(ZONES)]
            manager = f"U{t:04d}BOSS"
            members = [f"U{t:04d}M{m:02d}" for m in range(TEAM_SIZE)]
            session.execute(insert(Person), [
                {"workspace_id": world.workspace_id, "user_id": u,
                 "tz": ZONES[n % len(ZONES)], "tz_checked_at": QUIET - dt.timedelta(hours=1)}
                for n, u in enumerate([manager, *members])])
            team_id = session.scalar(insert(Team).values(
                workspace_id=world.workspace_id, key=f"t{t:04d}", name=f"Team {t}",
                channel_id=f"C{t:04d}", timezone=zone, skip_dates=[], created_at=SINCE,
                updated_at=SINCE).returning(Team.id))
            session.execute(insert(TeamRole), [
                {"team_id": team_id, "user_id": u, "role": role, "position": n,
                 "active": True, "since": SINCE}
                for n, (u, role) in enumerate([(manager, "manager"),
                                               *((m, "member") for m in members)])])
            checkins, quads = (session.scalar(insert(Ritual).values(
                team_id=team_id, kind=kind, every="week", day=day, hour=hour, minute=0,
                enabled=True, anchor_date=SINCE.date(), since=SINCE, options={},
            ).returning(Ritual.id)) for kind, day, hour in (("weekly_feedback", "mon", 10),
                                                          ("quads", "thu", 15)))
            rows = [{"ritual_id": checkins, "subject_id": m, "counterpart_id": manager,
                     "scheduled_at": latest_fire_time(
                         Cadence("week", "mon", 10, 0), ZoneInfo(ZONES[n % len(ZONES)]),
                         QUIET, anchor=SINCE.date()),
                     "status": "sent", "details": {}, "created_at": SINCE}
                    for n, m in enumerate(members, start=1)]
            rows.append({"ritual_id": quads, "subject_id": "", "counterpart_id": None,
                         "scheduled_at": latest_fire_time(Cadence("week", "thu", 15, 0),
                                                          ZoneInfo(zone), QUIET,
                                                          anchor=SINCE.date()),
                         "status": "held", "details": {}, "created_at": SINCE})
            session.execute(insert(Occurrence), rows)
            session.execute(insert(Digest), [  # published long ago, past the retention limit
                {"team_id": team_id, "period": f"2024-{month:02d}",
                 "view": {"policy": {"shared": []}}, "created_at": SINCE - dt.timedelta(
                     days=2000 - 30 * month)} for month in (1, 2)])


def quiet_tick_cost(world: World, at_minute: int) -> QueryCost:
    """A tick that picks up what was just written (its next due instants are still to
    be computed), then the quiet tick a minute later, measured; on SQLite each of its
    statements is checked to be an index search (EXPLAIN QUERY PLAN)."""
    world.tick(QUIET + dt.timedelta(minutes=at_minute))
    with query_cost(world.db.engine) as cost, counted_statements(world.db.engine) as seen:
        report = world.tick(QUIET + dt.timedelta(minutes=at_minute + 1))
    assert (report.plan.planned, report.send.sent) == (0, 0)
    if world.db.engine.dialect.name == "sqlite":
        assert_no_table_scans(world, seen)
    return cost


# Tables with a row per workspace or per install attempt, not per member.
SMALL_TABLES = {"workspace", "slack_oauth_states"}


def assert_no_table_scans(world: World, statements: list[tuple[str, Any]]) -> None:
    with world.db.engine.connect() as connection:
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE")):
                continue
            plan = [str(row[-1]) for row in connection.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {statement}", parameters)]
            # A queue's head read in index order with a LIMIT (the conversations waiting
            # to be opened) stops after LIMIT rows: bounded, whatever the table holds.
            head_of_queue = " LIMIT " in statement.upper()
            scans = [step for step in plan if step.startswith("SCAN ")
                     and step.split()[1] not in SMALL_TABLES and "CONSTANT ROW" not in step
                     and not (head_of_queue and "USING INDEX" in step)]
            assert not scans, (statement, plan)


def test_a_quiet_ticks_statements_and_rows_read_do_not_grow_with_members(
        world: World) -> None:
    """100 members, then 2,000: a quiet tick sends the same statements and reads the same
    (no) rows. Rows are those the database returned to tend, counted as the driver hands
    them over (`bench.common.query_cost`: a row factory on SQLite, psycopg's rowcount on
    PostgreSQL); rows a scan passes over are bench/tick.py's pg_stat row. Today's code
    sent 40 then 150 statements and read 605 then 12,100 rows. Catches planning every
    ritual on every tick (mutation: `due_rituals` selecting every ritual, `Ritual.id > 0`
    in place of `next_due_at <= now`), reminders looked for among all posted prompts
    (mutation: `prompts_to_look_at` filtering on `scheduled_at` instead of
    `nudge_from`), and the retention purge reading every old digest again (mutation:
    `digests_to_purge` without its `text_purged_at` test). On SQLite every statement of
    the quiet tick must also be an index search, not a table scan (mutation:
    `people_needing_timezone` ordered by the person's key again: SCAN team_role)."""
    add_teams(world, 0, 5)
    small = quiet_tick_cost(world, 0)
    add_teams(world, 5, 95)
    large = quiet_tick_cost(world, 2)
    assert large.statements <= small.statements, (small, large)
    assert large.rows <= small.rows, (small, large)
    assert world.checkin_posts() == []


# -- changes move the next due instant at once ------------------------------------------

TEAM = """
teams:
  - key: platform
    name: Platform
    channel: C0PLATFORM
    timezone: Europe/Amsterdam
    managers: [U0MGR]
    coaches: [U0COACH]
    members: [{members}]
    rituals:
      weekly_feedback:
        cadence: {{every: week, day: mon, time: "{time}"}}
  - key: tokyo
    name: Tokyo
    channel: C0TOKYO
    timezone: Asia/Tokyo
    managers: [U0BOSS]
    members: [U0TKY]
"""
SATURDAY = "2026-11-21T12:00:00+00:00"
SUNDAY = "2026-11-22T12:00:00+00:00"
# Monday 23 November 2026: 10:00 in Amsterdam is 09:00 UTC, 08:00 is 07:00 UTC; 10:00
# in Tokyo is 01:00 UTC.
MONDAY_TOKYO_10 = "2026-11-23T01:00:00+00:00"
MONDAY_AMSTERDAM_8 = "2026-11-23T07:00:00+00:00"
MONDAY_AMSTERDAM_10 = "2026-11-23T09:00:00+00:00"


def setup_teams(world: World, *, members: str = "U001", time: str = "10:00") -> None:
    for user, zone in (("U0MGR", "Europe/Amsterdam"), ("U0COACH", "Europe/Amsterdam"),
                       ("U001", "Europe/Amsterdam"), ("U0BOSS", "Asia/Tokyo"),
                       ("U0TKY", "Asia/Tokyo")):
        world.standin.add_user(user, tz=zone)
    world.load(TEAM.format(members=members, time=time), now=SATURDAY)
    world.tick(SATURDAY)  # zones known; the next due instant is Monday 09:00 UTC


def posted_to(world: World) -> list[set[str]]:
    return [world.standin.conversation_members(m.channel) for m in world.checkin_posts()]


def tend(world: World, user: str, text: str) -> str:
    status, body = world.standin.deliver_command(world.url, command="/tend", text=text,
                                                 user_id=user)
    assert status == 200
    return body


def next_due(world: World) -> dt.datetime | None:
    with world.db.scope() as session:
        return session.scalar(select(Ritual.next_due_at).join(Team)
                              .where(Team.key == "platform"))


def test_a_cadence_change_fires_at_the_new_time(world: World) -> None:
    """Catches an import (or setup save) that changes the cadence but leaves the old next
    due instant (mutation: no `recompute_next_due` in `apply_config`)."""
    setup_teams(world)
    world.load(TEAM.format(members="U001", time="08:00"), now=SUNDAY)
    world.tick(MONDAY_AMSTERDAM_8)
    assert posted_to(world) == [{"U0MGR", "U001"}]


def test_a_member_who_joins_from_another_zone_gets_their_checkin_at_their_time(
        world: World) -> None:
    """U0TKY (Tokyo, zone already known from the other team) joins: their Monday 10:00
    comes eight hours before the team's. Catches a join that leaves the next due instant
    where it was (mutation: no `recompute_next_due` in `apply_config`)."""
    setup_teams(world)
    world.load(TEAM.format(members="U001, U0TKY", time="10:00"), now=SUNDAY)
    world.tick(MONDAY_TOKYO_10)
    assert posted_to(world) == [{"U0MGR", "U0TKY"}]


def test_a_leave_is_recomputed_at_once(world: World) -> None:
    """The Tokyo member leaves: the ritual is marked for recomputing at once, and the
    next tick moves its next due instant to the remaining member's time. (Both within a
    day of Saturday's tick: the daily users.list refresh after that would learn the
    coach's zone, a change that rightly marks the team's rituals again.)"""
    setup_teams(world, members="U001, U0TKY")
    assert next_due(world) == at(MONDAY_TOKYO_10)
    world.load(TEAM.format(members="U001", time="10:00"), now="2026-11-22T11:00:00+00:00")
    assert next_due(world) == RECOMPUTE
    world.tick("2026-11-22T11:01:00+00:00")
    assert next_due(world) == at(MONDAY_AMSTERDAM_10)


def test_a_zone_change_moves_the_checkin(world: World) -> None:
    """U001 flies to Tokyo: the daily users.info refresh records it and their next
    check-in comes at 10:00 Tokyo time. Catches `record_timezone` not marking the
    person's rituals (mutation: its `recompute_next_due` call removed)."""
    setup_teams(world)
    world.standin.add_user("U001", tz="Asia/Tokyo")
    world.tick("2026-11-22T12:00:01+00:00")  # over 24 h since the last look: refreshed
    world.tick(MONDAY_TOKYO_10)
    assert posted_to(world) == [{"U0MGR", "U001"}]


def test_resuming_a_paused_checkin_plans_it_at_once(world: World) -> None:
    """Paused over Monday 10:00, resumed within the catch-up window: the check-in goes
    out at the next tick, as before next due instants existed. Catches a resume that
    leaves the paused ritual's "never" (mutation: no `recompute_next_due` in the
    pause/resume command)."""
    setup_teams(world)
    assert "paused" in tend(world, "U0COACH", "pause platform weekly_feedback")
    world.tick(MONDAY_AMSTERDAM_10)
    assert world.checkin_posts() == []
    world.clock.set("2026-11-23T09:30:00+00:00")
    assert "running again" in tend(world, "U0COACH", "resume platform weekly_feedback")
    world.tick("2026-11-23T09:31:00+00:00")
    assert posted_to(world) == [{"U0MGR", "U001"}]


def test_a_skip_is_recorded_at_the_old_time_and_sends_nothing(world: World) -> None:
    """`/tend skip` marks the ritual; Monday's check-in is recorded skipped, not sent."""
    setup_teams(world)
    world.clock.set(SUNDAY)
    assert "will be skipped" in tend(world, "U0COACH", "skip platform weekly_feedback")
    assert next_due(world) == RECOMPUTE
    world.tick(MONDAY_AMSTERDAM_10)
    assert world.checkin_posts() == []
    assert [o.status for o in world.occurrences()] == ["skipped"]
