"""slack_sdk's own SQLAlchemy installation and OAuth state stores, on our tables.

The tables are slack_sdk's definitions, added to our metadata so that Alembic creates
and checks them like every other table (the stores' `create_tables()` is never used).
"""

from __future__ import annotations

from slack_sdk.oauth.installation_store import Bot
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Column, DateTime, Engine, Integer, String, Table, create_engine, select

from bot.storage.base import Base

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


# A workspace id (T…) is unique across Slack, Grid or not; the installation store keys
# an install by (enterprise_id, team_id) all the same, and a workspace of an Enterprise
# Grid is stored under its organisation's id (E…). These find and delete a workspace's
# tokens from its id alone, whichever organisation it belongs to: the clock and the
# outbox know only the workspace.

def find_workspace_bot(store: SQLAlchemyInstallationStore, team_id: str) -> Bot | None:
    """The latest bot token installed in workspace `team_id`, Grid or not (slack_sdk's
    `find_bot`, without asking for the organisation)."""
    bots = store.bots.c
    query = (store.bots.select()
             .where(bots.client_id == store.client_id, bots.team_id == team_id,
                    bots.bot_token.is_not(None))
             .order_by(bots.installed_at.desc()).limit(1))
    with store.engine.connect() as connection:
        row = connection.execute(query).mappings().first()
    return None if row is None else store.build_bot_entity(row)


def delete_workspace_tokens(store: SQLAlchemyInstallationStore, team_id: str) -> None:
    """Every bot and installation row of workspace `team_id`, under any organisation."""
    for enterprise_id in _enterprises(store, team_id):
        store.delete_all(enterprise_id=enterprise_id, team_id=team_id)


def delete_user_tokens(store: SQLAlchemyInstallationStore, team_id: str,
                       user_ids: list[str]) -> None:
    for enterprise_id in _enterprises(store, team_id):
        for user_id in user_ids:
            store.delete_installation(enterprise_id=enterprise_id, team_id=team_id,
                                      user_id=user_id)


def _enterprises(store: SQLAlchemyInstallationStore, team_id: str) -> set[str | None]:
    """The organisations (None: none) under which workspace `team_id` has rows."""
    found: set[str | None] = set()
    with store.engine.connect() as connection:
        for table in (store.bots, store.installations):
            found.update(connection.scalars(select(table.c.enterprise_id).distinct().where(
                table.c.client_id == store.client_id, table.c.team_id == team_id)))
    return found
