"""Helpers written while typing bot/ with mypy (issue 12): each does what its type says."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, select, update

from bot.slack.gateway import _retry_after
from bot.storage.db import Database, rows_changed
from bot.storage.models import Workspace


def test_rows_changed_counts_an_update_or_delete_and_refuses_a_select(db: Database) -> None:
    """Kills: `rows_changed` returning something other than the statement's row count,
    or reading a `rowcount` off a SELECT's result instead of refusing it."""
    now = datetime(2026, 11, 30, tzinfo=UTC)
    with db.scope() as session:
        session.add_all([Workspace(id="T0A", installed_at=now),
                         Workspace(id="T0B", installed_at=now),
                         Workspace(id="T0C", installed_at=now)])
    with db.scope() as session:
        assert rows_changed(session, update(Workspace).where(Workspace.id != "T0C")
                            .values(name="renamed")) == 2
        assert rows_changed(session, delete(Workspace).where(Workspace.id == "T0A")) == 1
        assert rows_changed(session, delete(Workspace).where(Workspace.id == "T0Z")) == 0
        with pytest.raises(TypeError):
            rows_changed(session, select(Workspace))


def test_retry_after_reads_the_header_whatever_its_case_and_is_never_negative() -> None:
    """Kills: the second `_retry_after` that shadowed the first (mypy's no-redef): it
    let a negative Retry-After through, a sleep that raises."""
    assert _retry_after({"Retry-After": "7"}) == 7.0
    assert _retry_after({"retry-after": ["3", "9"]}) == 3.0  # a header read as a list
    assert _retry_after({"Retry-After": "-5"}) == 0.0
    assert _retry_after({"Retry-After": "soon"}) is None
    assert _retry_after({}) is None
    assert _retry_after(None) is None
