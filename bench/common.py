"""Shared helpers: result rows, timing, percentiles, databases, processes, RSS, data.

Nothing here changes tend; it drives tend's own code (models, config loader, commands)
the way a deployment would.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import platform
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from sqlalchemy import event, insert, text
from sqlalchemy.engine import Engine

from bot.settings import normalise_database_url
from bot.storage.db import Database
from bot.storage.migrate import upgrade
from bot.storage.models import Person, Ritual, Team, TeamRole

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
BENCH_PG_DATABASE = os.environ.get("BENCH_PG_DATABASE", "bench")  # a database of its own
SIGNING_SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench"


# -- results ---------------------------------------------------------------------------
@dataclass
class Row:
    """One line of the table: a figure, the floor it is compared with, and the goal."""

    bench: str
    what: str
    value: float | int | str | None
    unit: str = ""
    db: str = ""
    floor: float | None = None
    goal: str = "—"
    passed: bool | None = None  # None: informational, no goal set by the issue
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if isinstance(self.value, int | float) and self.floor:
            return float(self.value) / self.floor
        return None

    def as_dict(self) -> dict[str, Any]:
        return {"bench": self.bench, "what": self.what, "db": self.db, "value": self.value,
                "unit": self.unit, "floor": self.floor, "ratio": self.ratio,
                "goal": self.goal, "passed": self.passed, "note": self.note}


@dataclass
class Context:
    """What a benchmark needs to know about this run."""

    quick: bool
    kinds: list[str]  # "sqlite", "postgresql"
    workdir: Path
    pg_url: str = DEFAULT_PG_URL
    seed: int = 20261123
    log: Callable[[str], None] = field(default=lambda line: print(line, file=sys.stderr,
                                                                  flush=True))
    sizes: dict[str, str] = field(default_factory=dict)  # what each benchmark used, for README


def fmt_number(value: float | int | str | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, int) or (float(value).is_integer() and unit in ("", "count")):
        text_value = f"{int(value):,}"
    elif abs(value) >= 100:
        text_value = f"{value:,.0f}"
    elif abs(value) >= 10:
        text_value = f"{value:.1f}"
    else:
        text_value = f"{value:.2f}" if abs(value) >= 0.1 else f"{value:.3f}"
    return f"{text_value} {unit}".strip() if unit and unit != "count" else text_value


# -- timing ----------------------------------------------------------------------------
def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sequence."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def wait_until(predicate: Callable[[], bool], *, timeout: float, every: float = 0.1,
               what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


# -- databases -------------------------------------------------------------------------
def pg_reachable(url: str) -> bool:
    try:
        psycopg.connect(_libpq(url), connect_timeout=3).close()
    except psycopg.Error:
        return False
    return True


def _libpq(url: str) -> str:
    """A SQLAlchemy or libpq URL as libpq takes it."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1).replace(
        "postgres://", "postgresql://", 1)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(_libpq(url))
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


@dataclass
class BenchDatabase:
    """A freshly migrated database: a SQLite file, or a schema of its own in PostgreSQL's
    `bench` database (so concurrent runs never share tables)."""

    kind: str
    url: str  # SQLAlchemy URL, also given to tend's processes as DATABASE_URL
    db: Database
    _cleanup: Callable[[], None]

    def close(self) -> None:
        self.db.engine.dispose()
        self._cleanup()


def fresh_database(ctx: Context, kind: str, name: str) -> BenchDatabase:
    if kind == "sqlite":
        path = ctx.workdir / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
        upgrade(url)
        return BenchDatabase(kind, url, Database.from_url(url), lambda: None)
    admin = _libpq(ctx.pg_url)
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                    (BENCH_PG_DATABASE,)).fetchone()
        if not exists:
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                connection.execute(f'CREATE DATABASE "{BENCH_PG_DATABASE}"')
    bench_url = _with_database(ctx.pg_url, BENCH_PG_DATABASE)
    schema = f"b{os.getpid()}_{name}"
    with psycopg.connect(bench_url, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        connection.execute(f'CREATE SCHEMA "{schema}"')
    options = quote(f"-csearch_path={schema}", safe="")
    url = normalise_database_url(f"{bench_url}?options={options}")
    upgrade(url)

    def drop() -> None:
        with psycopg.connect(bench_url, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    return BenchDatabase(kind, url, Database.from_url(url), drop)


@contextlib.contextmanager
def counted_statements(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """Every statement sent to the database inside the block, with its parameters."""
    seen: list[tuple[str, Any]] = []

    def listener(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any,
                 _many: bool) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def parameter_count(parameters: Any) -> int:
    if isinstance(parameters, dict | list | tuple):
        return len(parameters)
    return 0


def database_versions(ctx: Context) -> dict[str, str]:
    versions = {"sqlite": sqlite3.sqlite_version}
    if "postgresql" in ctx.kinds:
        with psycopg.connect(_libpq(ctx.pg_url)) as connection:
            row = connection.execute("SHOW server_version").fetchone()
            versions["postgresql"] = str(row[0]).split()[0] if row else "?"
    return versions


def machine() -> dict[str, str]:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kb = int(Path("/proc/meminfo").read_text().split("\n")[0].split()[1])
        memory = f"{kb / 1024 / 1024:.1f} GB RAM"
    return {"cpu": model, "cores": str(os.cpu_count() or "?"), "memory": memory,
            "python": platform.python_version(), "system": platform.system()}


# -- processes and memory ----------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def tend_env(database_url: str, api_url: str, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("SLACK_", "TEND_", "DATABASE_URL", "PORT"))}
    return {**env, "DATABASE_URL": database_url, "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": api_url,
            "LOG_LEVEL": "WARNING", **extra}


class Process:
    """A child process with its output in a log file; stopped by its own pid only."""

    def __init__(self, args: list[str], *, env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.popen = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self._log,
                                      stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.alive():
            self.popen.terminate()
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)
        self._log.close()


def wait_http(url: str, process: Process, *, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            if not process.alive():
                raise RuntimeError(f"process exited:\n{process.output()}") from None
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} not up:\n{process.output()}") from None
            time.sleep(0.1)


def _status_kb(pid: int, field_name: str) -> int:
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    return 0


def peak_rss_kb(pid: int) -> int:
    """VmHWM: the process's peak resident set so far (read before it exits)."""
    return _status_kb(pid, "VmHWM")


def rss_kb(pid: int) -> int:
    return _status_kb(pid, "VmRSS")


def children(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError, ValueError):
                found += [int(p) for p in (task / "children").read_text().split()]
    return found


def tree_peak_mb(pid: int) -> tuple[float, dict[int, float]]:
    """Peak RSS of a process and its children (gunicorn master + workers), summed."""
    pids = [pid, *children(pid)]
    each = {p: peak_rss_kb(p) / 1024 for p in pids}
    return sum(each.values()), each


# -- data ------------------------------------------------------------------------------
# The benchmarks run in token mode against the stand-in's one workspace.
WORKSPACE = "T0STANDIN"


def bench_services(db: Any, standin: Any, **options: Any) -> Any:
    """Services as `tend clock` builds them in token mode, on the stand-in."""
    from bot.core.context import Services
    from bot.slack.gateway import SlackGateway, build_client
    from bot.slack.workspaces import SingleWorkspace

    gateway = SlackGateway(build_client(standin.bot_token, standin.api_url))
    return Services(db=db, slack=SingleWorkspace(gateway, standin.team_id), **options)


def add_people(session: Any, user_ids: Sequence[str], *, tz: str | None,
               checked_at: dt.datetime | None, reminders_off: bool = False) -> None:
    rows = [{"workspace_id": WORKSPACE, "user_id": u, "tz": tz, "tz_checked_at": checked_at,
             "reminders_off": reminders_off} for u in user_ids]
    for start in range(0, len(rows), 5000):
        session.execute(insert(Person), rows[start:start + 5000])


def add_team(session: Any, *, key: str, timezone: str, managers: Sequence[str],
             members: Sequence[str], rituals: dict[str, dict[str, Any]],
             since: dt.datetime, channel: str | None = None) -> tuple[int, dict[str, int]]:
    """A team straight into the tables, as `tend import` would leave it.

    `rituals` maps a kind to {"every", "day", "hour", "minute", "options"}.
    """
    team_id = session.scalar(insert(Team).values(
        workspace_id=WORKSPACE, key=key, name=key.title(),
        channel_id=channel or f"C{key.upper()[:10]}",
        timezone=timezone, skip_dates=[], created_at=since, updated_at=since,
    ).returning(Team.id))
    roles = [{"team_id": team_id, "user_id": u, "role": "manager", "position": n,
              "active": True, "since": since} for n, u in enumerate(managers)]
    roles += [{"team_id": team_id, "user_id": u, "role": "member", "position": n,
               "active": True, "since": since} for n, u in enumerate(members)]
    session.execute(insert(TeamRole), roles)
    ritual_ids: dict[str, int] = {}
    for kind, spec in rituals.items():
        ritual_ids[kind] = session.scalar(insert(Ritual).values(
            team_id=team_id, kind=kind, every=spec["every"], day=spec["day"],
            hour=spec["hour"], minute=spec["minute"], enabled=True,
            anchor_date=since.date(), since=since, options=spec.get("options", {}),
        ).returning(Ritual.id))
    return team_id, ritual_ids


def analyze(bench_db: BenchDatabase) -> None:
    """Fresh planner statistics after a bulk load (autovacuum would get there later)."""
    with bench_db.db.engine.begin() as connection:
        connection.execute(text("ANALYZE"))


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, default=str))
