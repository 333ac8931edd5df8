"""The benchmarks at `--quick` size: each still runs, produces its rows, and its
correctness checks hold. Not timed tests: no figure here is compared with a goal.

Runs on the test database kind: SQLite, or PostgreSQL when TEST_DATABASE_URL points at
it (the benchmarks then use a schema of their own in the server's `bench` database).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.common import Row
from bench.run import END, START, main, table, write_readme

KIND = ("postgresql" if os.environ.get("TEST_DATABASE_URL", "").startswith("postgres")
        else "sqlite")


def _run(name: str, tmp_path: Path) -> list[Row]:
    rows = main(["--quick", "--only", name, "--db", KIND, "--workdir", str(tmp_path)])
    assert rows, f"{name} produced no rows"
    assert {r.db for r in rows} == {KIND}
    return rows


def _find(rows: list[Row], bench: str, words: str) -> list[Row]:
    found = [r for r in rows if r.bench == bench and words in r.what]
    assert found, f"no {bench} row about {words!r} in {[r.what for r in rows]}"
    return found


def _numeric(row: Row) -> None:
    assert isinstance(row.value, int | float) and row.value > 0, row
    assert row.floor is not None and row.floor > 0, row


def test_ack(tmp_path: Path) -> None:
    rows = _run("ack", tmp_path)
    for rate in (50, 200):
        for which in ("p50", "p99"):
            _numeric(_find(rows, "ack", f"{rate}/s for 1 s: {which}")[0])
    assert _find(rows, "ack", "forged signature")[0].passed
    assert _find(rows, "ack", "replies stored")[0].passed
    _numeric(_find(rows, "ack", "sustained rate")[0])
    _numeric(_find(rows, "memory", "tend serve")[0])


def test_fanout(tmp_path: Path) -> None:
    rows = _run("fanout", tmp_path)
    for week in (1, 2):
        _numeric(_find(rows, "fanout", f"week {week}: 10 check-ins")[0])
        checked = _find(rows, "fanout", f"week {week}: duplicates / losses")[0]
        assert checked.passed, checked
    for week in (1, 2):  # opened in the days before, in the background
        opens = _find(rows, "fanout", f"week {week}: conversations.open")[0]
        assert opens.passed and opens.value == 0, opens
    ahead = _find(rows, "fanout", "the days before: conversations.open answered 429")[0]
    assert ahead.passed, ahead
    assert isinstance(_find(rows, "fanout", "stored by Slack but answered 500")[0].value, int)
    _numeric(_find(rows, "memory", "tend clock")[0])


def test_digest(tmp_path: Path) -> None:
    rows = _run("digest", tmp_path)
    _numeric(_find(rows, "digest", "build + render")[0])
    counted = _find(rows, "digest", "SQL statements")[0]
    assert counted.passed, counted  # the same number of statements whatever the history


def test_tick(tmp_path: Path) -> None:
    rows = _run("tick", tmp_path)
    quiet = _find(rows, "tick", "nothing due, 200 members: whole tick")[0]
    _numeric(quiet)
    # nothing due: one query (the probe of every step's EXISTS test; on SQLite after its
    # BEGIN) and its one row, none per member
    statements = 2 if KIND == "sqlite" else 1
    assert f"; {statements} SQL statements, 1 row returned" in quiet.note, quiet.note
    busy = _find(rows, "tick", "due: whole tick, outbox drained")[0]
    assert isinstance(busy.value, float) and busy.passed is not None
    for query in ("schedules.due_rituals", "occurrences.existing_keys", "outbox.claim_due"):
        assert _find(rows, "tick", f"EXPLAIN {query}")[0].value
    clock = _find(rows, "memory", "`tend clock` peak RSS, 200 members")[0]
    assert isinstance(clock.value, float) and clock.value > 0


def test_table_goes_between_the_readme_markers(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n## Benchmarks\n\n{START}\nold\n{END}\n\n## After\n")
    rows = [Row("ack", "p99", 12.5, "ms", db="sqlite", floor=10.0, goal="≤ 1.5×",
                passed=True), Row("digest", "statements", "9 / 9", goal="equal",
                                  passed=False)]
    write_readme(table(rows), readme)
    text = readme.read_text()
    assert "old" not in text and text.endswith("## After\n")
    assert "| 1. | p99 | sqlite | 12.5 ms | 10.0 ms | 1.25× | ≤ 1.5× | pass |" in text
    assert "**FAIL**" in text


@pytest.mark.parametrize("only", ["memory", "ack,tick"])
def test_only_selects_benchmarks(only: str) -> None:
    from bench.run import selected

    assert selected(only) == {"memory": ["ack", "fanout"], "ack,tick": ["ack", "tick"]}[only]
