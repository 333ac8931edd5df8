"""The database connection lost mid-tick (PostgreSQL restarted): nothing lost, nothing twice.

A tick's PostgreSQL connections are terminated (`pg_terminate_backend`, as a restart or
a failover does to every client) at a deterministic point of a 40-prompt fan-out: while
it plans, after Slack accepted a post but before it is recorded, inside the transaction
that records it, while it claims, and while it remembers a conversation. The tick retries
the failed step once at once; the clock's next tick (after the claims' two-minute lease)
finishes anything left. Posts are counted at the stand-in.

From the client's side a terminated backend and a restarted server look the same: the
socket closes under an open transaction, psycopg raises OperationalError, SQLAlchemy
invalidates the connection and its pool, and the next checkout connects anew. The one
thing a restart adds, a few seconds in which connecting is refused, is covered by
`test_a_real_restart_mid_fan_out`, which runs only where TEND_TEST_PG_RESTART names the
command that restarts the server (it drops every client of that server, not only ours).
"""

from __future__ import annotations

import dataclasses
import os
import shlex
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import event, select

from bot.core.tick import run_tick
from bot.storage.db import Database, make_engine
from bot.storage.models import Occurrence, OutboxMessage
from tests.harness import World, at

pytestmark = pytest.mark.postgres_only

MEMBERS = [f"U2{n:03d}" for n in range(40)]
TEAM = f"""
teams:
  - key: forty
    name: Forty
    channel: C0FORTY
    timezone: Europe/Amsterdam
    managers: [U0MGR]
    members: [{", ".join(MEMBERS)}]
    rituals:
      weekly_feedback:
        cadence: {{every: week, day: mon, time: "10:00"}}
"""
TICK = "2026-11-23T09:00:00+00:00"
NEXT_TICK = "2026-11-23T09:10:00+00:00"  # after the two-minute lease of any claim

# A statement of the tick, and how many of them have run so far -> kill now?
Trigger = Callable[[str, int, World], bool]


class Killer:
    """Terminates the tick's backends (and only those: they carry their own
    application_name, in this test's database) just before a chosen statement runs."""

    def __init__(self, world: World, trigger: Trigger) -> None:
        self.world, self.trigger = world, trigger
        self.name = f"tend-tick-{uuid.uuid4().hex[:8]}"
        url = world.db.engine.url.set(drivername="postgresql")
        self.dsn = url.render_as_string(hide_password=False)
        self.db = Database(make_engine(
            world.db.engine.url.render_as_string(hide_password=False),
            connect_args={"application_name": self.name}))
        self.seen: dict[str, int] = {}
        self.killed = 0
        event.listen(self.db.engine, "before_cursor_execute", self._before)

    def _before(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.killed:
            return
        kind = " ".join(statement.split()[:3])
        self.seen[kind] = self.seen.get(kind, 0) + 1
        if self.trigger(statement, self.seen[kind], self.world):
            self.killed = self.terminate()
            assert self.killed, "no backend of the tick was found to terminate"

    def terminate(self) -> int:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            row = conn.execute(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) "
                "FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND application_name = %s",
                [self.name]).fetchone()
        return int(row[0]) if row else 0

    def tick(self, when: str) -> BaseException | None:
        """One tick as the clock runs it: an exception fails the tick, not the clock."""
        services = dataclasses.replace(self.world.services, db=self.db)
        try:
            run_tick(services, now=at(when))
        except Exception as exc:
            return exc
        return None


@pytest.fixture
def forty(world: World) -> Iterator[World]:
    if not world.db.is_postgres:
        pytest.skip("terminating server connections is a PostgreSQL test")
    world.standin.add_user("U0MGR", tz="Europe/Amsterdam")
    world.standin.add_channel("C0FORTY", name="forty")
    for member in MEMBERS:
        world.standin.add_user(member, tz="Europe/Amsterdam")
    world.load(TEAM)
    yield world


def _posts(world: World) -> int:
    return len([c for c in world.standin.calls_to("chat.postMessage") if c.error is None])


def _statement(prefix: str, nth: int) -> Trigger:
    return lambda statement, seen, _world: (statement.startswith(prefix) and seen == nth)


def _claim(statement: str, _seen: int, _world: World) -> bool:
    return statement.startswith("UPDATE outbox SET status") and "RETURNING" in statement


def _after_post(n: int) -> Trigger:
    # The first statement after Slack accepted the nth post: the one that records it.
    return lambda _statement, _seen, world: _posts(world) == n


POINTS: dict[str, tuple[Trigger, bool]] = {
    # name: (when to kill, whether the tick's own retry finishes the fan-out)
    # 41 newcomers: their zones come from one users.list, recorded in one bulk UPDATE.
    "time zones: recording users.list": (_statement("UPDATE person", 1), True),
    "planning: the 1st occurrence": (_statement("INSERT INTO occurrence", 1), True),
    "planning: the 25th outbox row": (_statement("INSERT INTO outbox", 25), True),
    "sending: claiming the batch": (_claim, True),
    "sending: remembering the 7th conversation": (
        _statement("INSERT INTO conversation", 7), False),
    "sending: after the 1st post, before recording it": (_after_post(1), True),
    "sending: after the 20th post, before recording it": (_after_post(20), True),
    "sending: inside the 33rd mark-sent transaction": (
        _statement("UPDATE occurrence SET", 33), True),
}


@pytest.mark.parametrize("point", list(POINTS))
def test_a_lost_connection_mid_tick_neither_loses_nor_duplicates(
        forty: World, point: str) -> None:
    trigger, finished_by_the_retry = POINTS[point]
    killer = Killer(forty, trigger)
    try:
        failure = killer.tick(TICK)
        assert killer.killed, f"the kill point {point!r} was never reached"
        assert failure is None, repr(failure)  # the step was retried, the tick went on
        if finished_by_the_retry:  # nothing waits for the next tick
            assert _posts(forty) == len(MEMBERS)
        # The clock ticks again; claims of the failed try have expired by now.
        assert killer.tick(NEXT_TICK) is None
        _assert_each_member_prompted_once(forty)
    finally:
        killer.db.engine.dispose()


def _assert_each_member_prompted_once(world: World) -> None:
    posts = world.standin.messages()
    assert len(posts) == len(MEMBERS), "a prompt was lost or posted twice"
    pairs = sorted(tuple(sorted(world.standin.conversation_members(p.channel)))
                   for p in posts)
    assert pairs == sorted(tuple(sorted(("U0MGR", m))) for m in MEMBERS)
    by_channel = {p.channel: p.ts for p in posts}
    with world.db.scope() as session:
        occurrences = list(session.scalars(select(Occurrence)))
        messages = list(session.scalars(select(OutboxMessage)))
        assert sorted(o.subject_id for o in occurrences) == sorted(MEMBERS)
        # Every occurrence points at the one post Slack holds for it; every message is
        # recorded as sent, exactly where it was posted.
        assert {(o.status, by_channel.get(o.channel_id or "") == o.message_ts)
                for o in occurrences} == {("sent", True)}
        assert len(messages) == len(MEMBERS)
        assert {(m.status, m.occurrence_id is not None, m.lease_until is None)
                for m in messages} == {("sent", True, True)}
        assert {(o.channel_id, o.message_ts) for o in occurrences} == {
            (m.sent_channel_id, m.sent_ts) for m in messages}


RESTART = os.environ.get("TEND_TEST_PG_RESTART", "")


@pytest.mark.skipif(not RESTART, reason="set TEND_TEST_PG_RESTART to the command that "
                    "restarts the PostgreSQL server (it drops every client of the server)")
def test_a_real_restart_mid_fan_out(forty: World) -> None:
    """`pg_ctlcluster … restart` while the tick records its 12th post."""
    restarted: list[float] = []

    def restart(_statement: str, _seen: int, world: World) -> bool:
        if restarted or _posts(world) != 12:
            return False
        started = time.monotonic()
        subprocess.run(shlex.split(RESTART), check=True, capture_output=True, timeout=30)
        restarted.append(time.monotonic() - started)
        return False

    killer = Killer(forty, restart)
    killer.terminate = lambda: 0  # type: ignore[method-assign]
    try:
        # The server is back when the command returns: the retry, a second later, works.
        assert killer.tick(TICK) is None
        assert restarted and restarted[0] < 15
        # The post being recorded is recorded on a fresh connection and the drain goes
        # on: the whole fan-out completes in the same tick, none left to its lease.
        assert _posts(forty) == len(MEMBERS)
        assert killer.tick(NEXT_TICK) is None
        _assert_each_member_prompted_once(forty)
    finally:
        killer.db.engine.dispose()
