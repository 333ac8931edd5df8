"""the next due instant of each ritual, reminders to look at, retention indexes

`ritual.next_due_at` (indexed) is when the ritual may next have something due, and
`next_due_after` the instant it was computed after (a clock set back before it
recomputes); 1970-01-01 (long past: due at once) means "recompute", which every
existing ritual starts as, so the first tick after the upgrade plans each once and
stores it.

`occurrence.nudge_from` (indexed) marks prompts whose reminders are still to be looked
at: the pending and sent ones start marked, and the first tick clears those nobody can
be reminded of any more. The retention purge's `created_at` (and `received_at`)
columns and `person.tz_checked_at` get indexes, and `digest.text_purged_at` records
the digests whose shared words are already purged, so a quiet tick reads no rows per
member.

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-01 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column) indexed by the naming convention ix_<table>_<column>.
INDEXED = (("person", "tz_checked_at"), ("reply", "created_at"),
           ("commitment", "created_at"), ("processed_event", "received_at"),
           ("outbox", "created_at"), ("goal", "created_at"), ("digest", "created_at"),
           ("goal", "carried_from_id"))


def upgrade() -> None:
    with op.batch_alter_table("ritual", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_due_at", sa.DateTime(), nullable=False,
                                      server_default="1970-01-01 00:00:00"))
        batch_op.add_column(sa.Column("next_due_after", sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_ritual_next_due_at"), ["next_due_at"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_ritual_next_due_after"), ["next_due_after"],
                              unique=False)
    with op.batch_alter_table("occurrence", schema=None) as batch_op:
        batch_op.add_column(sa.Column("nudge_from", sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_occurrence_nudge_from"), ["nudge_from"],
                              unique=False)
    op.execute("UPDATE occurrence SET nudge_from = scheduled_at "
               "WHERE status IN ('pending', 'sent')")
    for table, column in INDEXED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)
    with op.batch_alter_table("digest", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text_purged_at", sa.DateTime(), nullable=True))
        batch_op.create_index("ix_digest_to_purge", ["text_purged_at", "created_at"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("digest", schema=None) as batch_op:
        batch_op.drop_index("ix_digest_to_purge")
        batch_op.drop_column("text_purged_at")
    for table, column in reversed(INDEXED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
    with op.batch_alter_table("occurrence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_occurrence_nudge_from"))
        batch_op.drop_column("nudge_from")
    with op.batch_alter_table("ritual", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ritual_next_due_after"))
        batch_op.drop_index(batch_op.f("ix_ritual_next_due_at"))
        batch_op.drop_column("next_due_after")
        batch_op.drop_column("next_due_at")
