"""proposals, their secret votes, and the team's changelog of ritual changes

A member or manager proposes a change to one of the team's rituals; the team votes in
secret (one row per voter, replaced on a change of mind); an adopted change is applied
like a coach's setup save. Every change to a team's rituals is recorded, with how.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 02:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out, not imported: a migration must not change when the code does.
STATUSES = ("pending", "open", "adopted", "declined", "failed")
CHOICES = ("yes", "no", "keep", "change", "drop")


def _one_of(column: str, values: tuple[str, ...], table: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")",
                              name=op.f(f"ck_{table}_{column}"))


def upgrade() -> None:
    op.create_table(
        "proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("ritual_kind", sa.String(length=32), nullable=False),
        sa.Column("proposer_id", sa.String(length=32), nullable=True),
        sa.Column("signed", sa.Boolean(), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("change", sa.JSON(), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        _one_of("status", STATUSES, "proposal"),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"],
                                name=op.f("fk_proposal_team_id_team"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal")),
    )
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposal_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_proposal_proposer_id"), ["proposer_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_proposal_due_at"), ["due_at"], unique=False)
    op.create_table(
        "proposal_vote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("choice", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        _one_of("choice", CHOICES, "proposal_vote"),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposal.id"],
                                name=op.f("fk_proposal_vote_proposal_id_proposal"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_vote")),
        sa.UniqueConstraint("proposal_id", "user_id",
                            name=op.f("uq_proposal_vote_proposal_id_user_id")),
    )
    with op.batch_alter_table("proposal_vote", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposal_vote_user_id"), ["user_id"], unique=False)
    op.create_table(
        "ritual_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("how", sa.String(length=100), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"],
                                name=op.f("fk_ritual_change_team_id_team"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ritual_change")),
    )
    with op.batch_alter_table("ritual_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ritual_change_team_id"), ["team_id"], unique=False)


def downgrade() -> None:
    op.drop_table("ritual_change")
    op.drop_table("proposal_vote")
    op.drop_table("proposal")
