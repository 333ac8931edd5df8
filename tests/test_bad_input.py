"""Bad input to the CLI, the teams file and the settings: one clear line, a non-zero exit,
no traceback, and nothing changed (issue 16, items 17 and 18).

Every case goes through the real command line (`bot.cli.main`, or a subprocess where the
old behaviour could exhaust memory or start a server), against the test database
(SQLite, or PostgreSQL with TEST_DATABASE_URL).
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.slack.manifest import BOT_SCOPES
from bot.storage.models import Base
from tests.harness import World
from tests.test_weekly_checkin import TEAM, setup_team

ROOT = Path(__file__).resolve().parents[1]
# The team of TEAM, renamed: were a bad file accepted, the database would change.
RENAMED = TEAM.replace("name: Platform", "name: Platform Two")


@pytest.fixture
def env(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setenv("DATABASE_URL", database_url(world))
    monkeypatch.setenv("SLACK_BOT_TOKEN", world.standin.bot_token)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", world.standin.signing_secret)
    monkeypatch.setenv("SLACK_API_URL", world.standin.api_url)
    monkeypatch.delenv("LOG_LEVEL", raising=False)
    setup_team(world)
    return world


def database_url(world: World) -> str:
    return world.db.engine.url.render_as_string(hide_password=False)


def snapshot(world: World) -> dict[str, list[str]]:
    """Every row of every table, to show that a refused command changed nothing."""
    with world.db.engine.connect() as connection:
        return {table.name: sorted(map(repr, connection.execute(select(table)).all()))
                for table in Base.metadata.sorted_tables}


def refused(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run `tend ARGS`; assert it refused in one line, printing nothing else."""
    code = main(list(args))
    out, err = capsys.readouterr()
    assert (code, out) == (2, ""), err
    assert err.startswith("tend: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err.strip()


def import_refused(env: World, capsys: pytest.CaptureFixture[str], path: Path,
                   content: str | bytes) -> str:
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    before = snapshot(env)
    err = refused(capsys, "import", str(path))
    assert snapshot(env) == before
    return err


# -- the teams file ---------------------------------------------------------------------

CADENCE = 'cadence: {every: week, day: mon, time: "10:00"}'


@pytest.mark.parametrize(("content", "expected"), [
    # Kills: dropping the composer's depth limit (PyYAML recursed into a RecursionError).
    ("teams: " + "[" * 5000 + "]" * 5000 + "\n",
     "line 1: nested more than 20 levels deep"),
    ("teams:\n" + "".join("  " * d + "- \n" for d in range(1, 40)) + "  " * 40 + "- x\n",
     "nested more than 20 levels deep"),
    # Kills: the cycle check (an anchor used inside itself).
    ("a: &a [*a]\nteams: *a\n", "line 1: a recursive alias"),
    # Kills: constructing dates without catching the calendar's ValueError (a traceback).
    (RENAMED.replace("    managers:", "    skip_dates: [2026-02-30]\n    managers:"),
     "line 7: teams[0].skip_dates[0]: not a date on the calendar: '2026-02-30'"),
    # Kills: reading a bare number as minutes (1000 was scheduled at 16:40).
    (RENAMED.replace('time: "10:00"', "time: 1000"),
     'line 12: teams[0].rituals.weekly_feedback.cadence.time: time must be "HH:MM" '
     "(24-hour), not the number 1000"),
    # Kills: accepting any name ZoneInfo loads (localtime follows the server).
    (RENAMED.replace("Europe/Amsterdam", "localtime"),
     "line 6: teams[0].timezone: 'localtime' follows the server's clock"),
], ids=["nested_flow", "nested_block", "recursive_alias", "impossible_date", "bare_number_time",
        "localtime"])
def test_a_bad_teams_file_is_one_line_and_changes_nothing(
        env: World, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str,
        expected: str) -> None:
    err = import_refused(env, capsys, tmp_path / "teams.yaml", content)
    assert err.startswith(f"tend: {tmp_path / 'teams.yaml'}: rejected, nothing changed: ")
    assert expected in err


@pytest.mark.parametrize("written", ["10:00", "9:30", "'10:00'"])
def test_an_unquoted_time_is_still_a_time(
        env: World, tmp_path: Path, capsys: pytest.CaptureFixture[str], written: str) -> None:
    """Kills: dropping the loader's base-60 rule (YAML 1.1 reads 10:00 as the number 600,
    which the bare-number check would then refuse)."""
    path = tmp_path / "teams.yaml"
    path.write_text(RENAMED.replace('time: "10:00"', f"time: {written}"))
    assert main(["import", str(path)]) == 0, capsys.readouterr().err
    capsys.readouterr()
    assert main(["export"]) == 0
    assert f'time: "{written.strip(chr(39)).zfill(5)}"' in capsys.readouterr().out


def test_a_file_that_is_not_utf8_names_the_line_and_byte(
        env: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Kills: reading the file with read_text (a UnicodeDecodeError traceback)."""
    latin1 = RENAMED.replace("name: Platform Two", "name: Caf\xe9").encode("latin-1")
    err = import_refused(env, capsys, tmp_path / "teams.yaml", latin1)
    assert "line 4: not UTF-8 text (byte 0xe9)" in err


def test_aliases_within_the_budget_still_work(
        env: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Kills: refusing every alias, or a budget of nothing (a shared cadence is fine)."""
    shared = RENAMED.replace("      weekly_feedback:\n        " + CADENCE,
                             "      weekly_feedback: &weekly\n        " + CADENCE +
                             "\n      quads:\n        <<: *weekly")
    assert "&weekly" in shared
    path = tmp_path / "teams.yaml"
    path.write_text(shared)
    assert main(["import", str(path)]) == 0
    assert "updated team platform" in capsys.readouterr().out


def run_limited(args: list[str], env: dict[str, str], *, memory: int = 1 << 30,
                timeout: float = 60) -> tuple[int | None, str, float]:
    """`python -m bot.cli ARGS` under a memory cap; (exit code or None if it had to be
    killed, stderr, seconds)."""
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", *args], cwd=ROOT,
                               env={**os.environ, **env}, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, preexec_fn=cap)
    try:
        _, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
        return None, err, time.monotonic() - started
    return process.returncode, err, time.monotonic() - started


BOMB = "".join(f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n"
               for a, b in zip("abcdefgh", "bcdefghi", strict=True))
BOMB = 'a: &a ["U1", "U1", "U1", "U1", "U1", "U1", "U1", "U1", "U1"]\n' + BOMB + (
    "teams: [{key: x, name: x, channel: C1, timezone: UTC, managers: *i, members: *i}]\n")


def test_an_alias_bomb_is_refused_before_it_is_expanded(env: World, tmp_path: Path) -> None:
    """A "billion laughs" (9**9 user ids from nine lines) under a 1 GB memory cap.

    Kills: the expansion budget (without it pydantic walks 387 million values: out of
    memory or past the timeout), and counting aliases by reference instead of by size.
    """
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB)
    before = snapshot(env)
    code, err, seconds = run_limited(["import", str(path)],
                                     {"DATABASE_URL": database_url(env)})
    assert code == 2, err[-500:]
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "line 2: aliases expand this file far beyond what it writes out" in err
    assert seconds < 30
    assert snapshot(env) == before


def test_values_longer_than_their_column_are_refused_by_line(
        env: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """On PostgreSQL these were a StringDataRightTruncation traceback; on SQLite they were
    stored whole. Kills: dropping any of the schema's max_length (key, name, user id)."""
    long = (RENAMED.replace("key: platform", "key: " + "k" * 65)
            .replace("name: Platform Two", "name: " + "N" * 201)
            .replace("U001,", "U" + "1" * 40 + ","))
    path = tmp_path / "teams.yaml"
    path.write_text(long)
    before = snapshot(env)
    assert main(["import", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    assert err.splitlines()[1:] == [
        "  line 3: teams[0].key: too long: 65 characters, at most 64",
        "  line 4: teams[0].name: too long: 201 characters, at most 200",
        "  line 9: teams[0].members[0].id: too long: 41 characters, at most 32",
    ]
    assert snapshot(env) == before


def test_values_as_long_as_their_column_are_stored(
        env: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Kills: a limit one below the column (off by one), on either database."""
    longest = RENAMED.replace("name: Platform Two", "name: " + "N" * 200).replace(
        "U001,", "U" + "1" * 31 + ",")
    path = tmp_path / "teams.yaml"
    path.write_text(longest.replace("key: platform", "key: " + "k" * 64))
    assert main(["import", str(path)]) == 0, capsys.readouterr().err
    capsys.readouterr()
    assert main(["export"]) == 0
    exported = capsys.readouterr().out
    assert "k" * 64 in exported and "N" * 200 in exported and "U" + "1" * 31 in exported


# -- settings ---------------------------------------------------------------------------


def test_an_unreachable_database_is_one_line_without_the_password(
        env: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Kills: letting SQLAlchemy's OperationalError out of main (a traceback), or printing
    the URL with its password."""
    monkeypatch.setenv("DATABASE_URL", "postgresql://tend:hunter2@127.0.0.1:1/tend")
    err = refused(capsys, "export")
    assert "cannot use the database at DATABASE_URL postgresql+psycopg://tend:***@" in err
    assert "hunter2" not in err


def test_a_sqlite_file_in_a_missing_folder_names_the_folder(
        env: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Kills: the folder check (SQLite says only "unable to open database file")."""
    missing = tmp_path / "missing"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{missing}/tend.db")
    err = refused(capsys, "migrate")
    assert f"the folder {missing} does not exist" in err
    assert not missing.exists()


def test_an_unknown_log_level_is_refused_before_anything_runs(
        env: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Kills: LOG_LEVEL as free text (logging's ValueError was a traceback)."""
    monkeypatch.setenv("LOG_LEVEL", "LOUD")
    path = tmp_path / "teams.yaml"
    path.write_text(RENAMED)
    before = snapshot(env)
    err = refused(capsys, "import", str(path))
    assert "LOG_LEVEL is malformed" in err and "'DEBUG'" in err
    assert snapshot(env) == before
    monkeypatch.setenv("LOG_LEVEL", "debug")  # any case, as before
    assert main(["export"]) == 0


# -- arguments --------------------------------------------------------------------------


@pytest.mark.parametrize("period", ["9999-12", "0001-01"])
def test_a_digest_period_out_of_range_is_one_line(
        env: World, capsys: pytest.CaptureFixture[str], period: str) -> None:
    """Kills: accepting any YYYY-MM (9999-12's window ends in year 10000: a ValueError)."""
    before, calls = snapshot(env), len(env.standin.calls)
    err = refused(capsys, "digest", "platform", "--period", period)
    assert f"--period '{period}' is not a month such as 2026-11 (from 1970 to 9998)" in err
    assert snapshot(env) == before and len(env.standin.calls) == calls


@pytest.mark.parametrize("instant", ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59+00:00"])
def test_a_tick_at_the_edge_of_time_is_one_line_and_calls_nobody(
        env: World, capsys: pytest.CaptureFixture[str], instant: str) -> None:
    """Kills: the range check on --at (the tick's look-back overflowed: a traceback), and
    reading --at only after connecting to Slack."""
    before, calls = snapshot(env), len(env.standin.calls)
    err = refused(capsys, "tick", "--at", instant)
    assert "is outside the years 1970 to 9998" in err
    assert snapshot(env) == before and len(env.standin.calls) == calls


@pytest.mark.parametrize(("flag", "value", "expected"), [
    ("--threads", "0", "--threads must be between 1 and 256, not 0"),
    ("--workers", "0", "--workers must be between 1 and 64, not 0"),
    ("--threads", "-3", "--threads must be between 1 and 256, not -3"),
])
def test_serve_with_no_threads_or_workers_refuses_to_start(
        env: World, flag: str, value: str, expected: str) -> None:
    """Kills: passing them to gunicorn unchecked. A subprocess, since the old code
    started a server (the timeout ends it)."""
    calls = len(env.standin.calls)
    code, err, _ = run_limited(["serve", flag, value], {
        "DATABASE_URL": database_url(env), "SLACK_BOT_TOKEN": env.standin.bot_token,
        "SLACK_SIGNING_SECRET": env.standin.signing_secret,
        "SLACK_API_URL": env.standin.api_url, "PORT": "1"}, timeout=30)
    assert code == 2 and err == f"tend: {expected}\n"
    assert len(env.standin.calls) == calls


@pytest.mark.parametrize("workspace", ["T" + "0" * 40, "t0lower", "C0CHANNEL"])
def test_a_workspace_id_that_cannot_be_one_is_refused(
        env: World, tmp_path: Path, capsys: pytest.CaptureFixture[str], workspace: str) -> None:
    """On PostgreSQL an over-long --workspace was a StringDataRightTruncation traceback
    (team.workspace_id is 32 characters); on SQLite a team was made in a workspace that
    cannot exist. Kills: taking --workspace unchecked."""
    path = tmp_path / "teams.yaml"
    path.write_text(RENAMED)
    before = snapshot(env)
    err = refused(capsys, "import", str(path), "--workspace", workspace)
    assert "is not a Slack workspace id" in err
    assert snapshot(env) == before


# -- the manifest -----------------------------------------------------------------------


@pytest.mark.parametrize(("name", "expected"), [
    ("t" * 36, "the app name is 36 characters; Slack allows at most 35"),
    ("   ", "the app name must not be empty"),
])
def test_a_manifest_name_slack_would_refuse_is_one_line(
        capsys: pytest.CaptureFixture[str], name: str, expected: str) -> None:
    """Kills: passing --name through unchecked (Slack's schema: 1 to 35 characters)."""
    assert refused(capsys, "manifest", "--name", name) == f"tend: --name: {expected}"


def test_a_manifest_name_of_35_characters_is_accepted(
        capsys: pytest.CaptureFixture[str]) -> None:
    """Kills: an off-by-one limit."""
    assert main(["manifest", "--name", "t" * 35]) == 0
    assert '"name": "' + "t" * 35 + '"' in capsys.readouterr().out


def test_the_readme_lists_every_scope_the_manifest_asks_for() -> None:
    """Kills: a scope in bot/slack/manifest.py missing from the README (im:history was)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"`([a-z]+:[a-z]+|commands)`", readme))
    assert set(BOT_SCOPES) <= listed


