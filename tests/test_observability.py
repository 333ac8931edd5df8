"""/healthz checks the database; /metrics reports the system, never a person."""

from __future__ import annotations

import urllib.error
import urllib.request

from bot.storage.db import Database
from bot.web import create_web_app
from tests.harness import World
from tests.test_weekly_checkin import setup_team


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_metrics_count_prompts_replies_outbox_and_slack_errors(world: World) -> None:
    setup_team(world)
    world.standin.fail("chat.postMessage", error="channel_not_found", times=1)
    world.tick("2026-11-23T04:30:00+00:00")  # Kolkata's prompt fails permanently
    world.tick("2026-11-23T09:00:00+00:00")
    post = world.checkin_posts()[0]
    world.reply(channel=post.channel, user="U001", text="done", thread_ts=post.ts)
    status, page = _get(f"{world.base_url}/metrics")
    assert status == 200
    assert 'tend_prompts_sent_total{ritual="weekly_feedback"} 1.0' in page
    assert 'tend_prompts_failed_total{reason="channel_not_found"} 1.0' in page
    assert "tend_replies_stored_total 1.0" in page
    assert "tend_outbox_depth 0.0" in page
    assert "tend_tick_lag_seconds" in page
    assert 'tend_slack_api_errors_total{error="channel_not_found",method="chat.postMessage"}' \
        in page
    for person in ("U001", "U002", "U003", "U0MGR"):
        assert person not in page  # system figures only (P1)


def test_healthz_fails_when_the_database_is_unreachable(world: World) -> None:
    broken = Database.from_url("postgresql+psycopg://nobody@127.0.0.1:1/none")
    client = create_web_app(world.app, broken,
                            signing_secret=world.standin.signing_secret).test_client()
    response = client.get("/healthz")
    assert response.status_code == 503 and response.get_json()["ok"] is False
    assert _get(f"{world.base_url}/healthz")[0] == 200
