"""The engine and the one session scope that commits a transaction."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import CursorResult, Dialect, Engine, Executable, create_engine, event
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)
T = TypeVar("T")


def make_engine(url: str, **kwargs: Any) -> Engine:
    # A statement's parameters hold people's words (replies, rendered messages): keep
    # them out of exception messages, and so out of tracebacks in the logs.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        # Several processes (web, clock) share one SQLite file: wait for locks
        # instead of failing, and let readers proceed beside the writer.
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    engine = create_engine(url, **kwargs)
    event.listen(engine, "checkin", _checked_in)
    event.listen(engine, "checkout", partial(_ping_if_idle, engine.dialect))
    return engine


# A pooled PostgreSQL connection idle longer than this is pinged before it is used (a
# server restart meanwhile would have closed it). SQLAlchemy's pool_pre_ping would ping
# at every checkout: a whole round trip on each Slack request. A connection in steady
# use is not pinged; if it was lost all the same, its statement fails, SQLAlchemy
# discards the pool's older connections, the clock redoes the step on a fresh one
# (`retry_on_connection_loss`) and Slack redelivers an event not answered 200.
PING_AFTER_IDLE_SECONDS = 5.0


def _checked_in(_dbapi_connection: Any, record: Any) -> None:
    record.info["checked_in_at"] = time.monotonic()


def _ping_if_idle(dialect: Dialect, dbapi_connection: Any, record: Any,
                  _proxy: Any) -> None:
    idle_since = record.info.get("checked_in_at")
    if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
        return  # just connected, or in steady use
    try:
        dialect.do_ping(dbapi_connection)
    except Exception as exc:  # the pool connects anew and tries again
        raise DisconnectionError("the connection was closed while idle") from exc


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
    # Let SQLAlchemy, not the driver, decide when a transaction begins (see below).
    dbapi_connection.isolation_level = None


def _sqlite_begin_immediate(connection: Any) -> None:
    # Take the write lock up front: a deferred transaction that reads and then writes
    # fails at once with "database is locked" when another process wrote in between.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def rows_changed(session: Session, statement: Executable) -> int:
    """Run an UPDATE or DELETE and return how many rows it changed. `Session.execute` is
    typed as returning a `Result`; a DML statement's result is a `CursorResult`, the one
    that has `rowcount`."""
    result = session.execute(statement)
    if not isinstance(result, CursorResult):
        raise TypeError(f"{type(statement).__name__} returned rows, not a row count")
    return result.rowcount


class Database:
    """Owns the engine; `scope()` is the only place a transaction is committed."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str) -> Database:
        return cls(make_engine(url))

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def connection_lost(self, exc: DBAPIError) -> bool:
        """Whether trying again on a fresh connection could succeed: the connection
        died (a server restart, pg_terminate_backend, a network cut), or PostgreSQL
        refused it for a passing reason (starting up, shutting down, a serialisation
        conflict). SQLite's OperationalError ("database is locked" after its 30 s busy
        timeout) is not retried here."""
        return bool(exc.connection_invalidated) or (
            self.is_postgres and isinstance(exc, OperationalError))

    def retry_on_connection_loss(self, step: Callable[[], T], *, what: str,
                                 pause: float = 1.0) -> T:
        """Run `step`; if the database connection was lost, run it once more after
        `pause` seconds, on a fresh connection (SQLAlchemy discarded the pool's older ones).

        `step` must be whole `scope()` blocks (a transaction that failed was rolled back
        and is simply redone) and safe to repeat as a whole: the tick's steps are, because
        their writes are idempotent by unique constraints and a message claimed by the
        failed try is only sent again after its lease, by the outbox's history check.
        A second loss is raised: the clock's next tick tries again.
        """
        try:
            return step()
        except DBAPIError as exc:
            if not self.connection_lost(exc):
                raise
            # The class only: the message could carry a statement (never its parameters).
            log.warning("database connection lost during %s (%s); trying once more",
                        what, type(exc.orig).__name__ if exc.orig else type(exc).__name__,
                        extra={"step": what})
        time.sleep(pause)
        return step()

    @contextmanager
    def scope(self) -> Iterator[Session]:
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
