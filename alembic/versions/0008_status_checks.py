"""status checks: each status column holds only the values of its enum

A CHECK constraint on `occurrence.status`, `commitment.status`, `goal.status` and
`outbox.status`, with the values of `OccurrenceStatus`, `CommitmentStatus`, `GoalStatus`
and `OutboxStatus` (bot/domain/enums.py) as they are at this revision: a misspelt
status is refused by the database instead of lying unseen in a row. The values are
written out here, not imported, so the migration keeps meaning what it meant;
tests/test_migrations_and_manifest.py checks they match the enums. `ritual.kind` gets
no check on purpose (docs/decisions.md).

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-01 01:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = {
    "occurrence": ("pending", "sent", "held", "missed", "failed", "skipped"),
    "commitment": ("open", "done", "dropped", "kept", "partly", "missed"),
    "goal": ("open", "done", "partly", "not_done", "carried"),
    "outbox": ("pending", "sending", "sent", "failed"),
}


def upgrade() -> None:
    for table, values in STATUSES.items():
        # SQLite cannot add a constraint in place: batch mode copies the table.
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_check_constraint(
                op.f(f"ck_{table}_status"),
                "status IN ({})".format(", ".join(f"'{v}'" for v in values)))


def downgrade() -> None:
    for table in reversed(STATUSES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_status"), type_="check")
