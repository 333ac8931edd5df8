"""The real processes: `tend serve` (gunicorn) answers Slack and /healthz; `tend migrate`."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness import World
from tests.test_weekly_checkin import setup_team

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _env(world: World, **extra: str) -> dict[str, str]:
    return {**os.environ,
            "DATABASE_URL": world.db.engine.url.render_as_string(hide_password=False),
            "SLACK_BOT_TOKEN": world.standin.bot_token,
            "SLACK_SIGNING_SECRET": world.standin.signing_secret,
            "SLACK_API_URL": world.standin.api_url, **extra}


@pytest.fixture
def served(world: World) -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--threads", "4"], cwd=ROOT,
        env=_env(world, PORT=str(port)), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):  # wait for gunicorn to bind (bounded: ~20 s)
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                if process.poll() is not None:
                    raise AssertionError(process.stdout.read().decode()) from None
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_serve_answers_healthz_and_slack_events(world: World, served: str) -> None:
    with urllib.request.urlopen(f"{served}/healthz", timeout=5) as response:
        assert json.loads(response.read()) == {"database": "ok", "ok": True}
    setup_team(world)
    world.tick("2026-11-23T09:00:00+00:00")
    post = world.checkin_posts()[0]
    event = world.standin.message_event(post.channel, "U001", "via gunicorn",
                                        thread_ts=post.ts)
    status, _ = world.standin.deliver_event(f"{served}/slack/events", event, event_id="EvG1")
    assert status == 200
    status, _ = world.standin.deliver_event(f"{served}/slack/events", event,
                                            signature="v0=forged")
    assert status == 401
    from tests.test_weekly_checkin import _replies

    assert _replies(world) == [("U001", "via gunicorn")]


def test_migrate_command_is_idempotent(world: World) -> None:
    for _ in range(2):
        result = subprocess.run([sys.executable, "-m", "bot.cli", "migrate"], cwd=ROOT,
                                env=_env(world), capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
