"""SIGKILL the clock mid fan-out, restart it: every prompt arrives, none twice.

A real `tend tick` process is killed at many points of a fan-out (during planning,
between posts, and, with the stand-in slowed down, while a post is in flight: Slack has
it but tend has not recorded it). A second tick after the lease has expired finishes the
work; posts are counted at the stand-in.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.storage.models import Occurrence
from tests.harness import World
from tests.test_concurrent_ticks import BIG_TEAM, MEMBERS

ROOT = Path(__file__).resolve().parents[1]
TICK = "2026-11-23T09:00:00+00:00"
AFTER_LEASE = "2026-11-23T09:10:00+00:00"  # leases last two minutes


def _tick(world: World, when: str) -> subprocess.Popen[str]:
    env = {**os.environ,
           "DATABASE_URL": world.db.engine.url.render_as_string(hide_password=False),
           "SLACK_BOT_TOKEN": world.standin.bot_token,
           "SLACK_API_URL": world.standin.api_url, "LOG_LEVEL": "WARNING"}
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "tick", "--at", when],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _wait_until(condition: object, process: subprocess.Popen[str], seconds: float = 60
                ) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the kill point was never reached"
        time.sleep(0.005)


def _occurrences(world: World) -> int:
    with world.db.scope() as session:
        return session.scalar(select(func.count()).select_from(Occurrence)) or 0


@pytest.mark.parametrize("kill_after_posts", [0, 1, 2, 7, 15, 29])
def test_a_killed_fan_out_neither_loses_nor_duplicates(world: World,
                                                       kill_after_posts: int) -> None:
    world.standin.add_user("U0MGR", tz="Europe/Amsterdam")
    world.standin.add_channel("C0BIG", name="big")
    for member in MEMBERS:
        world.standin.add_user(member, tz="Europe/Amsterdam")
    world.load(BIG_TEAM)
    # Slow Slack down so that a kill often lands while a post is in flight.
    world.standin.latency = 0.03
    first = _tick(world, TICK)
    if kill_after_posts == 0:
        _wait_until(lambda: _occurrences(world) > 0, first)  # planned, nothing sent
    else:
        _wait_until(lambda: len(world.standin.calls_to("chat.postMessage"))
                    >= kill_after_posts, first)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    world.standin.latency = 0.0
    second = _tick(world, AFTER_LEASE)
    _out, err = second.communicate(timeout=180)
    assert second.returncode == 0, err
    posts = world.standin.messages()
    channels = [p.channel for p in posts]
    assert len(channels) == len(set(channels)), "a prompt was posted twice"
    # 30 check-ins, 8 quads, the goal session and the digest: nothing lost.
    assert len(posts) == 30 + 8 + 1 + 1
