"""slack_sdk's own SQLAlchemy installation and OAuth state stores, on our tables.

The tables are slack_sdk's definitions, added to our metadata so that Alembic creates
and checks them like every other table (the stores' `create_tables()` is never used).
"""

from __future__ import annotations

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Column, DateTime, Engine, Integer, String, Table, create_engine

from bot.storage.models import Base

BOTS_TABLE = "slack_bots"
INSTALLATIONS_TABLE = "slack_installations"
STATES_TABLE = "slack_oauth_states"

slack_bots = SQLAlchemyInstallationStore.build_bots_table(Base.metadata, BOTS_TABLE)
slack_installations = SQLAlchemyInstallationStore.build_installations_table(
    Base.metadata, INSTALLATIONS_TABLE)
# The same shape as SQLAlchemyOAuthStateStore.build_oauth_states_table (which passes
# its metadata twice, so it cannot be called on ours).
slack_oauth_states = Table(
    STATES_TABLE, Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("state", String(200), nullable=False),
    Column("expire_at", DateTime, nullable=False),
)

STATE_EXPIRATION_SECONDS = 600


def store_engine(engine: Engine) -> Engine:
    """The engine the stores use. On SQLite our engine begins every transaction
    IMMEDIATE (the write lock), and a token is looked up while a request may hold that
    lock: the stores get plain connections, which read beside the writer (WAL)."""
    if engine.dialect.name != "sqlite":
        return engine
    return create_engine(engine.url, connect_args={"timeout": 30})


def installation_store(client_id: str, engine: Engine) -> SQLAlchemyInstallationStore:
    return SQLAlchemyInstallationStore(client_id=client_id, engine=engine,
                                       bots_table_name=BOTS_TABLE,
                                       installations_table_name=INSTALLATIONS_TABLE)


def state_store(engine: Engine) -> SQLAlchemyOAuthStateStore:
    return SQLAlchemyOAuthStateStore(expiration_seconds=STATE_EXPIRATION_SECONDS,
                                     engine=engine, table_name=STATES_TABLE)
