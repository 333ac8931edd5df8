"""The acknowledgement path stays short: a plain thread reply costs a fixed, small number
of SQL statements, so Slack gets its 200 quickly and the count cannot silently regrow."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.pool import NullPool

from bot.storage import db as db_module
from bot.storage.models import Commitment, Reply
from tests import test_monthly_goals as goals_test
from tests import test_weekly_checkin as checkin_test
from tests.harness import World


@contextmanager
def statements(world: World) -> Iterator[list[str]]:
    """Every statement the app sends meanwhile, SQLite's BEGIN IMMEDIATE left out (it is
    the transaction's start, which PostgreSQL's driver sends without a cursor)."""
    seen: list[str] = []

    def listener(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.strip().upper() != "BEGIN IMMEDIATE":
            seen.append(" ".join(statement.split()))

    event.listen(world.db.engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(world.db.engine, "before_cursor_execute", listener)


def _checkin_thread(world: World) -> Any:
    checkin_test.setup_team(world)
    world.tick("2026-11-23T09:00:00+00:00")
    return next(m for m in world.checkin_posts()
                if world.standin.conversation_members(m.channel) == {"U0MGR", "U001"})


def _first_words(statement: str) -> str:
    return statement.split(" (")[0].split(",")[0]


def test_a_plain_new_reply_costs_two_statements_on_postgresql(world: World) -> None:
    """Catches a statement added to a plain reply (on SQLite, which has no
    data-modifying CTE, the event id and the thread lookup stay two statements)."""
    post = _checkin_thread(world)
    with statements(world) as seen:
        status, _ = world.reply(channel=post.channel, user="U001", thread_ts=post.ts,
                                text="Shipped the importer", event_id="EvPlain")
    assert status == 200
    # The event id with the thread's occurrence and its ritual, the reply: nothing else.
    assert [_first_words(s) for s in seen] == (
        ["WITH recorded AS", "INSERT INTO reply"] if world.db.is_postgres else
        ["INSERT INTO processed_event", "SELECT occurrence.id", "INSERT INTO reply"])
    with statements(world) as retried:  # Slack's retry: only the event id is tried
        world.reply(channel=post.channel, user="U001", thread_ts=post.ts,
                    text="Shipped the importer", event_id="EvPlain", retry_num=1)
    assert len(retried) == 1
    with world.db.scope() as session:
        assert [r.text for r in session.scalars(select(Reply))] == ["Shipped the importer"]


@pytest.mark.postgres_only
def test_a_plain_reply_takes_two_round_trips_before_its_commit_on_postgresql(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every round trip of a plain reply through a signed request, in order: pings
    included (SQLAlchemy sends them without a cursor event). Catches the event id and
    the thread lookup split again, and a ping at every checkout (pool_pre_ping)."""
    if not world.db.is_postgres:
        pytest.skip("SQLite has no round trips and no data-modifying CTE")
    post = _checkin_thread(world)
    trips: list[str] = []
    dialect = world.db.engine.dialect
    ping = dialect.do_ping
    monkeypatch.setattr(dialect, "do_ping", lambda conn: trips.append("ping") or ping(conn))

    def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        trips.append(_first_words(" ".join(sql.split())))

    event.listen(world.db.engine, "before_cursor_execute", statement)
    event.listen(world.db.engine, "commit", lambda _conn: trips.append("COMMIT"))
    try:
        status, _ = world.reply(channel=post.channel, user="U001", thread_ts=post.ts,
                                text="Shipped the importer", event_id="EvTrips")
    finally:
        event.remove(world.db.engine, "before_cursor_execute", statement)
    assert status == 200
    assert trips[:trips.index("COMMIT")] == ["WITH recorded AS", "INSERT INTO reply"]


@pytest.mark.postgres_only
def test_a_connection_closed_while_idle_is_replaced_before_use(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without pool_pre_ping, a connection idle past PING_AFTER_IDLE_SECONDS is still
    pinged, and one the server closed meanwhile (a restart) is replaced unnoticed.
    Catches the idle ping removed along with the ping at every checkout."""
    if not world.db.is_postgres:
        pytest.skip("a PostgreSQL server closes connections; a SQLite file does not")
    engine = world.db.engine
    engine.dispose()  # one pooled connection, known to this test
    with engine.connect() as connection:
        backend = connection.scalar(text("SELECT pg_backend_pid()"))
    killer = create_engine(engine.url, poolclass=NullPool)
    with killer.connect() as connection:
        connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    killer.dispose()
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_SECONDS", 0.0)
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT pg_backend_pid()")) != backend


def test_a_commit_line_on_the_short_path_is_still_recorded(world: World) -> None:
    post = _checkin_thread(world)
    world.reply(channel=post.channel, user="U001", thread_ts=post.ts, text="plain words")
    _, ts = world.reply(channel=post.channel, user="U001", thread_ts=post.ts,
                        text="commit: onboarding guide reviewed by 2026-12-04")
    assert world.standin.calls_to("reactions.add")[-1].params["timestamp"] == ts
    with world.db.scope() as session:
        assert [c.text for c in session.scalars(select(Commitment))] == [
            "onboarding guide reviewed"]


def test_a_plain_reply_in_a_goal_session_adds_only_the_team_lookup(world: World) -> None:
    goals_test.setup_team(world)
    world.tick(goals_test.DECEMBER)
    post = goals_test.session_post(world)
    with statements(world) as seen:
        world.reply(channel=post.channel, user="U003", thread_ts=post.ts,
                    text="Love the onboarding goal, happy to pair on it")
    # the team's members are the participants; the event id and the thread are one
    # statement on PostgreSQL
    assert len(seen) == (3 if world.db.is_postgres else 4)
    with world.db.scope() as session:
        assert [r.user_id for r in session.scalars(select(Reply))] == ["U003"]
