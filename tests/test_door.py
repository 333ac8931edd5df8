"""The HTTP door (`bot/web.py`, `bot/handlers/guard.py`): what is refused before Bolt,
how large bodies are refused unread, ids bounded, a modal recorded once per view,
/metrics behind an optional bearer token, and Slack's `app_rate_limited` notice."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlsplit

import pytest
from slack_bolt.request import BoltRequest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from bot.handlers.guard import MAX_RECORD_ID, record_id
from bot.storage.db import Database
from bot.storage.events import first_delivery, handled
from bot.storage.models import Commitment, Goal, ProcessedEvent, Reply, SharedReply
from bot.web import MAX_BODY_BYTES, create_web_app
from tests.harness import World, wait_for
from tests.test_monthly_goals import DECEMBER, goals, slots
from tests.test_monthly_goals import setup_team as setup_goals_team
from tests.test_processes import ROOT, _env, _free_port
from tests.test_tend_command import exported, setup_values, tend
from tests.test_weekly_checkin import _checkin, _commitments, setup_team

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
OUT_OF_RANGE = [str(10**22), str(MAX_RECORD_ID + 1), "-1", "0", "1e5", " 7", "7 ", "1_0",
                "\u0663", "+7", "0x10", ""]


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except HTTPError as err:
        return err.code, err.read().decode()


def signed_headers(world: World, body: bytes, content_type: str = JSON) -> dict[str, str]:
    """Slack's signature computed over the raw bytes, whatever they are."""
    stamp = str(int(time.time()))
    digest = hmac.new(world.standin.signing_secret.encode(), b"v0:" + stamp.encode() + b":"
                      + body, hashlib.sha256).hexdigest()
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": f"v0={digest}"}


def stored(world: World) -> tuple[int, ...]:
    with world.db.scope() as session:
        return tuple(session.scalar(select(func.count()).select_from(model)) or 0
                     for model in (Reply, Commitment, Goal, SharedReply))


# -- 7. malformed requests: 401 or 400, never 500 -------------------------------------


@pytest.mark.parametrize("timestamp", [
    "abc", "", " 1700000000", "1700000000 ", "1_700_000_000", "\u00b9\u00b2\u00b3",
    "-1700000000", "9" * 5000, "1.5e9",
])
def test_an_unreadable_timestamp_gets_401_not_500(world: World, timestamp: str) -> None:
    """Kills: dropping the timestamp check in `door_refusal` (slack_sdk's `int(timestamp)`
    raises ValueError, a 500, on most of these)."""
    headers = {"Content-Type": JSON, "X-Slack-Request-Timestamp": timestamp,
               "X-Slack-Signature": "v0=" + "0" * 64}
    assert post(world.url, b"{}", headers)[0] == 401


def test_a_signature_that_is_not_ascii_gets_401_not_500(world: World) -> None:
    """Kills: dropping `signature.isascii()` (hmac.compare_digest raises TypeError)."""
    headers = {"Content-Type": JSON, "X-Slack-Request-Timestamp": str(int(time.time())),
               "X-Slack-Signature": "v0=\u00ff\u00fe"}
    assert post(world.url, b"{}", headers)[0] == 401


@pytest.mark.parametrize(("body", "content_type"), [
    (b"\xff\xfe{\"type\": \"event_callback\"}", JSON),     # not UTF-8
    (b"payload=%FF%FE", FORM),                              # form, its payload not UTF-8
    (b"{not json", JSON),
    (b"payload=%7Bnot+json", FORM),
    (b"[" * 200_000 + b"]" * 200_000, JSON),              # deeper than json can recurse
    (b"payload=" + b"%5B" * 100_000 + b"%5D" * 100_000, FORM),
])
def test_bodies_that_cannot_be_read_get_4xx_signed_or_not(world: World, body: bytes,
                                                          content_type: str) -> None:
    """Unsigned: 401 (or 400 when not UTF-8), never Bolt's 500 on parsing. Signed: 400.
    Kills: catching only ValueError in `parse_body` (the nested ones are RecursionError),
    and decoding the body without the UnicodeDecodeError branch."""
    before = stored(world)
    unsigned = {"Content-Type": content_type, "X-Slack-Request-Timestamp": "1",
                "X-Slack-Signature": "v0=" + "0" * 64}
    assert post(world.url, body, unsigned)[0] in (400, 401)
    assert post(world.url, body, signed_headers(world, body, content_type))[0] == 400
    assert stored(world) == before


def test_a_good_signature_still_reaches_bolt(world: World) -> None:
    """The door lets Slack in: a signed url_verification is answered by Bolt."""
    body = json.dumps({"type": "url_verification", "challenge": "c-123",
                       "token": "t"}).encode()
    status, text = post(world.url, body, signed_headers(world, body))
    assert (status, json.loads(text)) == (200, {"challenge": "c-123"})
    status, _ = post(world.url, body, {**signed_headers(world, body),
                                       "X-Slack-Signature": "v0=" + "0" * 64})
    assert status == 401


# -- 18. integers in button values and metadata are bounded ------------------------------


def test_record_ids_are_plain_bounded_numbers() -> None:
    """Kills: `record_id` accepting what `int()` accepts (signs, spaces, underscores,
    other scripts' digits) or anything past the INTEGER column, or dropping its length
    check (int() of 5,000 digits raises ValueError)."""
    assert record_id("42") == 42 and record_id(str(MAX_RECORD_ID)) == MAX_RECORD_ID
    for value in [*OUT_OF_RANGE, "9" * 5000, None, 42, 4.2, ["1"]]:
        assert record_id(value) is None, value
    assert record_id(str(10**22)) is None  # the listeners parse ids with it too


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_out_of_range_ids_in_buttons_and_modals_get_400_and_change_nothing(
        world: World, value: str) -> None:
    """A forged value of 10**22 was a 500 (OverflowError on SQLite, an out-of-range
    integer on PostgreSQL). Kills: removing the ID_VALUED_ACTIONS or ID_VALUED_VIEWS
    check from the guard."""
    setup_team(world)
    world.tick("2026-11-23T09:00:00+00:00")
    post_ = _checkin(world, "U001")
    before = stored(world)
    for action in ("commitment_add", "commitment_done", "quad_kept", "goal_done",
                   "goals_share"):
        assert world.click(user="U001", action_id=action, value=value,
                           channel=post_.channel, message_ts=post_.ts) == 400, action
    for callback in ("commitment_modal", "goals_modal", "share_modal"):
        payload = world.standin.view_submission_payload("U001", callback, {},
                                                        private_metadata=value)
        assert world.standin.deliver_action(world.url, payload)[0] == 400, callback
    assert stored(world) == before
    assert world.standin.opened_views() == []


def test_without_the_door_an_out_of_range_id_is_refused_by_the_listener(
        world: World) -> None:
    """Socket Mode hands payloads to Bolt with no HTTP door: the listeners' own parser is
    bounded too, so 10**22 is "this form has expired", not an OverflowError.
    Kills: a listener parsing ids with `int(str(value))` instead of `record_id`."""
    setup_team(world)
    world.tick("2026-11-23T09:00:00+00:00")
    payload = world.standin.view_submission_payload(
        "U0MGR", "commitment_modal", {"commitment_what": {"what": "Write it"}},
        private_metadata=str(10**22))
    response = world.app.dispatch(BoltRequest(body=json.dumps(payload), mode="socket_mode"))
    assert response.status == 200
    assert json.loads(response.body)["response_action"] == "errors"
    assert _commitments(world) == []


# -- 8. large bodies are refused before they are read --------------------------------------


def raw_exchange(url: str, head: bytes, body_part: bytes, *, seconds: float = 5.0) -> str:
    """Send a request's head and part of its body, then read the status line without
    sending the rest: a server that waits for the whole body times out here."""
    where = urlsplit(url)
    with socket.create_connection((where.hostname, where.port), timeout=seconds) as sock:
        sock.sendall(head + body_part)
        answer = b""
        while b"\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    return answer.split(b"\r\n", 1)[0].decode()


def large_post_head(url: str, *, length: int | None) -> bytes:
    path = urlsplit(url).path
    framing = (f"Content-Length: {length}" if length is not None
               else "Transfer-Encoding: chunked")
    return (f"POST {path} HTTP/1.1\r\nHost: slack\r\nContent-Type: {JSON}\r\n"
            f"X-Slack-Request-Timestamp: {int(time.time())}\r\n"
            f"X-Slack-Signature: v0={'0' * 64}\r\n{framing}\r\n\r\n").encode()


def chunked(data: bytes, size: int = 64 * 1024) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(data[i:i + size]), data[i:i + size])
                    for i in range(0, len(data), size))


def assert_large_bodies_refused_unread(url: str) -> None:
    # Announced as 200 MB, 1 KB sent: the 413 comes from the length alone.
    head = large_post_head(url, length=200 * 1024 * 1024)
    assert " 413 " in raw_exchange(url, head, b"x" * 1024)
    # Chunked, no length: refused once past the limit, with the stream still open.
    head = large_post_head(url, length=None)
    assert " 413 " in raw_exchange(url, head, chunked(b"x" * (MAX_BODY_BYTES + 65536)))


def test_a_large_body_gets_413_before_it_is_read(world: World) -> None:
    """Kills: removing MAX_CONTENT_LENGTH (the server then waits for all 200 MB, and
    reads a chunked body to its end, whatever its size), or the length check after
    reading (a chunked body is then cut at the limit and answered 401)."""
    assert_large_bodies_refused_unread(world.url)
    body = b"x" * (MAX_BODY_BYTES + 1)  # sent whole, with its length: still refused
    assert post(world.url, body, {"Content-Type": JSON})[0] == 413
    assert post(world.url, b"x" * 1000, {"Content-Type": JSON})[0] == 401


def worker_peak_rss_mb(master_pid: int) -> int:
    """Peak resident memory (VmHWM) of gunicorn's one worker, in MB."""
    worker = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()[0]
    status = Path(f"/proc/{worker}/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0]) // 1024


def send_unsigned(url: str, size: int, *, chunks: bool) -> str:
    """POST `size` bytes, unsigned, as fast as the server takes them; its status line."""
    where, block = urlsplit(url), b"x" * (1024 * 1024)
    head = large_post_head(url, length=None if chunks else size)
    piece = chunked(block, size=len(block)) if chunks else block
    with socket.create_connection((where.hostname, where.port), timeout=30) as sock:
        try:
            sock.sendall(head)
            for _ in range(size // len(block)):
                sock.sendall(piece)
            sock.sendall(b"0\r\n\r\n" if chunks else b"")
        except OSError:
            pass  # the server answered and closed before taking it all
        return sock.recv(200).split(b"\r\n", 1)[0].decode()


@pytest.fixture
def gunicorn(world: World) -> Iterator[tuple[str, int]]:
    """A real `tend serve` (gunicorn, one worker), with TEND_METRICS_TOKEN set."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--threads", "4"], cwd=ROOT,
        env=_env(world, PORT=str(port), TEND_METRICS_TOKEN="s3cret-metrics-token"),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):  # wait for gunicorn to bind (bounded: ~20 s)
            if process.poll() is not None:
                raise AssertionError("tend serve exited")
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield base, process.pid
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_tend_serve_refuses_200_mb_unread_and_keeps_its_memory(
        gunicorn: tuple[str, int]) -> None:
    """Measured: before, each 200 MB unsigned POST took the worker from 68 MB to a peak
    of 871 MB and ended in a 500. Kills: removing MAX_CONTENT_LENGTH."""
    base, master = gunicorn
    url = f"{base}/slack/events"
    assert_large_bodies_refused_unread(url)
    before = worker_peak_rss_mb(master)
    for chunks in (False, True):
        assert " 413 " in send_unsigned(url, 200 * 1024 * 1024, chunks=chunks)
    assert worker_peak_rss_mb(master) - before < 32
    assert get(f"{base}/metrics") == 401  # TEND_METRICS_TOKEN reaches the server
    assert get(f"{base}/metrics", {"Authorization": "Bearer s3cret-metrics-token"}) == 200


# -- 9. a modal is recorded once per view ----------------------------------------------------


def deliver_twice(world: World, payload: dict[str, Any], *, at_once: bool
                  ) -> list[tuple[int, str]]:
    """The same signed view_submission twice: one after the other (a replay), or from
    two threads released together (a double click reaching two web threads)."""
    if not at_once:
        return [world.standin.deliver_action(world.url, payload) for _ in range(2)]
    barrier = threading.Barrier(2)
    answers: list[tuple[int, str]] = []

    def deliver() -> None:
        barrier.wait()
        answers.append(world.standin.deliver_action(world.url, payload))

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def thread_posts(world: World, channel: str, ts: str) -> list[Any]:
    return [m for m in world.standin.messages(channel) if m.thread_ts == ts]


@pytest.mark.parametrize("at_once", [False, True], ids=["replayed", "at-once"])
def test_a_commitment_modal_submitted_twice_records_one_commitment(
        world: World, at_once: bool) -> None:
    """Kills: removing `first_delivery` from `submit_commitment` (nothing then records
    the view, and the replay makes a second commitment)."""
    setup_team(world)
    world.tick("2026-11-23T09:00:00+00:00")
    post_ = _checkin(world, "U001")
    occurrence = next(o for o in world.occurrences() if o.subject_id == "U001")
    assert world.click(user="U0MGR", action_id="commitment_add", value=str(occurrence.id),
                       channel=post_.channel, message_ts=post_.ts) == 200
    payload = world.standin.view_submission_payload(
        "U0MGR", "commitment_modal",
        {"commitment_what": {"what": "Write the onboarding guide"},
         "commitment_due": {"due": {"type": "datepicker", "selected_date": "2026-12-01"}}})
    answers = deliver_twice(world, payload, at_once=at_once)
    assert [status for status, _ in answers] == [200, 200]
    assert all(body.strip() == "" for _, body in answers)  # both close the modal
    assert _commitments(world) == [("U0MGR", "Write the onboarding guide", "open")]
    # The confirmation is posted after the ack (a lazy listener): wait for it, then count.
    wait_for(lambda: thread_posts(world, post_.channel, post_.ts))
    assert len(thread_posts(world, post_.channel, post_.ts)) == 1  # one confirmation


@pytest.mark.parametrize("at_once", [False, True], ids=["replayed", "at-once"])
def test_a_goals_modal_submitted_twice_records_one_goal_set(world: World,
                                                            at_once: bool) -> None:
    """Kills: removing the `handled` read from `submit_goals` (the replay is then refused
    with "Up to 3 goals a month" instead of closing the modal)."""
    setup_goals_team(world)
    world.tick(DECEMBER)
    occurrence = world.occurrences()[0]
    session = [m for m in world.standin.messages("C0PLATFORM") if not m.thread_ts][-1]
    assert world.click(user="U001", action_id="goals_share", value=str(occurrence.id),
                       channel="C0PLATFORM", message_ts=session.ts) == 200
    three = [("Ship the API", "3 teams use it", "2026-12-31"),
             ("Write docs", "a guide", "2026-12-31"), ("Hire", "one engineer", "2026-12-31")]
    payload = world.standin.view_submission_payload("U001", "goals_modal", slots(*three))
    answers = deliver_twice(world, payload, at_once=at_once)
    assert [status for status, _ in answers] == [200, 200]
    assert all(body.strip() == "" for _, body in answers), answers
    assert [what for _owner, what, _status in goals(world)] == [
        "Ship the API", "Write docs", "Hire"]
    # The confirmation is posted after the ack (a lazy listener): wait for it, then count.
    wait_for(lambda: thread_posts(world, "C0PLATFORM", session.ts))
    assert len(thread_posts(world, "C0PLATFORM", session.ts)) == 1


@pytest.mark.parametrize("at_once", [False, True], ids=["replayed", "at-once"])
def test_a_setup_modal_submitted_twice_creates_one_team(world: World,
                                                        at_once: bool) -> None:
    """Kills: removing the `handled` read from `save_setup` (the replay then answers
    "already a team with that key" to a modal that was saved)."""
    setup_team(world)
    world.standin.add_user("U0ADMIN", tz="Europe/Amsterdam", is_admin=True)
    assert tend(world, "U0ADMIN", "setup") == ""
    payload = world.standin.view_submission_payload(
        "U0ADMIN", "setup_modal",
        setup_values(team_key="infra", team_name="Infra", team_coaches=["U0ADMIN"]))
    answers = deliver_twice(world, payload, at_once=at_once)
    assert [status for status, _ in answers] == [200, 200]
    assert all(body.strip() == "" for _, body in answers)
    assert exported(world).count("key: infra") == 1


def test_a_twin_submission_waits_for_the_first_to_end(db: Database) -> None:
    """The twin's `handled` read blocks until the first transaction commits, then sees
    its record, so the twin is answered "done", never validated against a half-done
    state ("you have 3 goals already"). Kills: dropping the advisory lock on PostgreSQL
    (on SQLite, BEGIN IMMEDIATE does the waiting)."""
    now = datetime(2026, 11, 23, 9, tzinfo=UTC)
    seen: list[bool] = []

    def twin() -> None:
        with db.scope() as session:
            seen.append(handled(session, event_id="view:twin"))

    with db.scope() as first:
        assert not handled(first, event_id="view:twin")
        assert first_delivery(first, event_id="view:twin", now=now)
        waiting = threading.Thread(target=twin)
        waiting.start()
        waiting.join(timeout=1.0)
        assert waiting.is_alive() and seen == []  # held until the first one commits
    waiting.join(timeout=30)
    assert seen == [True]


def test_a_share_modal_submitted_twice_shares_once(world: World) -> None:
    """Kills: removing `first_delivery` from `share` (the view is then never recorded)."""
    setup_team(world)
    world.tick("2026-11-23T09:00:00+00:00")
    post_ = _checkin(world, "U001")
    _, ts = world.reply(channel=post_.channel, user="U001", text="Shipped the API",
                        thread_ts=post_.ts)
    assert world.message_shortcut(user="U001", callback_id="share_in_digest",
                                  channel=post_.channel, ts=ts, author="U001") == 200
    payload = world.standin.view_submission_payload("U001", "share_modal", {
        "share_kind": {"value": {"type": "radio_buttons",
                                 "selected_option": {"value": "highlight"}}}})
    assert [s for s, _ in deliver_twice(world, payload, at_once=False)] == [200, 200]
    with world.db.scope() as session:
        assert session.scalar(select(func.count()).select_from(SharedReply)) == 1
        keys = session.scalars(select(ProcessedEvent.event_id)).all()
    assert sum(key.startswith("view:") for key in keys) == 1


def test_a_refused_submission_does_not_use_up_its_view(world: World) -> None:
    """Refused (a date in the past), then corrected in the same modal: the same view id
    and hash, recorded the second time. Kills: claiming the view before validating."""
    setup_team(world)
    world.tick("2026-11-23T09:00:00+00:00")
    world.clock.set("2026-11-23T09:00:00+00:00")
    post_ = _checkin(world, "U001")
    occurrence = next(o for o in world.occurrences() if o.subject_id == "U001")
    world.click(user="U0MGR", action_id="commitment_add", value=str(occurrence.id),
                channel=post_.channel, message_ts=post_.ts)
    view_id = world.standin.opened_views()[-1]["id"]
    for due, expected in (("2026-11-01", "errors"), ("2026-12-01", None)):
        status, body = world.submit_commitment(user="U0MGR", occurrence_id=occurrence.id,
                                               what="Write the guide", due=due)
        assert status == 200 and body.get("response_action") == expected
    assert world.standin.opened_views()[-1]["id"] == view_id  # the same modal throughout
    assert _commitments(world) == [("U0MGR", "Write the guide", "open")]


# -- 18. /metrics behind an optional bearer token ---------------------------------------------


def get(url: str, headers: dict[str, str] | None = None) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}),
                                    timeout=10) as response:
            return int(response.status)
    except HTTPError as err:
        return err.code


@pytest.fixture
def metrics_url(world: World) -> Any:
    """/metrics of a web app built with TEND_METRICS_TOKEN's value, served over HTTP."""
    web = create_web_app(world.app, world.db, signing_secret=world.standin.signing_secret,
                         clock=world.clock, metrics_token="s3cret-metrics-token")
    server = make_server("127.0.0.1", 0, web, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/metrics"
    server.shutdown()
    server.server_close()


def test_metrics_ask_for_the_bearer_token_when_one_is_set(metrics_url: str) -> None:
    """Kills: skipping the token check, or accepting any bearer token."""
    assert get(metrics_url) == 401
    for wrong in ("Bearer wrong", "Bearer s3cret-metrics-toke", "Basic czNjcmV0",
                  "s3cret-metrics-token", "Bearer", "Bearer s3cret-metrics-token\u00e9"):
        assert get(metrics_url, {"Authorization": wrong}) == 401, wrong
    assert get(metrics_url, {"Authorization": "Bearer s3cret-metrics-token"}) == 200
    assert get(metrics_url, {"Authorization": "bearer s3cret-metrics-token"}) == 200


def test_metrics_stay_open_without_a_token(world: World) -> None:
    """The documented default (docs/decisions.md): unset means open, as before."""
    assert get(f"{world.base_url}/metrics") == 200


# -- 17. app_rate_limited --------------------------------------------------------------------


def test_app_rate_limited_is_acknowledged_and_logged(world: World,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    """Slack's notice that it is dropping events: answered 200 (was Bolt's 404), logged
    at WARNING. Kills: removing the `rate_limited` middleware."""
    caplog.set_level(logging.INFO, logger="bot")
    notice = {"token": "t", "type": "app_rate_limited", "team_id": world.standin.team_id,
              "minute_rate_limited": 1518467820, "api_app_id": "A0STANDIN"}
    body = json.dumps(notice).encode()
    status, _ = post(world.url, body, signed_headers(world, body))
    assert status == 200
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING
                and "app_rate_limited" in r.getMessage()]
    assert len(warnings) == 1
    assert getattr(warnings[0], "minute_rate_limited", None) == 1518467820
