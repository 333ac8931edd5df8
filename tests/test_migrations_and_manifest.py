"""Migrations go up and down on the test database's engine; the manifest is valid."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.domain.enums import CommitmentStatus, GoalStatus, OccurrenceStatus, OutboxStatus
from bot.slack.manifest import BOT_EVENTS, BOT_SCOPES, build_manifest
from bot.storage.migrate import downgrade, upgrade
from bot.storage.models import Base

# Slack's manifest schema, vendored with its MIT licence (see that folder's README).
SCHEMA = Path(__file__).parent / "fixtures" / "slack-manifest-schema"


def _scratch_url(database_url: str, tmp_path: Path) -> str:
    """A separate database (SQLite) or schema (PostgreSQL), so others' tables stay."""
    if not database_url.startswith("postgresql"):
        return f"sqlite:///{tmp_path / 'migrations.db'}"
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
        connection.execute(text("CREATE SCHEMA migration_check"))
    engine.dispose()
    separator = "&" if "?" in database_url else "?"
    return f"{database_url}{separator}options=-csearch_path%3Dmigration_check"


def test_migrations_go_up_and_down_and_match_the_models(database_url: str,
                                                        tmp_path: Path) -> None:
    url = _scratch_url(database_url, tmp_path)
    upgrade(url)
    engine = create_engine(url)
    tables = set(inspect(engine).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= tables
    engine.dispose()
    downgrade(url, "base")
    engine = create_engine(url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    upgrade(url)  # and up again: downgrade left nothing behind that breaks it


def test_people_on_a_team_at_the_upgrade_count_as_introduced(database_url: str,
                                                             tmp_path: Path) -> None:
    """Migration 0013 marks everyone already on a team (member or manager, not a coach)
    introduced, so an upgrade sends nobody an introduction out of the blue. Catches a
    migration that creates the table empty (mutation: its INSERT removed)."""
    url = _scratch_url(database_url, tmp_path)
    upgrade(url, "0011")
    engine = create_engine(url)
    now = datetime(2026, 11, 1)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO team (id, workspace_id, key, name, channel_id, timezone, skip_dates, "
            "created_at, updated_at) VALUES (1, 'T1', 'platform', 'Platform', 'C1', "
            "'Europe/Amsterdam', '[]', :now, :now)"), {"now": now})
        for user, role in (("U1", "member"), ("U2", "manager"), ("U2", "member"),
                           ("U3", "coach")):
            connection.execute(text(
                "INSERT INTO team_role (team_id, user_id, role, position, active, since) "
                "VALUES (1, :user, :role, 0, :active, :now)"),
                {"user": user, "role": role, "active": True, "now": now})
    engine.dispose()
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT workspace_id, team_id, user_id, sent_at IS NOT NULL FROM introduction "
            "ORDER BY user_id")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("T1", 1, "U1", True), ("T1", 1, "U2", True)]


def test_no_model_change_is_missing_a_migration(database_url: str, tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    url = _scratch_url(database_url, tmp_path)
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == []


def test_each_status_column_is_checked_against_its_enum(database_url: str,
                                                       tmp_path: Path) -> None:
    """The migrated database refuses a status its enum does not have, and its CHECK lists
    exactly the enum's values (autogenerate does not compare checks, so this does).
    Kills: a check missing from migration 0008 or the models, a status value added to
    an enum without a migration, a misspelt status written by the code."""
    url = _scratch_url(database_url, tmp_path)
    upgrade(url)
    engine = create_engine(url)
    checks = inspect(engine)
    for table, enum in (("occurrence", OccurrenceStatus), ("commitment", CommitmentStatus),
                        ("goal", GoalStatus), ("outbox", OutboxStatus)):
        (check,) = [c for c in checks.get_check_constraints(table)
                    if c["name"] == f"ck_{table}_status"]
        assert set(re.findall(r"'([a-z_]+)'", check["sqltext"])) == set(enum), table
        model = Base.metadata.tables[table]
        assert f"ck_{table}_status" in {c.name for c in model.constraints}
    with Session(engine) as session, pytest.raises(IntegrityError):
        session.execute(text(
            "INSERT INTO outbox (key, workspace_id, payload, status, attempts, "
            "next_attempt_at, created_at) VALUES ('k', 'T1', '{}', 'snet', 0, :at, :at)"),
            {"at": datetime(2026, 12, 1, tzinfo=UTC).replace(tzinfo=None)})
    engine.dispose()


def test_the_manifest_is_valid_for_socket_mode_and_http() -> None:
    schema = json.loads((SCHEMA / "manifest.schema.1.0.0.json").read_text())
    for manifest in (build_manifest(), build_manifest(public_url="https://tend.example.org")):
        jsonschema.validate(manifest, schema)
    http = build_manifest(public_url="https://tend.example.org/")
    assert http["settings"]["event_subscriptions"]["request_url"] == (
        "https://tend.example.org/slack/events")
    assert http["settings"]["socket_mode_enabled"] is False
    assert build_manifest()["settings"]["socket_mode_enabled"] is True


def test_the_manifest_asks_only_for_what_tend_uses() -> None:
    manifest = build_manifest()
    assert manifest["oauth_config"]["scopes"]["bot"] == sorted(BOT_SCOPES)
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == BOT_EVENTS
    # Each Web API method the gateway calls is covered by a requested scope.
    gateway = (Path(__file__).resolve().parents[1] / "bot/slack/gateway.py").read_text()
    needs = {"chat.postMessage": "chat:write", "chat.update": "chat:write",
             "conversations.open": "mpim:write", "users.info": "users:read",
             "users.list": "users:read",
             "reactions.add": "reactions:write", "conversations.join": "channels:join"}
    for method, scope in needs.items():
        assert f'"{method}"' in gateway
        assert scope in BOT_SCOPES
