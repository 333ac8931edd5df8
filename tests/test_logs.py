"""Logs are structured (one JSON object per line) and carry no message text at INFO."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import DBAPIError

from bot.runtime.logs import JsonFormatter, configure_logging
from bot.storage.models import Reply
from tests.harness import World
from tests.test_weekly_checkin import setup_team

ROOT = Path(__file__).resolve().parents[1]
SECRET = "zebra-marmalade-7741"  # what a person wrote; must never reach a log line


def _record(msg: str, *args: object, level: int = logging.INFO,
            **extra: object) -> logging.LogRecord:
    record = logging.getLogger("bot.test").makeRecord(
        "bot.test", level, __file__, 1, msg, args, None, extra=extra or None)
    return record


def test_the_formatter_writes_one_json_object_with_the_fields() -> None:
    line = JsonFormatter().format(_record("tick at %s: sent %d", "09:00", 40))
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "INFO" and entry["logger"] == "bot.test"
    assert entry["msg"] == "tick at 09:00: sent 40"
    assert entry["ts"].endswith("Z")
    assert datetime.fromisoformat(entry["ts"].replace("Z", "+00:00")).utcoffset() is not None
    assert "args" not in entry and "exc_info" not in entry


def test_extra_fields_pass_through_and_exceptions_become_a_string() -> None:
    entry = json.loads(JsonFormatter().format(
        _record("sent", sent=3, channel="G1", when=datetime(2026, 11, 23))))
    assert (entry["sent"], entry["channel"]) == (3, "G1")
    assert entry["when"] == "2026-11-23 00:00:00"  # what JSON cannot hold, as a string
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("bot.test").makeRecord(
            "bot.test", logging.ERROR, __file__, 1, "tick failed", (), None)
        record.exc_info = sys.exc_info()
    entry = json.loads(JsonFormatter().format(record))
    assert entry["level"] == "ERROR" and entry["msg"] == "tick failed"
    assert isinstance(entry["exc_info"], str)
    assert "Traceback" in entry["exc_info"] and "ValueError: boom" in entry["exc_info"]


@contextmanager
def bare_root() -> Iterator[logging.Logger]:
    """The root logger without pytest's capture handlers (which it adds when a test
    starts), restored afterwards."""
    root, bot = logging.getLogger(), logging.getLogger("bot")
    saved, level, bot_level = root.handlers[:], root.level, bot.level
    root.handlers = []
    bot.setLevel(logging.NOTSET)  # `tend demo` (run by other tests) quiets it
    try:
        yield root
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers, root.level = saved, level
        bot.setLevel(bot_level)


def test_configure_logging_writes_json_lines_or_text() -> None:
    with bare_root() as root:
        _configure_logging_writes_json_lines_or_text(root)


def _configure_logging_writes_json_lines_or_text(root: logging.Logger) -> None:
    out = io.StringIO()
    configure_logging(level="info", fmt="json", stream=out)
    logging.getLogger("bot.clock").info("clock started: a tick every %s s", 30,
                                         extra={"interval": 30})
    logging.getLogger("bot.clock").debug("not shown at INFO")
    logging.getLogger("apscheduler.scheduler").info("library chatter, held at WARNING")
    (line,) = out.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["msg"] == "clock started: a tick every 30 s" and entry["interval"] == 30
    # Configuring again (text) replaces the handler instead of adding a second one.
    out2 = io.StringIO()
    configure_logging(level="WARNING", fmt="text", stream=out2)
    logging.getLogger("bot.sender").warning("outbox %s gave up", "occurrence:1:prompt")
    assert len(root.handlers) == 1
    assert out2.getvalue().rstrip().endswith(
        "WARNING bot.sender outbox occurrence:1:prompt gave up")


def test_log_format_is_a_setting() -> None:
    from bot.settings import SettingsError, load_settings

    assert load_settings().log_format == "json"
    assert load_settings(log_format="TEXT").log_format == "text"
    with pytest.raises(SettingsError, match="LOG_FORMAT"):
        load_settings(log_format="xml")


def test_a_database_error_does_not_put_statement_parameters_in_the_log(world: World) -> None:
    """A failed statement's parameters (here a reply's words) stay out of tracebacks."""
    row = {"occurrence_id": 999_999, "channel_id": "G1", "ts": "1.000001", "user_id": "U1",
           "text": f"Shipped it; {SECRET}", "created_at": world.clock()}
    with pytest.raises(DBAPIError) as caught, world.db.scope() as session:
        session.execute(insert(Reply).values(**row))  # no such occurrence
    assert SECRET not in str(caught.value)
    assert SECRET not in "".join(traceback.format_exception(caught.value))


def _everything_logged(records: list[logging.LogRecord]) -> list[str]:
    formatter = JsonFormatter()
    return [formatter.format(r) for r in records if r.levelno >= logging.INFO]


def test_no_log_line_at_info_carries_what_people_wrote(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    """A reply, a `commit:` line, a bad one, the commitment modal, and next week's
    check-in that shows the commitment again, with Slack refusing things along the way so
    that the warning paths run too: no record at INFO or above contains the words."""
    caplog.set_level(logging.INFO)  # the root and every logger under it
    caplog.set_level(logging.INFO, logger="bot")  # even if a `tend demo` quieted it
    setup_team(world)
    world.tick("2026-11-23T09:00:00+00:00")
    post = next(m for m in world.checkin_posts()
                if world.standin.conversation_members(m.channel) == {"U0MGR", "U001"})
    occurrence = next(o for o in world.occurrences() if o.subject_id == "U001")

    world.standin.fail("reactions.add", error="internal_error", times=5)
    assert world.reply(channel=post.channel, user="U001", thread_ts=post.ts,
                       text=f"Shipped the importer; {SECRET}")[0] == 200
    assert world.reply(channel=post.channel, user="U001", thread_ts=post.ts,
                       text=f"commit: {SECRET} by 2026-12-04")[0] == 200
    world.standin.fail("chat.postEphemeral", error="internal_error", times=5)
    assert world.reply(channel=post.channel, user="U0MGR", thread_ts=post.ts,
                       text=f"commit: {SECRET} someday")[0] == 200
    world.click(user="U0MGR", action_id="commitment_add", value=str(occurrence.id),
                channel=post.channel, message_ts=post.ts)
    status, _body = world.submit_commitment(user="U0MGR", occurrence_id=occurrence.id,
                                            what=f"Unblock {SECRET}", due="2026-11-27")
    assert status == 200
    # Next week's check-in carries both commitments; its first post fails, then is sent.
    world.standin.fail("chat.postMessage", error="internal_error", times=1)
    world.tick("2026-11-30T09:00:00+00:00")
    world.tick("2026-11-30T09:30:00+00:00")
    week2 = [m for m in world.checkin_posts() if m.channel == post.channel][-1]
    assert SECRET in str(week2.blocks)  # the words did go through tend, to Slack

    lines = _everything_logged(caplog.records)
    assert any('"logger": "bot.core.tick"' in line for line in lines)
    assert any("slack call failed" in line for line in lines)  # the warning paths ran
    leaked = [line for line in lines if SECRET in line]
    assert leaked == []


def test_tend_tick_writes_json_lines_by_default_and_text_on_request(world: World) -> None:
    setup_team(world)
    env = {**os.environ,
           "DATABASE_URL": world.db.engine.url.render_as_string(hide_password=False),
           "SLACK_BOT_TOKEN": world.standin.bot_token,
           "SLACK_SIGNING_SECRET": world.standin.signing_secret,
           "SLACK_API_URL": world.standin.api_url, "LOG_LEVEL": "INFO"}
    env.pop("LOG_FORMAT", None)

    def tick(when: str, **extra: str) -> list[str]:
        result = subprocess.run([sys.executable, "-m", "bot.cli", "tick", "--at", when],
                                cwd=ROOT, env={**env, **extra}, capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        return result.stderr.splitlines()

    entries = [json.loads(line) for line in tick("2026-11-23T04:30:00+00:00")]
    summary = next(e for e in entries if e["logger"] == "bot.core.tick")
    assert summary["level"] == "INFO" and summary["msg"].startswith("tick at ")
    lines = tick("2026-11-23T09:00:00+00:00", LOG_FORMAT="text")
    assert any(" INFO bot.core.tick tick at " in line for line in lines)
    assert not any(line.startswith("{") for line in lines)
