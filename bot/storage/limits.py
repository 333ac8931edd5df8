"""What the database can hold: the length of an id column, and text PostgreSQL refuses.

A value the database refuses fails the whole transaction (a 500 to Slack, nothing
stored), so callers check ids with `fits` before using them and pass what a person
wrote through `storable_text`.
"""

from __future__ import annotations

from typing import Any, TypeGuard

from sqlalchemy import String
from sqlalchemy.orm import InstrumentedAttribute

# A lone UTF-16 surrogate (JSON allows "\ud800") cannot be encoded to UTF-8 by any driver.
_LONE_SURROGATES = "surrogatepass"


def max_length(column: InstrumentedAttribute[Any]) -> int:
    """The declared length of a `String(n)` column."""
    column_type = column.expression.type
    assert isinstance(column_type, String) and column_type.length is not None
    return column_type.length


def fits(value: object, column: InstrumentedAttribute[Any]) -> TypeGuard[str]:
    """Whether `value` can be stored in (or compared with) an id column: printable ASCII
    text no longer than the column, as every Slack id and ts is."""
    return (isinstance(value, str) and 0 < len(value) <= max_length(column)
            and value.isascii() and value.isprintable())


def storable_text(text: str) -> str:
    """`text` without what no database here can hold: NUL (PostgreSQL text refuses it)
    and unpaired surrogates (not UTF-8), the latter kept visible as U+FFFD."""
    encoded = text.replace("\x00", "").encode("utf-16", _LONE_SURROGATES)
    return encoded.decode("utf-16", "replace")
