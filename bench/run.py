"""Run the benchmarks, print the table, optionally write it into README.md.

    .venv/bin/python -m bench.run [--quick] [--only NAME[,NAME]] [--db sqlite,postgresql]
                                  [--write-readme] [--json FILE]

NAME is ack, fanout, digest, tick, or memory (= ack and fanout, whose runs it measures).
Without --db, SQLite and (when reachable) PostgreSQL; PostgreSQL is reached at
$BENCH_POSTGRES_URL, else $TEST_DATABASE_URL if it is a PostgreSQL URL, else
postgresql://postgres@127.0.0.1:5432/test, and the benchmarks use a schema of their own
in its `bench` database ($BENCH_PG_DATABASE names another). `--quick` runs everything
at a tiny size (what CI runs).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import re
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from bench import ack, digest, fanout, tick
from bench.common import (
    DEFAULT_PG_URL,
    ROOT,
    Context,
    Row,
    database_versions,
    fmt_number,
    machine,
    pg_reachable,
    write_json,
)

BENCHMARKS: dict[str, Callable[[Context], list[Row]]] = {
    "ack": ack.run, "fanout": fanout.run, "digest": digest.run, "tick": tick.run,
}
ALIASES = {"memory": ["ack", "fanout"]}
ORDER = ["ack", "fanout", "digest", "tick", "memory"]
TITLES = {"ack": "1. Acknowledging Slack", "fanout": "2. Monday fan-out",
          "digest": "3. Digest", "tick": "4. The tick", "memory": "5. Memory"}
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def pg_url_from_env() -> str:
    for name in ("BENCH_POSTGRES_URL", "TEST_DATABASE_URL"):
        url = os.environ.get(name, "")
        if url.startswith(("postgres://", "postgresql")):
            return url
    return DEFAULT_PG_URL


def selected(only: str | None) -> list[str]:
    if not only:
        return list(BENCHMARKS)
    names: list[str] = []
    for name in (n.strip() for n in only.split(",") if n.strip()):
        if name not in BENCHMARKS and name not in ALIASES:
            raise SystemExit(f"unknown benchmark {name!r}: choose from "
                             f"{', '.join([*BENCHMARKS, *ALIASES])}")
        for real in ALIASES.get(name, [name]):
            if real not in names:
                names.append(real)
    return names


def collect(names: Sequence[str], ctx: Context,
            done: Callable[[list[Row]], None] | None = None) -> list[Row]:
    """Each benchmark in turn; one that crashes becomes a failed row, the rest still run."""
    rows: list[Row] = []
    for name in names:
        started = time.monotonic()
        try:
            rows += BENCHMARKS[name](ctx)
        except Exception as exc:
            traceback.print_exc()
            rows.append(Row(name, f"the benchmark did not finish: {type(exc).__name__}: "
                            f"{str(exc)[:160]}", None, passed=False))
        ctx.log(f"[{name}] done in {time.monotonic() - started:.0f} s")
        if done is not None:
            done(sorted(rows, key=lambda r: ORDER.index(r.bench)))
    return sorted(rows, key=lambda r: ORDER.index(r.bench))


# -- the table -----------------------------------------------------------------------------
def _cell(text: str) -> str:
    text = re.sub(r"\s*\(cost=[\d.]+\.\.[\d.]+ rows=\d+ width=\d+\)", "", text)  # EXPLAIN
    return text.replace("|", "\\|").replace("\n", " ")


def table(rows: Sequence[Row], *, notes: bool = False) -> str:
    head = ["", "what", "db", "value", "floor", "ratio", "goal", "result"]
    if notes:
        head.append("how / details")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        result = "—" if row.passed is None else ("pass" if row.passed else "**FAIL**")
        ratio = row.ratio
        cells = [TITLES[row.bench].split(" ", 1)[0], row.what, row.db or "—",
                 fmt_number(row.value, row.unit), fmt_number(row.floor, row.unit),
                 f"{ratio:.2f}×" if ratio is not None else "—", row.goal, result]
        if notes:
            cells.append(row.note or "")
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def how(ctx: Context, *, started: dt.datetime, seconds: float, names: Sequence[str]) -> str:
    box = machine()
    versions = database_versions(ctx)
    dbs = ", ".join(f"{'SQLite' if k == 'sqlite' else 'PostgreSQL'} {versions.get(k, '?')}"
                    for k in ctx.kinds)
    sizes = "; ".join(f"**{TITLES[n].split(' ', 1)[1]}**: {ctx.sizes[n]}"
                      for n in names if n in ctx.sizes)
    mode = " at the `--quick` sizes (not meaningful as figures)" if ctx.quick else ""
    return (
        f"Measured by `.venv/bin/python -m bench.run --write-readme`{mode} on "
        f"{started:%Y-%m-%d} (UTC), {seconds / 60:.0f} minutes in all, on {box['cpu']} with "
        f"{box['cores']} cores{', ' + box['memory'] if box['memory'] else ''}, "
        f"{box['system']}, Python {box['python']}, {dbs} (local, default settings). Every "
        "floor was measured in the same run on the same machine, right beside its figure, "
        "so the ratios hold on a noisy machine; the absolute numbers do not travel. "
        "Sizes: " + sizes + ".\n\n"
        "How. (1) An open-loop generator (threads, `http.client` keep-alive connections, "
        "a fixed arrival schedule; latency counted from each request's *scheduled* time) "
        "sends signed `message` events replying in real check-in threads to `tend serve` "
        "(gunicorn gthread, 1 worker, 8 threads) and to `bench/bare_app.py`, a Bolt app "
        "with a no-op listener on the same gunicorn/Flask/Bolt stack and the same signing "
        "secret; the bare app runs first at each rate, tend right after, and the top rate "
        "is repeated with both servers at `--workers 2`; each server's sustained rate at "
        "`--workers 2` is the highest of 200, 400, 800, 1,600/s (10 s each, doubling "
        "until one fails) answered all 200 with p99 under 1 s. (2) A real `tend "
        "clock` against `bench/limits.py`, the stand-in with Slack's limits as token "
        "buckets answering 429 with whole-second Retry-After (burst sizes are ours: Slack "
        "does not publish them); timed from the fan-out's first Slack call to its last "
        "post; week 2 is the ritual's next run, a minute later instead of seven days, with "
        "every time zone aged a week; "
        + fanout.issue_size_floor() + ". Before the DMs were opened ahead, the measured "
        "first week at that size was 21.5 minutes (1,288 s), set by 1,000 "
        "conversations.open at the cadence time; what remains above the floor is tend's "
        "own work around each post (three short transactions: renew the lease, hold it "
        "for the post, mark it sent) and the backoff before a random 5xx is retried, "
        "after its look-back in the conversation's history. The "
        "row on posts stored but answered 500 is not one of the issue's faults: it shows "
        "what a retry does when Slack accepted the post. (3) "
        "`bot.rituals.digest.flows.build` on teams "
        "written straight into the tables, statements counted with a "
        "`before_cursor_execute` listener. (4) `run_tick` on data written straight into "
        "the tables at each size, after a first tick that computed every ritual's next "
        "due instant: the quiet tick's floor is its own indexed question "
        "(`schedules.due_rituals`) timed beside it; statements and the rows the database "
        "returned counted at the driver (`bench.common.query_cost`), and on PostgreSQL "
        "the rows its scans read (`pg_stat_user_tables`); EXPLAIN (ANALYZE) with the "
        "parameters the busy tick used; a real `tend clock` on the largest size for its "
        "peak RSS (VmHWM). (5) VmHWM from /proc, summed over gunicorn's master and "
        "workers (pages they share are counted in each). "
        "Benchmarks are not timed tests: CI runs each at `--quick` size "
        "(tests/test_bench_smoke.py) only to keep them working."
    )


def write_readme(section: str, path: Path = ROOT / "README.md") -> None:
    readme = path.read_text()
    if START not in readme or END not in readme:
        raise SystemExit(f"{path} has no {START} … {END} section")
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)
    path.write_text(pattern.sub(lambda _m: f"{START}\n{section}\n{END}", readme, count=1))


# -- the command -----------------------------------------------------------------------------
def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, seconds (CI)")
    parser.add_argument("--only", help="comma-separated: ack, fanout, digest, tick, memory")
    parser.add_argument("--db", help="comma-separated: sqlite, postgresql (default: both if "
                        "PostgreSQL is reachable)")
    parser.add_argument("--pg-url", default=None, help="PostgreSQL server to use")
    parser.add_argument("--write-readme", action="store_true",
                        help="replace README.md's benchmark section with this run's table")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    parser.add_argument("--workdir", type=Path, help="keep logs and SQLite files here")
    parser.add_argument("--from-json", type=Path, help="do not run: print (and with "
                        "--write-readme, write) the table of an earlier --json file")
    return parser.parse_args(argv)


def from_json(args: argparse.Namespace) -> list[Row]:
    data = json.loads(args.from_json.read_text())
    fields = {f.name for f in dataclasses.fields(Row)}
    rows = [Row(**{k: v for k, v in r.items() if k in fields}) for r in data["rows"]]
    ctx = Context(quick=data.get("quick", False), kinds=data["kinds"],
                  workdir=args.from_json.parent, pg_url=args.pg_url or pg_url_from_env())
    ctx.sizes = data["sizes"]
    report(args, ctx, rows, started=dt.datetime.fromisoformat(data["started"]),
           seconds=data["seconds"], names=data.get("names", list(data["sizes"])))
    return rows


def _dump(path: Path, ctx: Context, rows: list[Row], *, started: dt.datetime,
          seconds: float, names: Sequence[str]) -> None:
    write_json(path, {"started": started, "seconds": seconds, "kinds": ctx.kinds,
                      "quick": ctx.quick, "names": list(names), "sizes": ctx.sizes,
                      "rows": [r.as_dict() for r in rows]})


def report(args: argparse.Namespace, ctx: Context, rows: list[Row], *,
           started: dt.datetime, seconds: float, names: Sequence[str]) -> None:
    print(table(rows, notes=True))
    print(f"\n{sum(r.passed is True for r in rows)} pass, "
          f"{sum(r.passed is False for r in rows)} fail, {len(rows)} rows; logs in "
          f"{ctx.workdir}")
    if args.json and not args.from_json:
        _dump(args.json, ctx, rows, started=started, seconds=seconds, names=names)
    if args.write_readme:
        write_readme(table(rows, notes=True) + "\n\n" + how(
            ctx, started=started, seconds=seconds, names=names))
        print("README.md updated", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> list[Row]:
    args = parse(argv)
    if args.from_json:
        return from_json(args)
    names = selected(args.only)
    pg_url = args.pg_url or pg_url_from_env()
    if args.db:
        kinds = [k.strip() for k in args.db.split(",") if k.strip()]
        if set(kinds) - {"sqlite", "postgresql"}:
            raise SystemExit("--db takes sqlite and/or postgresql")
    else:
        kinds = ["sqlite"] + (["postgresql"] if pg_reachable(pg_url) else [])
        if "postgresql" not in kinds:
            print(f"PostgreSQL not reachable at {pg_url}: SQLite only", file=sys.stderr)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="tend-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    ctx = Context(quick=args.quick, kinds=kinds, workdir=workdir, pg_url=pg_url)
    started = dt.datetime.now(dt.UTC)
    began = time.monotonic()

    def partial(rows: list[Row]) -> None:  # a long run keeps what it measured so far
        if args.json:
            _dump(args.json, ctx, rows, started=started, seconds=time.monotonic() - began,
                  names=names)

    rows = collect(names, ctx, partial)
    report(args, ctx, rows, started=started, seconds=time.monotonic() - began, names=names)
    return rows


if __name__ == "__main__":
    main()
