"""Counting what happened in a period [start, end) (the digest's figures)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_
from sqlalchemy.orm import InstrumentedAttribute


def within(column: InstrumentedAttribute[Any], start: datetime, end: datetime
           ) -> ColumnElement[bool]:
    """`column` falls in [start, end)."""
    return and_(column >= start, column < end)
