"""the team retrospective: team agreements, retro votes and closed retros' results

`team_agreement` has no author column: agreements are team text, never attributed.
`retro_vote` is unique per (retro, ritual, voter) so a replayed click counts once and a
change of mind replaces the vote; its choice is checked against keep | change | drop.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out, not imported: a migration must not change when the code does.
CHOICES = ("keep", "change", "drop")


def upgrade() -> None:
    op.create_table(
        "team_agreement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reply_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["reply_id"], ["reply.id"],
                                name=op.f("fk_team_agreement_reply_id_reply"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"],
                                name=op.f("fk_team_agreement_team_id_team"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_agreement")),
        sa.UniqueConstraint("reply_id", name=op.f("uq_team_agreement_reply_id")),
    )
    with op.batch_alter_table("team_agreement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_agreement_team_id"), ["team_id"],
                              unique=False)
    op.create_table(
        "retro_vote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurrence_id", sa.Integer(), nullable=False),
        sa.Column("ritual_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("choice", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("choice IN (" + ", ".join(f"'{c}'" for c in CHOICES) + ")",
                           name=op.f("ck_retro_vote_choice")),
        sa.ForeignKeyConstraint(["occurrence_id"], ["occurrence.id"],
                                name=op.f("fk_retro_vote_occurrence_id_occurrence"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["ritual_id"], ["ritual.id"],
                                name=op.f("fk_retro_vote_ritual_id_ritual"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retro_vote")),
        sa.UniqueConstraint("occurrence_id", "ritual_id", "user_id",
                            name=op.f("uq_retro_vote_occurrence_id_ritual_id_user_id")),
    )
    with op.batch_alter_table("retro_vote", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_retro_vote_user_id"), ["user_id"], unique=False)
    op.create_table(
        "retro_result",
        sa.Column("occurrence_id", sa.Integer(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["occurrence_id"], ["occurrence.id"],
                                name=op.f("fk_retro_result_occurrence_id_occurrence"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("occurrence_id", name=op.f("pk_retro_result")),
    )


def downgrade() -> None:
    op.drop_table("retro_result")
    with op.batch_alter_table("retro_vote", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_retro_vote_user_id"))
    op.drop_table("retro_vote")
    with op.batch_alter_table("team_agreement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_agreement_team_id"))
    op.drop_table("team_agreement")
