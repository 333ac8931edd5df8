"""Two ticks at once never send anything twice: in threads, and in two real processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness import World
from tests.test_weekly_checkin import setup_team

ROOT = Path(__file__).resolve().parents[1]
MEMBERS = [f"U1{n:03d}" for n in range(30)]

BIG_TEAM = f"""
teams:
  - key: big
    name: Big
    channel: C0BIG
    timezone: Europe/Amsterdam
    managers: [U0MGR]
    members: [{", ".join(MEMBERS)}]
    rituals:
      weekly_feedback:
        cadence: {{every: week, day: mon, time: "10:00"}}
      monthly_goals:
        cadence: {{every: month, day: 4th mon, time: "10:00"}}
      quads:
        cadence: {{every: week, day: mon, time: "10:00"}}
        regroup_every: 2
    digest:
      to: U0MGR
      cadence: {{every: week, day: mon, time: "10:00"}}
"""
# 30 check-ins, 8 quads (six of four, two of three), one goal-sharing session and one
# digest (to the manager's DM).
EXPECTED_POSTS = 30 + 8 + 1 + 1


def _big_team(world: World) -> None:
    world.standin.add_user("U0MGR", tz="Europe/Amsterdam")
    world.standin.add_channel("C0BIG", name="big")
    for member in MEMBERS:
        world.standin.add_user(member, tz="Europe/Amsterdam")
    world.load(BIG_TEAM)


def test_two_ticks_in_threads_send_each_checkin_once(world: World) -> None:
    _big_team(world)
    world.standin.latency = 0.002  # widen the window in which the two could race
    world.tick_twice_at_once("2026-11-23T09:00:00+00:00")
    _assert_each_sent_once(world)


def _assert_each_sent_once(world: World) -> None:
    posts = world.standin.messages()
    assert len(posts) == EXPECTED_POSTS
    assert len({p.channel for p in posts}) == EXPECTED_POSTS


def _tick_process(world: World, when: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DATABASE_URL": str(world.db.engine.url.render_as_string(hide_password=False)),
        "SLACK_BOT_TOKEN": world.standin.bot_token,
        "SLACK_SIGNING_SECRET": world.standin.signing_secret,
        "SLACK_API_URL": world.standin.api_url,
    }
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "tick", "--at", when],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.mark.postgres_only
def test_two_tick_processes_on_postgres_send_each_checkin_once(world: World) -> None:
    if not world.db.is_postgres:
        pytest.skip("two processes sharing work is the PostgreSQL deployment")
    _big_team(world)
    world.standin.latency = 0.002
    processes = [_tick_process(world, "2026-11-23T09:00:00+00:00") for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    _assert_each_sent_once(world)


def test_the_tick_command_runs_against_sqlite_or_postgres(world: World) -> None:
    setup_team(world)
    process = _tick_process(world, "2026-11-23T09:00:00+00:00")
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert "1 sent" in out
    process = _tick_process(world, "2026-11-23T09:00:00+00:00")
    out, _ = process.communicate(timeout=120)
    assert "0 sent" in out
    assert len(world.checkin_posts()) == 1
