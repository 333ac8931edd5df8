"""introduction: one DM to each person first added to a team, before their first prompt;
shared_reply.by_keyword: replies shared with `share:` lines

A row per (team, person), written when the person is first added (file, setup modal or
vote) and never again; `sent_at` is set by the tick that queues the DM.

People already on a team at upgrade have met tend already: they are marked introduced
(`sent_at` = the upgrade's time) so nobody who has been answering prompts for weeks is
suddenly sent an introduction (docs/decisions.md).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 02:40:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "introduction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"],
                                name=op.f("fk_introduction_team_id_team"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_introduction")),
        sa.UniqueConstraint("team_id", "user_id", name=op.f("uq_introduction_team_id_user_id")),
    )
    op.create_index(op.f("ix_introduction_sent_at"), "introduction", ["sent_at"])
    # `share:` lines: a shared reply says whether its share lines shared it.
    with op.batch_alter_table("shared_reply") as batch_op:
        batch_op.add_column(
            sa.Column("by_keyword", sa.Boolean(), server_default="0", nullable=False))
    op.create_index(op.f("ix_introduction_user_id"), "introduction", ["user_id"])
    # Everyone already on a team (member or manager, active or not) counts as introduced.
    # Naive UTC, as every stored time (bot/storage/base.UTCDateTime).
    now = datetime.now(UTC).replace(tzinfo=None)
    op.get_bind().execute(sa.text(
        "INSERT INTO introduction (workspace_id, team_id, user_id, added_at, sent_at) "
        "SELECT DISTINCT team.workspace_id, team_role.team_id, team_role.user_id, :now, :now "
        "FROM team_role JOIN team ON team.id = team_role.team_id "
        "WHERE team_role.role IN ('member', 'manager')"), {"now": now})


def downgrade() -> None:
    with op.batch_alter_table("shared_reply") as batch_op:
        batch_op.drop_column("by_keyword")
    op.drop_index(op.f("ix_introduction_user_id"), table_name="introduction")
    op.drop_index(op.f("ix_introduction_sent_at"), table_name="introduction")
    op.drop_table("introduction")
