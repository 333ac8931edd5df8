"""conversation_to_open: conversations to open ahead of their first post

A check-in pair's group DM is known as soon as the pair exists. Each such conversation
not yet cached in `conversation` gets a row here; the clock opens them in the
background, a few each tick within conversations.open's Tier 3 limit, and deletes the
row once the id is cached, so the cadence time needs no conversations.open.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 00:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversation_to_open",
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("users_key", sa.String(length=400), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "users_key", name=op.f("pk_conversation_to_open")),
    )
    op.create_index("ix_conversation_to_open_created_at", "conversation_to_open",
                    ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_conversation_to_open_created_at", table_name="conversation_to_open")
    op.drop_table("conversation_to_open")
