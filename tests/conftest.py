"""Shared fixtures: a real database (SQLite or PostgreSQL), the Slack stand-in, the app.

Set TEST_DATABASE_URL to run everything on PostgreSQL, e.g.
`TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test pytest`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.database import DirectoryBasedExampleDatabase, ReadOnlyDatabase
from sqlalchemy import text

from bot.settings import normalise_database_url
from bot.slack.standin import SlackStandIn
from bot.storage.db import Database
from bot.storage.migrate import upgrade
from bot.storage.models import Base
from tests.harness import FakeClock, World

# Property tests are repeatable: pyproject's addopts fix the seed (`--hypothesis-seed=0`)
# and load the "repeatable" profile, which replays the committed examples below without
# writing to them. `--hypothesis-profile=explore --hypothesis-seed=random` runs many more
# random examples and saves what fails into the same folder, to be committed
# (docs/testing.md).
EXAMPLES = DirectoryBasedExampleDatabase(Path(__file__).parent / "hypothesis-examples")
settings.register_profile("repeatable", database=ReadOnlyDatabase(EXAMPLES))
settings.register_profile("explore", database=EXAMPLES, max_examples=2_000)


def _test_database_url(tmp: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    return normalise_database_url(url) if url else f"sqlite:///{tmp / 'tend-test.db'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = _test_database_url(tmp_path_factory.mktemp("db"))
    if url.startswith("postgresql"):
        reset = Database.from_url(url)
        with reset.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        reset.engine.dispose()
    upgrade(url)  # the real migrations, not create_all
    return url


@pytest.fixture(scope="session")
def shared_db(database_url: str) -> Iterator[Database]:
    db = Database.from_url(database_url)
    yield db
    db.engine.dispose()


@pytest.fixture
def db(shared_db: Database) -> Database:
    """The migrated database, emptied before each test."""
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with shared_db.engine.begin() as connection:
        if shared_db.is_postgres:
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))
    return shared_db


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as server:
        yield server


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def world(db: Database, standin: SlackStandIn, clock: FakeClock) -> Iterator[World]:
    with World(db=db, standin=standin, clock=clock) as running:
        yield running
