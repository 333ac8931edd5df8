"""workspaces: every row scoped to its Slack workspace; slack_sdk's OAuth tables

Rows that existed before belong to the workspace id '' until a token-mode process
adopts them under its real workspace id (bot/storage/workspaces.py).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 04:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEGACY = ""


def upgrade() -> None:
    op.create_table(
        "workspace",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("installed_at", sa.DateTime(), nullable=False),
        sa.Column("uninstalled_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspace")),
    )
    with op.batch_alter_table("team_role", schema=None) as batch_op:
        batch_op.drop_constraint("fk_team_role_user_id_person", type_="foreignkey")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("workspace_id", sa.String(length=32),
                                      server_default=LEGACY, nullable=False))
        batch_op.drop_constraint("pk_person", type_="primary")
        batch_op.create_primary_key("pk_person", ["workspace_id", "user_id"])
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("workspace_id", sa.String(length=32),
                                      server_default=LEGACY, nullable=False))
        batch_op.drop_constraint("pk_conversation", type_="primary")
        batch_op.create_primary_key("pk_conversation", ["workspace_id", "users_key"])
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.add_column(sa.Column("workspace_id", sa.String(length=32),
                                      server_default=LEGACY, nullable=False))
        batch_op.drop_constraint("uq_team_key", type_="unique")
        batch_op.create_unique_constraint("uq_team_workspace_id_key", ["workspace_id", "key"])
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("workspace_id", sa.String(length=32),
                                      server_default=LEGACY, nullable=False))
        batch_op.create_index("ix_outbox_workspace_id", ["workspace_id"], unique=False)
    # The default only backfilled existing rows; new rows must name their workspace.
    for table in ("person", "conversation", "team", "outbox"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("workspace_id", server_default=None)
    if op.get_bind().execute(sa.text("SELECT count(*) FROM team")).scalar():
        op.execute(sa.text("INSERT INTO workspace (id, installed_at) "
                           "VALUES ('', CURRENT_TIMESTAMP)"))

    # slack_sdk 3.47's SQLAlchemyInstallationStore / SQLAlchemyOAuthStateStore tables.
    op.create_table(
        "slack_bots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("client_id", sa.String(length=32), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("enterprise_id", sa.String(length=32), nullable=True),
        sa.Column("enterprise_name", sa.String(length=200), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=True),
        sa.Column("team_name", sa.String(length=200), nullable=True),
        sa.Column("bot_token", sa.String(length=200), nullable=True),
        sa.Column("bot_id", sa.String(length=32), nullable=True),
        sa.Column("bot_user_id", sa.String(length=32), nullable=True),
        sa.Column("bot_scopes", sa.String(length=1000), nullable=True),
        sa.Column("bot_refresh_token", sa.String(length=200), nullable=True),
        sa.Column("bot_token_expires_at", sa.DateTime(), nullable=True),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("installed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slack_bots")),
    )
    op.create_index("slack_bots_idx", "slack_bots",
                    ["client_id", "enterprise_id", "team_id", "installed_at"], unique=False)
    op.create_table(
        "slack_installations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("client_id", sa.String(length=32), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("enterprise_id", sa.String(length=32), nullable=True),
        sa.Column("enterprise_name", sa.String(length=200), nullable=True),
        sa.Column("enterprise_url", sa.String(length=200), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=True),
        sa.Column("team_name", sa.String(length=200), nullable=True),
        sa.Column("bot_token", sa.String(length=200), nullable=True),
        sa.Column("bot_id", sa.String(length=32), nullable=True),
        sa.Column("bot_user_id", sa.String(length=32), nullable=True),
        sa.Column("bot_scopes", sa.String(length=1000), nullable=True),
        sa.Column("bot_refresh_token", sa.String(length=200), nullable=True),
        sa.Column("bot_token_expires_at", sa.DateTime(), nullable=True),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("user_token", sa.String(length=200), nullable=True),
        sa.Column("user_scopes", sa.String(length=1000), nullable=True),
        sa.Column("user_refresh_token", sa.String(length=200), nullable=True),
        sa.Column("user_token_expires_at", sa.DateTime(), nullable=True),
        sa.Column("incoming_webhook_url", sa.String(length=200), nullable=True),
        sa.Column("incoming_webhook_channel", sa.String(length=200), nullable=True),
        sa.Column("incoming_webhook_channel_id", sa.String(length=200), nullable=True),
        sa.Column("incoming_webhook_configuration_url", sa.String(length=200), nullable=True),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("token_type", sa.String(length=32), nullable=True),
        sa.Column("installed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slack_installations")),
    )
    op.create_index("slack_installations_idx", "slack_installations",
                    ["client_id", "enterprise_id", "team_id", "user_id", "installed_at"],
                    unique=False)
    op.create_table(
        "slack_oauth_states",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("state", sa.String(length=200), nullable=False),
        sa.Column("expire_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slack_oauth_states")),
    )


def downgrade() -> None:
    op.drop_table("slack_oauth_states")
    op.drop_index("slack_installations_idx", table_name="slack_installations")
    op.drop_table("slack_installations")
    op.drop_index("slack_bots_idx", table_name="slack_bots")
    op.drop_table("slack_bots")
    # Only one workspace's rows fit the old schema: keep the first workspace's.
    keep = "(SELECT min(id) FROM workspace)"
    for table in ("outbox", "conversation", "person"):
        op.execute(sa.text(f"DELETE FROM {table} WHERE workspace_id <> {keep}"))
    op.execute(sa.text(f"DELETE FROM team WHERE workspace_id <> {keep}"))
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_workspace_id")
        batch_op.drop_column("workspace_id")
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.drop_constraint("uq_team_workspace_id_key", type_="unique")
        batch_op.create_unique_constraint("uq_team_key", ["key"])
        batch_op.drop_column("workspace_id")
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.drop_constraint("pk_conversation", type_="primary")
        batch_op.create_primary_key("pk_conversation", ["users_key"])
        batch_op.drop_column("workspace_id")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_constraint("pk_person", type_="primary")
        batch_op.create_primary_key("pk_person", ["user_id"])
        batch_op.drop_column("workspace_id")
    with op.batch_alter_table("team_role", schema=None) as batch_op:
        batch_op.create_foreign_key("fk_team_role_user_id_person", "person",
                                    ["user_id"], ["user_id"])
    op.drop_table("workspace")
