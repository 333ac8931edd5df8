"""INSERT … ON CONFLICT DO NOTHING on both SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import InstrumentedAttribute, Session


def insert_ignoring_conflicts(
    session: Session,
    model: type[Any],
    rows: list[dict[str, Any]],
    *,
    returning: InstrumentedAttribute[Any],
) -> list[Any]:
    """Insert rows, skipping any that a unique constraint already holds.

    Returns the `returning` column of the rows actually inserted, so callers act only
    on what they created: the database, not a prior read, decides who won a race.
    """
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # Rows are parameters, not part of the statement, so its compiled form is cached
    # (SQLAlchemy's "insertmanyvalues" batches several rows into one INSERT).
    statement = insert(model).on_conflict_do_nothing().returning(returning)
    return list(session.scalars(statement, rows))
