"""The `tend` command line: import/export round trip, export-user, clear one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.harness import World
from tests.test_weekly_checkin import TEAM, setup_team


@pytest.fixture
def env(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setenv("DATABASE_URL", world.db.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SLACK_BOT_TOKEN", world.standin.bot_token)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", world.standin.signing_secret)
    monkeypatch.setenv("SLACK_API_URL", world.standin.api_url)
    return world


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_import_then_export_round_trips(env: World, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "teams.yaml"
    source.write_text(TEAM)
    code, out, _ = run(capsys, "import", str(source))
    assert code == 0 and "created team platform" in out
    code, exported, _ = run(capsys, "export")
    assert code == 0
    again = tmp_path / "again.yaml"
    again.write_text(exported)
    code, out, _ = run(capsys, "import", str(again))
    assert code == 0 and "updated team" not in out  # idempotent: nothing changed
    assert run(capsys, "export")[1] == exported


def test_a_member_removed_from_the_file_is_deactivated_with_history_kept(
        env: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    setup_team(env)
    env.tick("2026-11-23T09:00:00+00:00")
    smaller = tmp_path / "smaller.yaml"
    smaller.write_text(TEAM.replace("U001, ", ""))
    code, out, _ = run(capsys, "import", str(smaller))
    assert code == 0 and "1 deactivated" in out
    assert "U001" not in run(capsys, "export")[1]
    export = json.loads(run(capsys, "export-user", "U001")[1])
    assert export["memberships"][0]["active"] is False
    assert len(export["check_ins"]) == 1  # history kept
    env.tick("2026-11-30T09:00:00+00:00")
    assert all("U001" not in env.standin.conversation_members(p.channel)
               for p in env.checkin_posts()[1:])


def test_a_bad_file_is_rejected_whole_with_line_numbers(
        env: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    setup_team(env)
    before = run(capsys, "export")[1]
    bad = tmp_path / "bad.yaml"
    bad.write_text(TEAM.replace("Europe/Amsterdam", "Europe/Amsterdm")
                   .replace("day: mon", "day: someday") + "    colour: blue\n")
    code, _, err = run(capsys, "import", str(bad))
    assert code == 2
    assert "rejected, nothing changed" in err
    assert "line 6" in err and "Europe/Amsterdm" in err
    assert "someday" in err and "colour" in err
    assert run(capsys, "export")[1] == before


def test_export_user_holds_answers_commitments_and_memberships(
        env: World, capsys: pytest.CaptureFixture[str]) -> None:
    setup_team(env)
    env.tick("2026-11-23T09:00:00+00:00")
    post = env.checkin_posts()[0]
    env.reply(channel=post.channel, user="U001", text="commit: demo the importer by fri",
              thread_ts=post.ts)
    env.reply(channel=post.channel, user="U0MGR", text="the manager's own words",
              thread_ts=post.ts)
    data = json.loads(run(capsys, "export-user", "U001")[1])
    assert [a["text"] for a in data["answers"]] == ["commit: demo the importer by fri"]
    assert [c["text"] for c in data["commitments"]] == ["demo the importer"]
    assert data["memberships"][0]["team"] == "platform"
    assert "the manager's own words" not in json.dumps(data)  # only their own data


def test_tick_at_a_given_instant(env: World, capsys: pytest.CaptureFixture[str]) -> None:
    setup_team(env)
    code, out, _ = run(capsys, "tick", "--at", "2026-11-23T09:00:00+00:00")
    assert code == 0 and "1 sent" in out
    code, _, err = run(capsys, "tick", "--at", "next monday")
    assert code == 2 and "ISO-8601" in err
    code, _, err = run(capsys, "tick", "--at", "2026-11-23T09:00:00")
    assert code == 2 and "UTC offset" in err


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("SLACK_BOT_TOKEN", "", "SLACK_BOT_TOKEN is not set"),
    ("PORT", "eighty", "PORT is malformed"),
    ("DATABASE_URL", "mysql://x", "DATABASE_URL is malformed"),
    ("TEND_CATCHUP_HOURS", "-1", "TEND_CATCHUP_HOURS is malformed"),
])
def test_a_missing_or_malformed_setting_is_one_clear_line(
        env: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        name: str, value: str, expected: str) -> None:
    monkeypatch.setenv(name, value)
    code, _, err = run(capsys, "tick")
    assert code == 2
    assert err.count("\n") == 1 and expected in err and "Traceback" not in err


def test_postgres_urls_as_platforms_give_them_are_accepted() -> None:
    from bot.settings import normalise_database_url

    assert normalise_database_url("postgres://u:p@h:5432/db") == (
        "postgresql+psycopg://u:p@h:5432/db")


def test_manifest_command_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "manifest", "--url", "https://tend.example.org")
    assert code == 0
    assert json.loads(out)["settings"]["interactivity"]["request_url"].endswith("/slack/events")


def test_with_several_workspaces_the_cli_asks_which(
        env: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.storage.workspaces import ensure_workspace

    source = tmp_path / "teams.yaml"
    source.write_text(TEAM)
    assert run(capsys, "import", str(source))[0] == 0  # the one workspace served
    with env.db.scope() as session:
        ensure_workspace(session, "T0OTHER", now=env.clock.now)
    code, _out, err = run(capsys, "export")
    assert code == 2 and "--workspace" in err and "T0OTHER" in err
    assert "platform" in run(capsys, "export", "--workspace", env.workspace_id)[1]
    code, _out, err = run(capsys, "export", "--workspace", "T0OTHER")
    assert code == 2 and "no teams yet" in err
    code, out, _ = run(capsys, "import", str(source), "--workspace", "T0OTHER")
    assert code == 0 and "created team platform" in out  # same key, another workspace


def test_rows_from_before_workspaces_are_adopted_by_the_token_s_workspace(
        env: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sqlalchemy import select, update

    from bot.app import create_services
    from bot.settings import load_settings
    from bot.storage.models import Person, Team, Workspace

    setup_team(env)
    with env.db.scope() as session:  # as migration 0005 leaves an older database
        session.execute(update(Team).values(workspace_id=""))
        session.execute(update(Person).values(workspace_id=""))
        session.execute(update(Workspace).values(id=""))
    create_services(load_settings(), db=env.db)  # a token-mode process starting
    with env.db.scope() as session:
        assert set(session.scalars(select(Team.workspace_id))) == {env.workspace_id}
        assert set(session.scalars(select(Person.workspace_id))) == {env.workspace_id}
        assert set(session.scalars(select(Workspace.id))) == {env.workspace_id}
    env.tick("2026-11-23T09:00:00+00:00")
    assert len(env.checkin_posts()) == 1


def test_a_process_start_that_adopts_nothing_leaves_what_is_due_alone(env: World) -> None:
    """Every `tend clock` (serve, socket, tick) start builds its services; with no rows
    from before workspaces to adopt, it must not mark the workspace's rituals for
    recomputing: the first tick of every start would plan every ritual of the
    workspace (at 50,000 members, before planning was batched, that made the clock's
    peak memory 254 MB instead of 103 MB).
    Catches the recompute made whatever was adopted (mutation: `if moved:` dropped in
    `workspaces.adopt_legacy_rows`)."""
    from sqlalchemy import select

    from bench.common import counted_statements
    from bot.app import create_services
    from bot.settings import load_settings
    from bot.storage.models import RECOMPUTE, Ritual

    setup_team(env)
    env.tick("2026-11-20T12:00:00+00:00")  # every ritual's next due instant computed
    with env.db.scope() as session:
        before = {i: at for i, at in session.execute(select(Ritual.id, Ritual.next_due_at))}
    assert before and RECOMPUTE not in before.values()
    create_services(load_settings(), db=env.db)  # a token-mode process starting again
    with env.db.scope() as session:
        assert {i: at for i, at in session.execute(
            select(Ritual.id, Ritual.next_due_at))} == before
    with counted_statements(env.db.engine) as seen:
        report = env.tick("2026-11-20T12:00:05+00:00")
    assert (report.plan.planned, report.plan.missed) == (0, 0)
    # the probe only (`storage/due.what_is_due`), not planning every ritual again
    assert sum(1 for s, _ in seen if s.lstrip().upper().startswith("SELECT")) == 1, seen


def test_migrate_goes_up_or_down_to_the_revision_asked_for(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from alembic.script import ScriptDirectory

    from bot.storage.migrate import alembic_config, current_revision

    url = f"sqlite:///{tmp_path / 'migrate.db'}"
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    monkeypatch.setenv("DATABASE_URL", url)
    assert run(capsys, "migrate")[1] == f"database is at revision {head}\n"
    assert run(capsys, "migrate", "0003")[1] == "database is at revision 0003\n"  # down
    assert run(capsys, "migrate", "0003")[1] == "database is at revision 0003\n"  # stays
    assert run(capsys, "migrate", "0004")[1] == "database is at revision 0004\n"  # up
    assert run(capsys, "migrate", "head")[1] == f"database is at revision {head}\n"
    code, _out, err = run(capsys, "migrate", "0042")
    assert code == 2 and "'0042' is not a revision" in err
    assert current_revision(url) == head  # the refusal changed nothing
