"""users_list_pass: the daily zone refresh read a few users.list pages a tick

At 50,000 members a workspace's users.list is ~250 pages at Tier 2 (~20 a minute):
read in one tick, it held the clock for ~12 minutes. The pass now reads a few pages a
tick and keeps Slack's cursor (and when the pass started) here, one row per workspace;
the cursor is NULL once the last page is read.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "users_list_pass",
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("cursor", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", name=op.f("pk_users_list_pass")),
    )


def downgrade() -> None:
    op.drop_table("users_list_pass")
