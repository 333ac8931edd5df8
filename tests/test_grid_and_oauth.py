"""Enterprise Grid installs, OAuth-only `tend serve`, and learning the workspace at start.

Grid: a workspace of an Enterprise Grid installs tend through the real /slack/install
flow; the stand-in's oauth.v2.access names its organisation (E…) and every event,
interaction and command from it carries that id, shaped as in bolt-python's own tests
(`tests/scenario_tests/test_events_shared_channels.py`: `enterprise_id` in the envelope
and in `authorizations[0]`). Bolt stores such an install under (E…, T…).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.demo.live import OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET
from bot.platform.context import Services
from bot.slack import workspaces
from bot.slack.gateway import SlackGateway, build_client
from bot.slack.standin import SlackStandIn
from bot.slack.workspaces import (
    TOKEN_REFUSED,
    Backoff,
    SlackUnavailable,
    TokenRefused,
    learn_workspace,
)
from bot.storage import slack_oauth
from bot.storage.db import Database
from bot.storage.models import Commitment, Occurrence, Reply, Team, Workspace
from tests.harness import FakeClock, World, wait_for
from tests.test_processes import ROOT, _free_port
from tests.test_workspaces import http, posts_by_workspace, team_yaml

GRID, PLAIN = "T0ALPHA", "T0BRAVO"  # the names posts_by_workspace knows
ORG = "E0ACME"
TOKENS = {GRID: "xoxb-grid", PLAIN: "xoxb-plain"}
GRID_PEOPLE = ["W0A1", "W0A2", "W0A3"]  # Grid user ids start with W
PLAIN_PEOPLE = ["U0B1", "U0B2", "U0B3"]
MANAGER = "W0MGR"


@pytest.fixture
def multi(db: Database, standin, clock: FakeClock) -> Iterator[World]:  # type: ignore[no-untyped-def]
    with World(db=db, standin=standin, clock=clock, oauth=True) as world:
        yield world


def install(world: World, team_id: str, *, enterprise_id: str | None = None,
            code: str | None = None) -> int:
    """An admin of `team_id` clicks Add to Slack, approves, and comes back with a code."""
    status, page, headers = http(f"{world.base_url}/slack/install")
    assert status == 200
    authorize = re.search(r'<a href="([^"]+)"', page)
    assert authorize is not None
    state = parse_qs(urlparse(authorize.group(1).replace("&amp;", "&")).query)["state"][0]
    cookie = headers["set-cookie"].split(";")[0]
    code = code or f"code-{team_id}"
    world.standin.add_oauth_code(code, team_id=team_id, bot_token=TOKENS[team_id],
                                 team_name=f"Workspace {team_id}", enterprise_id=enterprise_id)
    status, _page, _ = http(f"{world.base_url}/slack/oauth_redirect?code={code}&state={state}",
                            cookie=cookie)
    return status


def populate(world: World) -> None:
    """One workspace of the ACME Grid, one ordinary workspace, each with a team."""
    for user in [MANAGER, *GRID_PEOPLE, *PLAIN_PEOPLE]:
        world.standin.add_user(user, tz="Europe/Amsterdam")
    assert install(world, GRID, enterprise_id=ORG) == 200
    assert install(world, PLAIN) == 200
    world.workspace_id = GRID
    world.load(team_yaml("Alpha", GRID_PEOPLE).replace("W0MGR", MANAGER))
    world.workspace_id = PLAIN
    world.load(team_yaml("Bravo", PLAIN_PEOPLE))


def bot_rows(world: World) -> list[tuple[str | None, str | None]]:
    """(enterprise_id, team_id) of every stored bot token."""
    with world.db.scope() as session:
        bots = slack_oauth.slack_bots.c
        return [(e, t) for e, t in session.execute(select(bots.enterprise_id, bots.team_id))]


def test_the_stand_in_names_the_organisation_of_a_grid_install(multi: World) -> None:
    """The stand-in's oauth.v2.access and auth.test answer as Slack does for a Grid
    workspace, and Bolt stores the install under (E…, T…): the shape that broke tend."""
    populate(multi)
    assert sorted(bot_rows(multi), key=str) == sorted([(ORG, GRID), (None, PLAIN)], key=str)
    exchange = multi.standin.calls_to("oauth.v2.access")[0]
    assert exchange.error is None
    from slack_sdk import WebClient

    grid = WebClient(token=TOKENS[GRID], base_url=multi.standin.api_url).auth_test()
    plain = WebClient(token=TOKENS[PLAIN], base_url=multi.standin.api_url).auth_test()
    assert (grid["team_id"], grid["enterprise_id"]) == (GRID, ORG)
    assert "enterprise_id" not in plain.data  # type: ignore[operator]


@pytest.fixture
def received() -> Iterator[tuple[str, list[bytes]]]:
    """A bare HTTP endpoint that keeps the bodies POSTed to it."""
    bodies: list[bytes] = []

    class Keep(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Keep)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/", bodies
    server.shutdown()
    server.server_close()


def test_the_stand_in_delivers_a_grid_workspace_s_requests_with_its_organisation(
        standin: SlackStandIn, received: tuple[str, list[bytes]]) -> None:
    """Events carry `enterprise_id` in the envelope and `authorizations[0]`; interactions
    `enterprise` and `team.enterprise_id`; commands `enterprise_id`. Other workspaces'
    requests carry none."""
    url, bodies = received
    standin.add_workspace(GRID, bot_token=TOKENS[GRID], enterprise_id=ORG)
    with standin.from_workspace(GRID):
        standin.deliver_event(url, {"type": "app_home_opened", "user": "W0A1", "tab": "home"})
        standin.deliver_action(url, standin.block_actions_payload("W0A1", "x", "1", "C1", "1.0"))
        standin.deliver_command(url, command="/tend", text="help", user_id="W0A1")
    standin.deliver_event(url, {"type": "app_home_opened", "user": "U0B1", "tab": "home"})
    event, action, command, plain = bodies
    envelope = json.loads(event)
    assert envelope["enterprise_id"] == ORG and envelope["team_id"] == GRID
    assert envelope["authorizations"][0]["enterprise_id"] == ORG
    assert envelope["authorizations"][0]["is_enterprise_install"] is False
    interaction = json.loads(parse_qs(action.decode())["payload"][0])
    assert interaction["enterprise"]["id"] == ORG
    assert (interaction["team"]["id"], interaction["team"]["enterprise_id"]) == (GRID, ORG)
    form = parse_qs(command.decode())
    assert (form["team_id"], form["enterprise_id"]) == ([GRID], [ORG])
    plain_envelope = json.loads(plain)
    assert "enterprise_id" not in plain_envelope
    assert plain_envelope["authorizations"][0]["enterprise_id"] is None


def test_a_grid_workspace_s_checkins_go_out_with_its_own_token(multi: World) -> None:
    """Kills: looking the bot token up with enterprise_id=None (InstalledWorkspaces) —
    every call for a Grid workspace then fails with workspace_not_installed."""
    populate(multi)
    report = multi.tick("2026-11-23T09:00:30+00:00")
    assert report.send.failed == 0
    seen = posts_by_workspace(multi)
    assert seen[GRID] == {frozenset({MANAGER, m}) for m in GRID_PEOPLE}
    assert seen[PLAIN] == {frozenset({MANAGER, m}) for m in PLAIN_PEOPLE}


def test_a_grid_workspace_s_reply_command_and_buttons_work(multi: World) -> None:
    """A reply, `/tend` and a button from the Grid workspace reach its rows and answer
    with its token (the reaction on a `commit:` line is a call with that token)."""
    populate(multi)
    multi.tick("2026-11-23T09:00:30+00:00")
    with multi.db.scope() as session:
        occurrence = session.scalars(select(Occurrence).where(
            Occurrence.subject_id == "W0A1")).one()
        channel, thread, checkin = occurrence.channel_id, occurrence.message_ts, occurrence.id
    assert channel and thread
    with multi.standin.from_workspace(GRID):
        status, _ts = multi.reply(channel=channel, user="W0A1", thread_ts=thread,
                                  text="commit: write the Grid notes by Friday")
        assert status == 200
        status, body = multi.standin.deliver_command(multi.url, command="/tend", text="help",
                                                     user_id="W0A1")
        assert status == 200 and body.strip()
        assert multi.click(user=MANAGER, action_id="commitment_add", value=str(checkin),
                           channel=channel, message_ts=thread) == 200
    with multi.db.scope() as session:
        assert list(session.scalars(select(Reply.text))) == [
            "commit: write the Grid notes by Friday"]
        assert session.scalar(select(func.count()).select_from(Commitment)) == 1
    grid_calls = [c for c in multi.standin.calls if c.team_id == GRID]
    assert {"reactions.add", "views.open"} <= {c.method for c in grid_calls}
    assert [c for c in grid_calls if c.error == "workspace_not_installed"] == []
    assert multi.standin.opened_views(), "the button's modal was not opened"


def test_a_slack_connect_user_acts_in_the_installing_workspace(multi: World) -> None:
    """`team` in an interaction is the workspace that installed tend; `user.team_id` is
    the clicking person's own workspace, which may be another (Slack Connect). tend acts
    for the installing workspace. A guard: Bolt reads `team` first and no tend code reads
    `user.team_id`; taking the workspace from it would find no install, and no modal."""
    populate(multi)
    multi.tick("2026-11-23T09:00:30+00:00")
    with multi.db.scope() as session:
        occurrence = session.scalars(select(Occurrence).where(
            Occurrence.subject_id == "W0A1")).one()
        channel, thread, checkin = occurrence.channel_id, occurrence.message_ts, occurrence.id
    payload = multi.standin.block_actions_payload(MANAGER, "commitment_add", str(checkin),
                                                  channel, thread)
    payload["team"] = {"id": GRID, "domain": "acme"}
    payload["user"]["team_id"] = "T0PARTNER"  # a partner company's person
    opened = len(multi.standin.opened_views())
    status, _ = multi.standin.deliver_action(multi.url, payload)
    assert status == 200
    assert len(multi.standin.opened_views()) == opened + 1
    assert multi.standin.calls_to("views.open")[-1].team_id == GRID


@pytest.mark.parametrize("event", [
    {"type": "app_uninstalled"},
    {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UTENDBOT"]}},
])
def test_uninstalling_a_grid_workspace_deletes_its_tokens(multi: World,
                                                          event: dict[str, object]) -> None:
    """Kills: deleting tokens with enterprise_id=None on app_uninstalled / tokens_revoked
    (the Grid token then stays in slack_bots, and slack_installations)."""
    populate(multi)
    with multi.standin.from_workspace(GRID):
        status, _ = multi.standin.deliver_event(multi.url, event)
    assert status == 200
    assert bot_rows(multi) == [(None, PLAIN)]
    with multi.db.scope() as session:
        installs = slack_oauth.slack_installations.c
        assert set(session.scalars(select(installs.team_id))) == {PLAIN}
        assert session.get_one(Workspace, GRID).uninstalled_at is not None
    multi.standin.reset_calls()
    multi.tick("2026-11-23T09:00:30+00:00")
    assert posts_by_workspace(multi)[GRID] == set()
    assert len(posts_by_workspace(multi)[PLAIN]) == 3
    # A reinstall from the same Grid workspace, within the grace period, keeps its data.
    assert install(multi, GRID, enterprise_id=ORG, code="again") == 200
    multi.tick(multi.clock.now + multi.services.uninstall_grace + timedelta(days=1))
    with multi.db.scope() as session:
        assert set(session.scalars(select(Team.workspace_id))) == {GRID, PLAIN}


# -- tend serve in OAuth mode, without SLACK_BOT_TOKEN --------------------------------------


def _process_env(db: Database, standin: SlackStandIn, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEND_"))}
    return {**env, "DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
            "SLACK_SIGNING_SECRET": standin.signing_secret, "SLACK_API_URL": standin.api_url,
            "LOG_FORMAT": "text", **settings}


def test_serve_starts_in_oauth_mode_without_a_bot_token(db: Database,
                                                        standin: SlackStandIn) -> None:
    """The real `tend serve` (gunicorn) with only SLACK_CLIENT_ID/SECRET, as the README
    says: it starts, installs a Grid workspace at /slack/install and answers its events.
    Kills: `settings.require("slack_bot_token", ...)` in runtime/http.py (exit 2)."""
    port = _free_port()
    env = _process_env(db, standin, SLACK_CLIENT_ID=OAUTH_CLIENT_ID,
                       SLACK_CLIENT_SECRET=OAUTH_CLIENT_SECRET, PORT=str(port))
    assert "SLACK_BOT_TOKEN" not in env
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--threads", "4"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for_healthz(process, base)
        assert _install_at(base, standin, GRID, enterprise_id=ORG) == 200
        standin.add_user("W0A1", tz="Europe/Amsterdam")
        with standin.from_workspace(GRID):
            status, _ = standin.deliver_event(f"{base}/slack/events", {
                "type": "app_home_opened", "user": "W0A1", "tab": "home"})
        assert status == 200
        wait_for(lambda: standin.calls_to("views.publish"))  # published after the ack
        publish = standin.calls_to("views.publish")
        assert [(c.team_id, c.error) for c in publish] == [(GRID, None)]
    finally:
        process.terminate()
        process.wait(timeout=20)


def _wait_for_healthz(process: subprocess.Popen[bytes], base: str) -> None:
    for _ in range(300):  # bounded: about 30 s for gunicorn to bind
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1)
            return
        except OSError:
            if process.poll() is not None:
                raise AssertionError(process.stdout.read().decode()) from None  # type: ignore[union-attr]
            time.sleep(0.1)
    raise AssertionError("tend serve did not answer /healthz")


def _install_at(base: str, standin: SlackStandIn, team_id: str, *,
                enterprise_id: str | None) -> int:
    status, page, headers = http(f"{base}/slack/install")
    assert status == 200, page
    authorize = re.search(r'<a href="([^"]+)"', page)
    assert authorize is not None
    state = parse_qs(urlparse(authorize.group(1).replace("&amp;", "&")).query)["state"][0]
    standin.add_oauth_code("served-code", team_id=team_id, bot_token=TOKENS[team_id],
                           enterprise_id=enterprise_id)
    status, _page, _ = http(f"{base}/slack/oauth_redirect?code=served-code&state={state}",
                            cookie=headers["set-cookie"].split(";")[0])
    return status


@pytest.mark.parametrize(("settings", "expected"), [
    ({}, "SLACK_BOT_TOKEN is not set"),
    ({"SLACK_CLIENT_ID": OAUTH_CLIENT_ID}, "SLACK_CLIENT_SECRET is not set"),
])
def test_serve_without_credentials_says_which_are_missing(
        db: Database, standin: SlackStandIn, settings: dict[str, str], expected: str) -> None:
    result = subprocess.run([sys.executable, "-m", "bot.cli", "serve"], cwd=ROOT,
                            env=_process_env(db, standin, **settings), capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert expected in result.stderr and "SLACK_CLIENT_ID" in result.stderr
    assert "Traceback" not in result.stderr


# -- learning the workspace at start: transient errors are retried ------------------------


@pytest.fixture
def gateway(standin: SlackStandIn) -> SlackGateway:
    return SlackGateway(build_client(standin.bot_token, standin.api_url))


@pytest.mark.parametrize("fault", [
    {"error": "internal_error"},
    {"error": "fatal_error", "status": 500},
    {"error": "service_unavailable", "status": 503},
    {"error": "request_timeout", "status": 504},
])
def test_a_transient_auth_test_failure_is_retried_with_backoff(
        standin: SlackStandIn, gateway: SlackGateway, fault: dict[str, Any]) -> None:
    """Kills: treating any auth.test failure as a refused token (no retry)."""
    standin.fail("auth.test", times=3, **fault)
    waits: list[float] = []
    assert learn_workspace(gateway, sleep=waits.append) == standin.team_id
    assert waits == [1.0, 2.0, 4.0]
    assert len(standin.calls_to("auth.test")) == 4


def test_a_rate_limited_auth_test_waits_as_long_as_slack_asks(
        standin: SlackStandIn, gateway: SlackGateway) -> None:
    """slack_sdk retries a 429 twice itself, waiting Retry-After; the third 429 comes
    back to tend, which waits at least Retry-After too, not its shorter backoff.
    Kills: ignoring SlackCallError.retry_after in Backoff.wait."""
    standin.fail("auth.test", status=429, retry_after=1, times=3)
    waits: list[float] = []
    quick = Backoff(first=0.01)
    assert learn_workspace(gateway, backoff=quick, sleep=waits.append) == standin.team_id
    assert waits == [1.0]
    assert len(standin.calls_to("auth.test")) == 4


@pytest.mark.parametrize("error", sorted(TOKEN_REFUSED))
def test_a_refused_token_is_not_retried(standin: SlackStandIn, gateway: SlackGateway,
                                        error: str) -> None:
    standin.fail("auth.test", error=error)
    with pytest.raises(TokenRefused):
        learn_workspace(gateway, sleep=lambda _s: pytest.fail("retried a refused token"))
    assert len(standin.calls_to("auth.test")) == 1


def test_retries_are_bounded(standin: SlackStandIn, gateway: SlackGateway) -> None:
    """Kills: retrying without a limit of tries, or of time waited."""
    standin.fail("auth.test", status=503, error="service_unavailable", times=4)
    waits: list[float] = []
    with pytest.raises(SlackUnavailable) as raised:
        learn_workspace(gateway, backoff=Backoff(attempts=4, first=1, budget=100),
                        sleep=waits.append)
    assert waits == [1, 2, 4] and raised.value.attempts == 4
    assert raised.value.error == "HTTP 503, service_unavailable"
    # The next wait (30 s) would pass the budget of 45 s: give up after 10 + 20.
    standin.fail("auth.test", error="internal_error", times=1000)
    waits.clear()
    with pytest.raises(SlackUnavailable) as raised:
        learn_workspace(gateway, backoff=Backoff(attempts=10, first=10, budget=45),
                        sleep=waits.append)
    assert waits == [10, 20] and raised.value.attempts == 3


@pytest.fixture
def cli_env(db: Database, standin: SlackStandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in _process_env(db, standin, SLACK_BOT_TOKEN=standin.bot_token).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SLACK_CLIENT_ID", raising=False)
    monkeypatch.setattr(workspaces, "STARTUP_BACKOFF", Backoff(first=0.001))


@pytest.mark.usefixtures("cli_env")
def test_tick_says_slack_is_unavailable_not_that_the_token_is_wrong(
        standin: SlackStandIn, capsys: pytest.CaptureFixture[str]) -> None:
    """`tend tick` while Slack answers internal_error to every auth.test. Kills: the old
    "SLACK_BOT_TOKEN was not accepted by Slack" for a transient error."""
    standin.fail("auth.test", error="internal_error", times=1000)
    assert main(["tick"]) == 2
    err = capsys.readouterr().err
    assert "not accepted" not in err and "Traceback" not in err
    assert "Slack did not answer auth.test after 6 tries" in err
    assert "(last: internal_error)" in err and "try again later" in err
    assert err.count("\n") == 1
    assert len(standin.calls_to("auth.test")) == 6


@pytest.mark.usefixtures("cli_env")
def test_tick_still_refuses_a_wrong_token_at_once(
        standin: SlackStandIn, capsys: pytest.CaptureFixture[str]) -> None:
    standin.fail("auth.test", error="invalid_auth", times=1000)
    assert main(["tick"]) == 2
    err = capsys.readouterr().err
    assert "SLACK_BOT_TOKEN was not accepted by Slack (invalid_auth)" in err
    assert len(standin.calls_to("auth.test")) == 1


@pytest.mark.parametrize("command", [["tick"], ["clock"]])
def test_tick_and_clock_start_through_a_slack_hiccup(db: Database, standin: SlackStandIn,
                                                     command: list[str]) -> None:
    """The real processes, auth.test answering internal_error then 503 before it works:
    both carry on (one and two seconds of backoff). Kills: exit 2 at the first error."""
    standin.fail("auth.test", error="internal_error")
    standin.fail("auth.test", status=503, error="service_unavailable")
    env = _process_env(db, standin, SLACK_BOT_TOKEN=standin.bot_token, TEND_TICK_SECONDS="3600")
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", *command], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        expected = "tick at" if command == ["tick"] else "clock started"
        output = _read_until(process, expected)
        assert expected in output, output
        assert output.count("asking Slack again") == 2
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert [c.error for c in standin.calls_to("auth.test")] == [
        "internal_error", "service_unavailable", None]


def _read_until(process: subprocess.Popen[str], text: str, seconds: float = 60) -> str:
    """The process's output up to the first line holding `text` (or its end)."""
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if text in line:
            break
    return "".join(lines)


# -- one default for the uninstall grace period ---------------------------------------------


def test_services_defaults_are_the_settings_defaults(world: World) -> None:
    """Services built without settings (benchmarks, tests) and by create_services from
    default settings agree. Kills: the 30-day uninstall grace default in context.py
    (the setting says 14)."""
    bare = Services(db=world.db, slack=world.services.slack)
    built = world.services
    assert bare.uninstall_grace == built.uninstall_grace == timedelta(days=14)
    assert (bare.catchup, bare.nudge_after, bare.retention) == (
        built.catchup, built.nudge_after, built.retention)
