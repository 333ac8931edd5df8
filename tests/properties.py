"""How many examples a property test runs: its usual count, scaled by the loaded profile.

The usual counts keep the suite quick. The "explore" profile (tests/conftest.py) raises
`max_examples` from hypothesis' default of 100 to 2,000, so every property runs 20 times
as many examples there without touching the tests.
"""

from __future__ import annotations

from hypothesis import settings

HYPOTHESIS_DEFAULT = 100


def examples(usual: int) -> int:
    return max(1, usual * settings.default.max_examples // HYPOTHESIS_DEFAULT)
