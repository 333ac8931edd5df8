"""1. Acknowledging Slack, and 5. (part) the memory of `tend serve`.

Signed thread-reply events (real replies, in real check-in threads that a tick posted)
are sent open-loop at a steady rate to a real `tend serve` (gunicorn gthread, 1 worker,
8 threads) and, in the same run and at the same rates, to the bare Bolt app of
`bench/bare_app.py` on the same server stack. Latency is from each request's scheduled
time to the end of its 200 response.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import sys
from dataclasses import dataclass

from sqlalchemy import func, select

from bench.common import (
    BOT_TOKEN,
    SIGNING_SECRET,
    BenchDatabase,
    Context,
    Process,
    Row,
    bench_services,
    free_port,
    fresh_database,
    percentile,
    tend_env,
    tree_peak_mb,
    wait_http,
)
from bench.load import LoadResult, Request, open_loop
from bot.config.apply import apply_config
from bot.config.loader import load_config
from bot.core.tick import run_tick
from bot.slack.standin import SlackStandIn
from bot.slack.standin.payloads import event_callback
from bot.storage.introductions import mark_all_sent as introduced
from bot.storage.models import Reply

TEAMS, MEMBERS = 5, 10
SLACK_TIMEOUT = 3.0  # Slack retries an event not answered within 3 s
GOAL_RATIO = 1.5
GOAL_RATIO_TWO_WORKERS = 3.0  # the goal at --workers 2
# Capacity: the highest of these rates each server holds at --workers 2 with p99 under
# CAPACITY_P99 and every answer a 200 (and the generator keeping 90% of the rate).
CAPACITY_RATES = (200, 400, 800, 1600)
CAPACITY_SECONDS = 10.0
CAPACITY_P99 = 1.0


TEND = [sys.executable, "-m", "bot.cli", "serve", "--threads", "8"]
BARE = [sys.executable, "-m", "bench.bare_app"]  # 8 threads; BENCH_WORKERS workers
SERVERS = {"tend": (TEND, 1), "bare": (BARE, 1),
           "tend2": ([*TEND, "--workers", "2"], 2), "bare2": (BARE, 2)}


@dataclass
class Thread:
    channel: str
    ts: str
    member: str
    manager: str


def sizes(ctx: Context) -> tuple[tuple[int, ...], float]:
    return ((50, 200), 1.0) if ctx.quick else ((50, 200), 30.0)


def run(ctx: Context) -> list[Row]:
    rates, duration = sizes(ctx)
    ctx.sizes["ack"] = (f"{TEAMS} teams of {MEMBERS} members (replies spread over their "
                        f"{TEAMS * MEMBERS} threads); {', '.join(map(str, rates))} "
                        f"requests/s for {duration:g} s each, then {rates[-1]}/s again with "
                        "both servers at --workers 2 (2 cores), then the capacity at "
                        f"--workers 2: {', '.join(map(str, CAPACITY_RATES))}/s for "
                        f"{CAPACITY_SECONDS:g} s each until one is not held, per database")
    rows: list[Row] = []
    for kind in ctx.kinds:
        rows += _run_kind(ctx, kind, rates, duration)
    return rows


def _config() -> str:
    teams = []
    for t in range(TEAMS):
        members = ", ".join(f"U{t:02d}M{m:03d}" for m in range(MEMBERS))
        teams.append(f"""
  - key: team{t}
    name: Team {t}
    channel: C0TEAM{t:03d}
    timezone: Europe/Amsterdam
    managers: [U{t:02d}BOSS]
    members: [{members}]
    rituals:
      weekly_feedback:
        cadence: {{every: week, day: mon, time: "10:00"}}""")
    return "teams:" + "".join(teams) + "\n"


def _setup_threads(bench_db: BenchDatabase, standin: SlackStandIn) -> list[Thread]:
    """A tick posts every check-in; the replies go to those threads."""
    for t in range(TEAMS):
        standin.add_user(f"U{t:02d}BOSS", tz="Europe/Amsterdam")
        for m in range(MEMBERS):
            standin.add_user(f"U{t:02d}M{m:03d}", tz="Europe/Amsterdam")
    with bench_db.db.scope() as session:
        apply_config(session, load_config(_config()), workspace_id=standin.team_id,
                     now=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
        # Teams that existed before introductions: their people count as introduced
        # (as the upgrade marks them), so the bench measures the prompts alone.
        introduced(session)
    services = bench_services(bench_db.db, standin)
    report = run_tick(services, now=dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC))
    if report.send.sent != TEAMS * MEMBERS:
        raise RuntimeError(f"setup tick sent {report.send.sent} check-ins")
    threads = []
    for post in standin.messages():
        if post.channel.startswith("G") and not post.thread_ts:
            people = sorted(standin.conversation_members(post.channel))
            manager = next(p for p in people if p.endswith("BOSS"))
            member = next(p for p in people if p != manager)
            threads.append(Thread(post.channel, post.ts, member, manager))
    return threads


def _requests(standin: SlackStandIn, threads: list[Thread], count: int, label: str
              ) -> list[Request]:
    """Signed event_callback bodies: replies alternately by the member and the manager,
    each with its own ts and event id, spread over every thread."""
    out: list[Request] = []
    for n in range(count):
        thread = threads[n % len(threads)]
        user = thread.member if n % 2 == 0 else thread.manager
        ts = standin.next_ts()
        event = standin.message_event(thread.channel, user, f"Reply {label}-{n}: done the "
                                      "onboarding draft, next the review.", ts,
                                      thread_ts=thread.ts)
        body = json.dumps(event_callback(
            event, team_id=standin.team_id, api_app_id=standin.state.app_id,
            bot_user_id=standin.bot_user_id, event_id=f"Ev{label}{n:07d}",
            event_time=int(float(ts)))).encode()
        headers = {"Content-Type": "application/json", "User-Agent": "Slackbot 1.0",
                   **standin.sign(body)}
        out.append((body, headers))
    return out


def _post(port: int, request: Request) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", "/slack/events", body=request[0], headers=request[1])
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _start(ctx: Context, name: str, args: list[str], env: dict[str, str], port: int
           ) -> Process:
    process = Process(args, env=env, log_path=ctx.workdir / f"{name}.log")
    wait_http(f"http://127.0.0.1:{port}/healthz", process)
    return process


def _run_kind(ctx: Context, kind: str, rates: tuple[int, ...], duration: float
              ) -> list[Row]:
    ctx.log(f"[ack] {kind}: setting up")
    bench_db = fresh_database(ctx, kind, "ack")
    standin = SlackStandIn(signing_secret=SIGNING_SECRET, bot_token=BOT_TOKEN).start()
    servers: dict[str, tuple[Process, int]] = {}
    rows: list[Row] = []
    try:
        threads = _setup_threads(bench_db, standin)
        for name, (args, workers) in SERVERS.items():
            port = free_port()
            env = tend_env(bench_db.url, standin.api_url, PORT=str(port),
                           BENCH_WORKERS=str(workers))
            servers[name] = (_start(ctx, f"ack-{kind}-{name}", args, env, port), port)
        acknowledged = 0
        forged = {}
        for name, (_process, port) in servers.items():
            warm = _requests(standin, threads, 40, f"{kind[:2]}w{name}")
            statuses = [_post(port, request) for request in warm]
            if set(statuses) != {200}:
                raise RuntimeError(f"{name} warm-up answered {statuses}")
            acknowledged += len(statuses) if name.startswith("tend") else 0
            body, headers = _requests(standin, threads, 1, f"{kind[:2]}f{name}")[0]
            forged[name] = _post(port, (body, {**headers, "X-Slack-Signature": "v0=forged"}))
        rows.append(Row("ack", "forged signature refused (401) by tend and by the bare app",
                        f"{forged['tend']} / {forged['bare']}", db=kind, goal="401 / 401",
                        passed=set(forged.values()) == {401}))
        runs = [(rate, "") for rate in rates] + [(rates[-1], "2")]
        for rate, workers in runs:
            count = max(1, int(rate * duration))
            results: dict[str, LoadResult] = {}
            for name in ("bare", "tend"):  # the floor first, then tend, back to back
                server = name + workers
                requests = _requests(standin, threads, count, f"{kind[:2]}{rate}{server}")
                ctx.log(f"[ack] {kind}: {server} at {rate}/s for {duration:g} s")
                results[name] = open_loop(servers[server][1], "/slack/events", requests,
                                          rate=rate, connections=16 if rate <= 50 else 32)
            acknowledged += results["tend"].ok
            rows += _rows(kind, rate, results, workers=int(workers or 1))
        capacity, answered = _capacity(ctx, kind, standin, threads, servers)
        rows += capacity
        acknowledged += answered
        with bench_db.db.scope() as session:
            stored = session.scalar(select(func.count()).select_from(Reply)) or 0
        rows.append(Row("ack", "replies stored / events acknowledged by tend",
                        f"{stored:,} / {acknowledged:,}", db=kind, goal="equal",
                        passed=stored == acknowledged))
        peaks = {name: tree_peak_mb(process.pid)[0] for name, (process, _) in servers.items()}
        rows.append(Row("memory", "`tend serve` peak RSS during 1 (master + worker)",
                        peaks["tend"], "MB", db=kind, floor=peaks["bare"],
                        note="floor: the bare Bolt app on the same stack; with --workers 2 "
                             f"{peaks['tend2']:.0f} MB (bare {peaks['bare2']:.0f} MB)"))
    finally:
        for process, _port in servers.values():
            process.stop()
        standin.stop()
        bench_db.close()
    return rows


def _capacity(ctx: Context, kind: str, standin: SlackStandIn, threads: list[Thread],
              servers: dict[str, tuple[Process, int]]) -> tuple[list[Row], int]:
    """The sustained rate of each server at --workers 2, bare first: rates double until
    one is not held. Returns the row and how many events tend acknowledged."""
    rates, seconds = ((50, 100), 1.0) if ctx.quick else (CAPACITY_RATES, CAPACITY_SECONDS)
    held = dict.fromkeys(("bare", "tend"), 0)
    worst: dict[str, str] = {}
    acknowledged = 0
    for name in held:
        for rate in rates:
            requests = _requests(standin, threads, int(rate * seconds),
                                 f"{kind[:2]}c{rate}{name}")
            ctx.log(f"[ack] {kind}: {name}2 at {rate}/s for {seconds:g} s (capacity)")
            result = open_loop(servers[name + "2"][1], "/slack/events", requests, rate=rate,
                               connections=64)
            acknowledged += result.ok if name == "tend" else 0
            p99 = percentile(result.latencies, 99) if result.latencies else float("inf")
            if (result.ok < result.planned or p99 >= CAPACITY_P99
                    or result.achieved_rate < 0.9 * rate):
                worst[name] = (f"{rate}/s not held: p99 {p99 * 1000:.0f} ms, "
                               f"{result.planned - result.ok} non-200, achieved "
                               f"{result.achieved_rate:.0f}/s")
                break
            held[name] = rate
    note = "; ".join(f"{name}: {text}" for name, text in worst.items()) or (
        f"both held the top rate tried ({rates[-1]}/s)")
    row = Row("ack", "sustained rate, both servers with --workers 2 (p99 < 1 s, all 200)",
              held["tend"], "/s", db=kind, floor=held["bare"] or None,
              goal="≥ 0.5× bare", passed=held["tend"] >= 0.5 * held["bare"], note=note)
    return [row], acknowledged


def _rows(kind: str, rate: int, results: dict[str, LoadResult], *, workers: int
          ) -> list[Row]:
    tend, bare = results["tend"], results["bare"]
    failed = {name: r.planned - r.ok for name, r in results.items()}
    note = (f"achieved {tend.achieved_rate:.0f}/s; non-200: tend {failed['tend']}, "
            f"bare {failed['bare']}; slowest start {max(tend.late_starts) * 1000:.0f} ms late")
    if not tend.latencies or not bare.latencies:
        return [Row("ack", f"{rate}/s: no answers", None, db=kind, passed=False, note=note)]
    p50 = percentile(tend.latencies, 50) * 1000
    p99 = percentile(tend.latencies, 99) * 1000
    bare50 = percentile(bare.latencies, 50) * 1000
    bare99 = percentile(bare.latencies, 99) * 1000
    ratio = GOAL_RATIO if workers == 1 else GOAL_RATIO_TWO_WORKERS
    ok = failed["tend"] == 0 and p99 <= ratio * bare99 and p99 < SLACK_TIMEOUT * 1000
    label = f"{rate}/s for {tend.planned / rate:g} s"
    if workers > 1:
        label += f", both servers with --workers {workers}"
    return [
        Row("ack", f"{label}: p50 to the 200", p50, "ms", db=kind, floor=bare50),
        Row("ack", f"{label}: p99 to the 200", p99, "ms", db=kind, floor=bare99,
            goal=f"≤ {ratio:g}× bare, < 3 s, all 200", passed=ok, note=note),
    ]
