"""A quiet tick costs what is due, not who exists; and every change that can move what is
due moves it at once (the next tick plans at the new time, not the old).

The real tick (`run_tick`) against the stand-in and a real database (SQLite, or the one
TEST_DATABASE_URL names), members written straight into the tables as `tend import` and
weeks of check-ins leave them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, insert, select, update

from bench.common import QueryCost, counted_statements, query_cost
from bot.domain.cadence import Cadence
from bot.domain.enums import OutboxStatus
from bot.messages.render import Template, render_message
from bot.platform.pacing import TokenBucket
from bot.rituals.common.schedule import latest_fire_time
from bot.storage import outbox
from bot.storage.models import (
    RECOMPUTE,
    ConversationToOpen,
    Digest,
    Introduction,
    Occurrence,
    OutboxMessage,
    Person,
    ProcessedEvent,
    Ritual,
    Team,
    TeamRole,
    Workspace,
)
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
# Asked only whether they hold any row at all (the tick's probe): EXISTS stops at the
# first row it meets, however many the table holds.
ANY_ROW = {"conversation_to_open"}


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
                     and step.split()[1] not in SMALL_TABLES | ANY_ROW
                     and "CONSTANT ROW" not in step
                     and not (head_of_queue and "USING INDEX" in step)]
            assert not scans, (statement, plan)


def test_a_quiet_ticks_statements_and_rows_read_do_not_grow_with_members(
        world: World) -> None:
    """100 members, then 2,000: a quiet tick sends one query, the probe of indexed
    EXISTS tests (`storage/due.what_is_due`; on SQLite after its transaction's BEGIN), and
    reads its one row. Catches a step asked
    on its own again (mutation: the retention step run whatever the probe says: 2
    statements). Rows are those the database returned to tend, counted as the driver hands
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
    # On SQLite every transaction starts with a BEGIN IMMEDIATE statement (its write lock).
    one = 2 if world.db.engine.dialect.name == "sqlite" else 1
    assert (small.statements, large.statements) == (one, one), (small, large)
    assert (small.rows, large.rows) == (1, 1), (small, large)
    assert world.checkin_posts() == []


# -- the probe hides no work ---------------------------------------------------------------

QUIET_TICK = QUIET + dt.timedelta(minutes=1)
MANAGER, MEMBER, OTHER = "U0000BOSS", "U0000M00", "U0000M01"


def _set(world: World, statement: Any) -> None:
    with world.db.scope() as session:
        session.execute(statement)


def _scalar(world: World, statement: Any) -> Any:
    with world.db.scope() as session:
        return session.scalar(statement)


def _a_ritual_due(world: World) -> Callable[[], bool]:
    _set(world, update(Ritual).where(Ritual.kind == "quads").values(next_due_at=RECOMPUTE))
    return lambda: _scalar(world, select(func.min(Ritual.next_due_at))) > QUIET_TICK


def _a_reminder_due(world: World) -> Callable[[], bool]:
    looked_at = QUIET - dt.timedelta(days=3)
    _set(world, update(Occurrence).where(Occurrence.subject_id == MEMBER)
         .values(nudge_from=looked_at))
    return lambda: _scalar(world, select(Occurrence.nudge_from).where(
        Occurrence.subject_id == MEMBER)) != looked_at


def _a_new_digest(world: World) -> Callable[[], bool]:
    _set(world, insert(Digest).values(
        team_id=select(Team.id).where(Team.key == "t0000").scalar_subquery(),
        period="2026-11", created_at=QUIET_TICK, view={"policy": {
            "period": "2026-11", "team_name": "Team 0", "figures": [], "shared": [],
            "trend": [], "notes": []}, "start": "2026-11-01T00:00:00+00:00",
            "end": "2026-12-01T00:00:00+00:00", "min_group": 3}))
    return lambda: world.standin.home_view(MANAGER) is not None


def _an_outbox_row_due(world: World) -> Callable[[], bool]:
    with world.db.scope() as session:
        outbox.enqueue_once(session, workspace_id=world.workspace_id, key="probe:notice",
                            payload=render_message(Template.NOTICE, text="Hello").as_dict(),
                            now=QUIET, users=[MEMBER])
    return lambda: _scalar(world, select(OutboxMessage.status).where(
        OutboxMessage.key == "probe:notice")) == OutboxStatus.SENT


def _checked(world: World, user: str) -> Callable[[], bool]:
    return lambda: _scalar(world, select(Person.tz_checked_at).where(
        Person.user_id == user)) == QUIET_TICK


def _a_zone_unknown(world: World) -> Callable[[], bool]:
    """A newcomer: their zone is learned before planning, which then plans their team's
    rituals in the same tick (learned by the stale-zone step after planning, the rituals
    would wait, marked, for the next tick)."""
    _set(world, update(Person).where(Person.user_id == MEMBER)
         .values(tz=None, tz_checked_at=None))
    checked = _checked(world, MEMBER)
    return lambda: checked() and _scalar(world, select(func.min(Ritual.next_due_at))) > QUIET_TICK


def _a_zone_stale(world: World) -> Callable[[], bool]:
    _set(world, update(Person).where(Person.user_id == MEMBER)
         .values(tz_checked_at=QUIET - dt.timedelta(days=2)))
    return _checked(world, MEMBER)


def _a_conversation_to_open(world: World) -> Callable[[], bool]:
    _set(world, insert(ConversationToOpen).values(
        workspace_id=world.workspace_id, users_key=f"{MANAGER},{MEMBER}", created_at=QUIET))
    return lambda: _scalar(world, select(func.count()).select_from(ConversationToOpen)) == 0


def _old_text_to_purge(world: World) -> Callable[[], bool]:
    _set(world, insert(ProcessedEvent).values(event_id="Ev0LD",
                                              received_at=QUIET - dt.timedelta(days=30)))
    return lambda: _scalar(world, select(func.count()).select_from(ProcessedEvent)) == 0


def _an_introduction_waiting(world: World) -> Callable[[], bool]:
    """A person just added (by a vote, say, which marks no ritual): introduced at once
    (mutation: its EXISTS test never true: the tick stays quiet, nothing is sent)."""
    _set(world, insert(Introduction).values(
        workspace_id=world.workspace_id, user_id=OTHER, added_at=QUIET,
        team_id=select(Team.id).where(Team.key == "t0000").scalar_subquery()))
    return lambda: _scalar(world, select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.key.startswith("introduction:"),
        OutboxMessage.status == OutboxStatus.SENT)) == 1


def _a_departed_workspace(world: World) -> Callable[[], bool]:
    _set(world, insert(Workspace).values(id="T0GONE", installed_at=SINCE,
                                         uninstalled_at=SINCE))
    return lambda: _scalar(world, select(Workspace.id).where(Workspace.id == "T0GONE")) is None


@pytest.mark.parametrize("work", [
    _an_introduction_waiting, _a_ritual_due, _a_reminder_due, _a_new_digest,
    _an_outbox_row_due, _a_zone_unknown,
    _a_zone_stale, _a_conversation_to_open, _old_text_to_purge, _a_departed_workspace,
], ids=lambda work: work.__name__.strip("_"))
def test_a_tick_with_work_for_one_step_runs_it(
        world: World, work: Callable[[World], Callable[[], bool]]) -> None:
    """Each step's work alone, after a quiet tick: the probe sees it and the step does it.
    Catches a probe that hides a step's work (mutation, once per case: its EXISTS test
    replaced by `false()` in `what_is_due`, e.g. "departed": the workspace stays)."""
    for user, zone in ((MANAGER, "Europe/Amsterdam"), (MEMBER, "Asia/Tokyo"),
                       (OTHER, "Europe/London")):
        world.standin.add_user(user, tz=zone)
    add_teams(world, 0, 1)
    world.tick(QUIET)
    assert world.tick(QUIET).plan.planned == 0  # quiet: nothing to do
    done = work(world)
    assert not done()
    world.tick(QUIET_TICK)
    assert done()


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


def test_a_queue_waiting_on_an_empty_bucket_is_a_quiet_tick(world: World) -> None:
    """Conversations wait to be opened but this process's bucket has no token: the tick
    stops at its probe and the queue stays; once a token is back, the next tick opens
    one. Catches the step started whatever the bucket holds (mutation: `has_token`
    dropped from the opening step's condition in `run_tick`: a second query) and a
    `has_token` that takes the token (mutation: `self.tokens -= 1` in it: nothing opened
    after the refill)."""
    seconds = [0.0]
    world.services.open_bucket = TokenBucket(rate=1.0, burst=1, clock=lambda: seconds[0])
    for user in (MANAGER, MEMBER, OTHER):
        world.standin.add_user(user)
    add_teams(world, 0, 1)
    world.tick(QUIET)
    assert world.services.open_bucket.take()  # the only token
    for member in (MEMBER, OTHER):
        _set(world, insert(ConversationToOpen).values(
            workspace_id=world.workspace_id, users_key=f"{MANAGER},{member}",
            created_at=QUIET))
    waiting = select(func.count()).select_from(ConversationToOpen)
    with query_cost(world.db.engine) as cost:
        world.tick(QUIET_TICK)
    assert cost.statements == (2 if world.db.engine.dialect.name == "sqlite" else 1)
    assert _scalar(world, waiting) == 2
    seconds[0] = 1.0  # one token back
    world.tick(QUIET_TICK + dt.timedelta(minutes=1))
    assert _scalar(world, waiting) == 1


def test_every_ritual_due_at_once_is_planned_a_few_at_a_time(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """When every ritual is due at once (a restart after an outage, a workspace adopted)
    planning takes them a few at a time (`planning.PLAN_BATCH`; here 2, so 5 check-ins
    are 3 batches): each team's check-ins are planned as if alone, exactly once.
    Catches a batch left out (mutation: `range(0, len(ids) - 1, PLAN_BATCH)`: the fifth
    team's check-ins never planned)."""
    from bot.core import planning

    monkeypatch.setattr(planning, "PLAN_BATCH", 2)
    add_teams(world, 0, 5)
    monday = at("2026-11-30T10:30:00+00:00")  # 10:00 has passed in four of five zones
    report = world.tick(monday)
    with world.db.scope() as session:
        per_team = dict(session.execute(
            select(Team.key, func.count(Occurrence.id))
            .join(Ritual, Ritual.team_id == Team.id)
            .join(Occurrence, Occurrence.ritual_id == Ritual.id)
            .where(Ritual.kind == "weekly_feedback", Occurrence.created_at == monday)
            .group_by(Team.key)).all())
    assert sorted(per_team) == [f"t{t:04d}" for t in range(5)], per_team
    assert len(set(per_team.values())) == 1 and 0 < per_team["t0000"] < TEAM_SIZE, per_team
    assert report.plan.planned + report.plan.missed == sum(per_team.values())
    again = world.tick(monday)
    assert (again.plan.planned, again.plan.missed) == (0, 0)
