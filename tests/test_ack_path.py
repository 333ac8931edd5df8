"""The acknowledgement path stays short: a plain thread reply costs a fixed, small number
of SQL statements, so Slack gets its 200 quickly and the count cannot silently regrow."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, select

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


def test_a_plain_new_reply_costs_three_statements(world: World) -> None:
    post = _checkin_thread(world)
    with statements(world) as seen:
        status, _ = world.reply(channel=post.channel, user="U001", thread_ts=post.ts,
                                text="Shipped the importer", event_id="EvPlain")
    assert status == 200
    # The event id, the thread's occurrence with its ritual, the reply: nothing else.
    assert [s.split(" (")[0].split(",")[0] for s in seen] == [
        "INSERT INTO processed_event", "SELECT occurrence.id", "INSERT INTO reply"]
    with statements(world) as retried:  # Slack's retry: only the event id is tried
        world.reply(channel=post.channel, user="U001", thread_ts=post.ts,
                    text="Shipped the importer", event_id="EvPlain", retry_num=1)
    assert len(retried) == 1
    with world.db.scope() as session:
        assert [r.text for r in session.scalars(select(Reply))] == ["Shipped the importer"]


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
    assert len(seen) == 4  # the team's members are the participants
    with world.db.scope() as session:
        assert [r.user_id for r in session.scalars(select(Reply))] == ["U003"]
