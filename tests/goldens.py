"""Golden files: rendered output pinned in `tests/golden/`, regenerated only on purpose.

`UPDATE_GOLDEN=1 pytest …` rewrites a golden file that differs, and then fails that test
anyway: a run that rewrote its own golden has checked nothing, so it must never pass
(CI unsets UPDATE_GOLDEN; rerun without it after reviewing the diff).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"


def assert_matches_golden(name: str, rendered: str) -> None:
    path = GOLDEN / f"{name}.json"
    stored = path.read_text(encoding="utf-8") if path.exists() else None
    if rendered == stored:
        return
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(rendered, encoding="utf-8")
        pytest.fail(f"golden file {path.name} rewritten: review the diff, then rerun "
                    "without UPDATE_GOLDEN")
    assert stored is not None, f"no golden file {path.name}: run with UPDATE_GOLDEN=1"
    assert rendered == stored, f"{path.name} differs (UPDATE_GOLDEN=1 rewrites it on purpose)"
