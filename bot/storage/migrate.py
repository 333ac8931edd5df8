"""Running Alembic migrations from tend (the `tend migrate` command and the tests)."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from alembic import command
from bot.storage.db import make_engine

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def alembic_config(database_url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


class UnknownRevision(Exception):
    """Not a revision of tend's migrations."""


def migrate_to(database_url: str, revision: str) -> str:
    """Upgrade or downgrade, whichever reaches `revision` ("head", "base" or an id) from
    where the database is; returns the revision it is at afterwards."""
    config = alembic_config(database_url)
    order = ["base", *reversed([s.revision for s in
                                ScriptDirectory.from_config(config).walk_revisions()])]
    target = order[-1] if revision == "head" else revision
    if target not in order:
        raise UnknownRevision(f"{revision!r} is not a revision: one of {', '.join(order)}")
    current = current_revision(database_url) or "base"
    if order.index(target) > order.index(current):
        command.upgrade(config, target)
    elif order.index(target) < order.index(current):
        command.downgrade(config, target)
    return current_revision(database_url) or "base"


def current_revision(database_url: str) -> str | None:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
