"""Alembic environment: metadata and URL come from tend itself, not from alembic.ini."""

from __future__ import annotations

from sqlalchemy import Connection

from alembic import context
from bot.settings import load_settings
from bot.storage.base import UTCDateTime
from bot.storage.db import make_engine
from bot.storage.models import Base

target_metadata = Base.metadata


def _url() -> str:
    # `tend migrate` and the tests pass the URL explicitly; plain `alembic` reads settings.
    return context.config.attributes.get("database_url") or load_settings().database_url


def _render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    # Migrations must not import application types: UTCDateTime is a plain DateTime column.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite ALTER TABLE via copies
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
