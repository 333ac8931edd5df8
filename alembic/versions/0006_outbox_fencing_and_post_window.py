"""outbox: a claim token (fencing) and the time span in which a post may have landed

`claim_token` names the claim that holds a `sending` row; a sender posts, and records,
only while the row still carries its token. `post_window_start/end` are the (Slack
clock) times between which an earlier attempt may have posted the row: the look-back
searches the conversation's history only there, and never when they are NULL.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claim_token", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("post_window_start", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("post_window_end", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("post_window_end")
        batch_op.drop_column("post_window_start")
        batch_op.drop_column("claim_token")
