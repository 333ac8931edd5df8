"""The loopback Slack stand-in, driven by the real slack_sdk WebClient (and Bolt) over HTTP."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask, request
from slack_bolt import App
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import builtin_handlers
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from werkzeug.serving import make_server

from bot.slack.standin import SlackStandIn


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as slack:
        slack.add_user("U1", name="Ann")
        slack.add_user("U2", name="Bob", tz="America/New_York")
        slack.add_user("U3", name="Cy")
        slack.add_user("UGONE", deleted=True)
        slack.add_channel("C1", name="general")
        yield slack


@pytest.fixture
def client(standin: SlackStandIn) -> WebClient:
    return WebClient(token=standin.bot_token, base_url=standin.api_url)


def wait_for(condition: Callable[[], Any], timeout: float = 2.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.01)
    raise AssertionError("condition not met in time")


# Web API ---------------------------------------------------------------------------------


def test_auth_test_and_users_info(standin: SlackStandIn, client: WebClient) -> None:
    auth = client.auth_test()
    assert (auth["user_id"], auth["team_id"], auth["bot_id"]) == (
        "UTENDBOT",
        "T0STANDIN",
        "B0STANDIN",
    )
    user = client.users_info(user="U2")["user"]
    assert user["real_name"] == "Bob" and user["tz"] == "America/New_York"
    assert user["deleted"] is False and user["is_bot"] is False
    with pytest.raises(SlackApiError) as err:
        client.users_info(user="UNOPE")
    assert err.value.response["error"] == "user_not_found"


def test_users_list_pages_with_slacks_cursor(standin: SlackStandIn,
                                             client: WebClient) -> None:
    """users.list as Slack answers it: `limit` per page, an opaque `next_cursor` that is
    "" after the last page (slack_sdk's iteration follows it), deleted users and bots
    listed with `tz`, `tz_offset`, `deleted` and `is_bot`; a bad cursor is refused."""
    first = client.users_list(limit=2)
    assert [u["id"] for u in first["members"]] == ["U1", "U2"]
    cursor = first["response_metadata"]["next_cursor"]
    assert cursor and "U3" not in cursor  # opaque, as Slack's base64 cursors are
    pages = [[u["id"] for u in page["members"]] for page in client.users_list(limit=2)]
    assert pages[:2] == [["U1", "U2"], ["U3", "UGONE"]]
    everyone = [u for page in client.users_list(limit=2) for u in page["members"]]
    assert client.users_list(limit=2, cursor=cursor)["members"][0]["id"] == "U3"
    last = client.users_list(limit=1000)
    assert last["response_metadata"]["next_cursor"] == ""
    assert [u["id"] for u in last["members"]] == [u["id"] for u in everyone]
    assert len(client.users_list(limit=5000)["members"]) == len(everyone)  # at most 1000
    gone = next(u for u in everyone if u["id"] == "UGONE")
    assert gone["deleted"] is True
    bob = next(u for u in everyone if u["id"] == "U2")
    assert (bob["tz"], bob["is_bot"]) == ("America/New_York", False)
    assert bob["tz_offset"] in (-18000, -14400)
    assert isinstance(last["cache_ts"], int)
    with pytest.raises(SlackApiError) as err:
        client.users_list(limit=2, cursor="not-a-cursor")
    assert err.value.response["error"] == "invalid_cursor"


def test_tz_offset_follows_the_standin_clock() -> None:
    winter = datetime(2025, 1, 15, 12, tzinfo=UTC).timestamp()
    summer = datetime(2025, 7, 15, 12, tzinfo=UTC).timestamp()
    now = [winter]
    with SlackStandIn(clock=lambda: now[0]) as slack:
        slack.add_user("U1")
        client = WebClient(token=slack.bot_token, base_url=slack.api_url)
        assert client.users_info(user="U1")["user"]["tz_offset"] == 3600
        now[0] = summer
        assert client.users_info(user="U1")["user"]["tz_offset"] == 7200
        first, second = slack.next_ts(), slack.next_ts()
        assert first.startswith(str(int(summer))) and float(second) > float(first)


def test_missing_token_is_not_authed(standin: SlackStandIn) -> None:
    with pytest.raises(SlackApiError) as err:
        WebClient(base_url=standin.api_url).auth_test()
    assert err.value.response["error"] == "not_authed"


def test_conversations_open_is_stable_per_set(standin: SlackStandIn, client: WebClient) -> None:
    dm = client.conversations_open(users="U1")["channel"]["id"]
    group = client.conversations_open(users=["U1", "U2", "U3"])["channel"]["id"]
    same = client.conversations_open(users="U3,U1,U2")["channel"]["id"]
    assert dm.startswith("D") and dm == standin.dm("U1")
    assert group.startswith("G") and group == same == standin.dm("U2", "U3", "U1")
    assert standin.conversation_members(group) == {"U1", "U2", "U3"}
    assert len(standin.calls_to("conversations.open")) == 3
    for users, error in (("U1,UNOPE", "user_not_found"), ("U1,UGONE", "user_disabled")):
        with pytest.raises(SlackApiError) as err:
            client.conversations_open(users=users)
        assert err.value.response["error"] == error


def test_post_update_history_round_trip(standin: SlackStandIn, client: WebClient) -> None:
    dm = client.conversations_open(users="U1")["channel"]["id"]
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    metadata = {"event_type": "checkin", "event_payload": {"round": 7}}
    first = client.chat_postMessage(channel=dm, text="hi", blocks=blocks, metadata=metadata)
    second = client.chat_postMessage(channel=dm, text="second")
    reply = client.chat_postMessage(channel=dm, text="in thread", thread_ts=first["ts"])
    assert first["message"]["user"] == "UTENDBOT" and first["message"]["blocks"] == blocks
    assert float(first["ts"]) < float(second["ts"]) < float(reply["ts"])

    client.chat_update(channel=dm, ts=first["ts"], text="hello")
    history = client.conversations_history(channel=dm, include_all_metadata=True)["messages"]
    assert [m["text"] for m in history] == ["second", "hello"]  # newest first, no replies
    assert history[1]["metadata"] == metadata and history[1]["reply_count"] == 1
    replies = client.conversations_replies(channel=dm, ts=first["ts"])["messages"]
    assert [m["text"] for m in replies] == ["hello", "in thread"]

    stored = standin.messages(dm)
    assert [m.text for m in stored] == ["hello", "second", "in thread"]
    assert stored[0].blocks == blocks and stored[2].thread_ts == first["ts"]
    assert standin.calls_to("chat.postMessage")[0].params["metadata"] == metadata

    page = client.conversations_history(channel=dm, limit=1)
    assert page["has_more"] is True and page["messages"][0]["text"] == "second"
    older = client.conversations_history(channel=dm, latest=second["ts"])["messages"]
    assert [m["text"] for m in older] == ["hello"]
    with pytest.raises(SlackApiError) as err:
        client.chat_update(channel=dm, ts="1.000001", text="x")
    assert err.value.response["error"] == "message_not_found"


def test_channel_membership_rules(standin: SlackStandIn, client: WebClient) -> None:
    standin.add_channel("GSECRET", name="secret", private=True)
    cases = [
        (lambda: client.chat_postMessage(channel="C1", text="x"), "not_in_channel"),
        (lambda: client.chat_postMessage(channel="CNOPE", text="x"), "channel_not_found"),
        (lambda: client.conversations_join(channel="CNOPE"), "channel_not_found"),
        (
            lambda: client.conversations_join(channel="GSECRET"),
            "method_not_supported_for_channel_type",
        ),
    ]
    for attempt, error in cases:
        with pytest.raises(SlackApiError) as err:
            attempt()
        assert err.value.response["error"] == error
    assert client.conversations_join(channel="C1")["channel"]["is_member"] is True
    assert client.chat_postMessage(channel="C1", text="now ok")["channel"] == "C1"


def test_ephemeral_permalink_reaction_delete(standin: SlackStandIn, client: WebClient) -> None:
    dm = standin.dm("U1")
    ts = client.chat_postMessage(channel=dm, text="x")["ts"]
    client.chat_postEphemeral(channel=dm, user="U1", text="only you")
    assert [e.text for e in standin.ephemerals("U1")] == ["only you"]
    link = client.chat_getPermalink(channel=dm, message_ts=ts)["permalink"]
    assert link.endswith(f"/archives/{dm}/p{ts.replace('.', '')}")
    client.reactions_add(channel=dm, timestamp=ts, name="white_check_mark")
    assert standin.messages(dm)[0].reactions == {"white_check_mark": ["UTENDBOT"]}
    client.chat_delete(channel=dm, ts=ts)
    assert standin.messages(dm) == []


def test_views_need_a_trigger_and_home_is_kept(standin: SlackStandIn, client: WebClient) -> None:
    modal = {
        "type": "modal",
        "callback_id": "goal",
        "private_metadata": "round-7",
        "title": {"type": "plain_text", "text": "Goal"},
        "blocks": [],
    }
    with pytest.raises(SlackApiError) as err:
        client.views_open(trigger_id="1.2.bogus", view=modal)
    assert err.value.response["error"] == "invalid_trigger_id"
    view = client.views_open(trigger_id=standin.new_trigger_id(), view=modal)["view"]
    client.views_update(view_id=view["id"], view={**modal, "private_metadata": "round-8"})
    assert [v["private_metadata"] for v in standin.opened_views()] == ["round-8"]

    home = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "a"}}],
    }
    client.views_publish(user_id="U1", view=home)
    assert standin.home_view("U1")["blocks"] == home["blocks"]
    assert standin.home_view("U2") is None


def test_files_upload_v2_end_to_end(standin: SlackStandIn, client: WebClient) -> None:
    dm = standin.dm("U1")
    ts = client.chat_postMessage(channel=dm, text="report")["ts"]
    result = client.files_upload_v2(
        channel=dm,
        content=b"week,score\n1,4\n",
        filename="report.csv",
        title="Weekly report",
        alt_txt="scores",
        initial_comment="Here it is",
        thread_ts=ts,
    )
    assert result["file"]["title"] == "Weekly report"
    [uploaded] = standin.files()
    assert uploaded.data == b"week,score\n1,4\n" and uploaded.filename == "report.csv"
    assert (uploaded.alt_txt, uploaded.channel, uploaded.thread_ts) == ("scores", dm, ts)
    assert uploaded.initial_comment == "Here it is"


def test_unknown_method_is_recorded(standin: SlackStandIn, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as err:
        client.api_call("admin.nothing.here", params={"x": "1"})
    assert err.value.response["error"] == "unknown_method"
    [call] = standin.calls_to("admin.nothing.here")
    assert call.params == {"x": "1"} and call.error == "unknown_method"
    standin.reset_calls()
    assert standin.calls == []


# fault injection ---------------------------------------------------------------------------


def test_ratelimit_surfaces_429_with_retry_after(standin: SlackStandIn, client: WebClient) -> None:
    standin.fail("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel=standin.dm("U1"), text="x")
    assert err.value.response.status_code == 429
    assert err.value.response["error"] == "ratelimited"
    assert err.value.response.headers["Retry-After"] == "7"
    assert standin.messages() == []


def test_ratelimit_retry_handler_succeeds(
    standin: SlackStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the handler sleeps Retry-After + random(); take the jitter out to stay fast
    monkeypatch.setattr(builtin_handlers, "random", SimpleNamespace(random=lambda: 0.0))
    client = WebClient(token=standin.bot_token, base_url=standin.api_url)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    standin.fail("chat.postMessage", status=429, retry_after=0)
    assert client.chat_postMessage(channel=standin.dm("U1"), text="x")["ok"] is True
    assert [c.error for c in standin.calls_to("chat.postMessage")] == ["ratelimited", None]


def test_errors_match_params_and_count_down(standin: SlackStandIn, client: WebClient) -> None:
    standin.fail("users.info", error="fatal_error", times=2, match=lambda p: p["user"] == "U2")
    standin.fail("auth.test", status=503)
    assert client.users_info(user="U1")["ok"] is True
    for _ in range(2):
        with pytest.raises(SlackApiError) as err:
            client.users_info(user="U2")
        assert err.value.response["error"] == "fatal_error"
    assert client.users_info(user="U2")["ok"] is True
    with pytest.raises(SlackApiError) as err:
        client.auth_test()
    assert err.value.response.status_code == 503


def test_latency_is_per_call(standin: SlackStandIn, client: WebClient) -> None:
    standin.latency = 0.05
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started >= 0.05


# delivery ----------------------------------------------------------------------------------


class _Capture(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((dict(self.headers.items()), body))
        status = 401 if "forged" in self.headers.get("X-Slack-Signature", "") else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def capture() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    received: list[tuple[dict[str, str], bytes]] = []
    handler = type("Handler", (_Capture,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/slack/events", received
    server.shutdown()
    server.server_close()


def test_delivered_event_is_signed_like_slack(standin: SlackStandIn, capture: Any) -> None:
    url, received = capture
    event = standin.message_event(standin.dm("U1"), "U1", "done", thread_ts="1.000001")
    assert standin.deliver_event(url, event, event_id="Ev1", retry_num=1) == (200, "ok")
    headers, body = received[0]
    assert SignatureVerifier(standin.signing_secret).is_valid_request(body, headers)
    envelope = json.loads(body)
    assert envelope["type"] == "event_callback" and envelope["event_id"] == "Ev1"
    assert envelope["event"]["channel_type"] == "im" and envelope["event"]["thread_ts"]
    assert (headers["X-Slack-Retry-Num"], headers["X-Slack-Retry-Reason"]) == ("1", "http_timeout")
    assert standin.deliver_event(url, event, signature="v0=forged")[0] == 401


def test_payload_builders(standin: SlackStandIn, client: WebClient) -> None:
    group = standin.dm("U1", "U2")
    button = {
        "type": "button",
        "action_id": "done",
        "value": "yes",
        "text": {"type": "plain_text", "text": "Done"},
    }
    blocks = [{"type": "actions", "block_id": "b1", "elements": [button]}]
    ts = client.chat_postMessage(channel=group, text="ok?", blocks=blocks)["ts"]
    clicked = standin.block_actions_payload("U1", "done", "yes", group, ts)
    assert clicked["actions"][0]["block_id"] == "b1"
    assert clicked["actions"][0]["text"]["text"] == "Done"
    assert clicked["message"]["text"] == "ok?" and clicked["trigger_id"]

    changed = standin.message_changed_event(group, ts, "new", "U1", thread_ts=ts)
    assert changed["channel_type"] == "mpim" and changed["previous_message"]["text"] == "ok?"
    assert changed["message"]["thread_ts"] == ts and changed["message"]["edited"]
    deleted = standin.message_deleted_event(group, ts)
    assert deleted["deleted_ts"] == ts and deleted["previous_message"]["user"] == "UTENDBOT"

    modal = {"type": "modal", "callback_id": "goal", "private_metadata": "r7", "blocks": []}
    client.views_open(trigger_id=clicked["trigger_id"], view=modal)
    submitted = standin.view_submission_payload("U1", "goal", {"g": {"text": "Ship it"}})
    assert submitted["view"]["private_metadata"] == "r7"
    assert submitted["view"]["state"]["values"]["g"]["text"]["value"] == "Ship it"


def test_bolt_app_round_trip(standin: SlackStandIn) -> None:
    """Events, actions and a slash command through the real Bolt app and back."""
    client = WebClient(token=standin.bot_token, base_url=standin.api_url)
    app = App(signing_secret=standin.signing_secret, client=client)

    @app.event("message")
    def on_message(event: dict, say: Callable[..., Any]) -> None:
        say(text=f"got {event['text']}", thread_ts=event["ts"])

    @app.action("done")
    def on_done(ack: Callable[[], None], body: dict, client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view={"type": "modal", "blocks": []})

    @app.command("/tend")
    def on_command(ack: Callable[..., None], respond: Callable[..., None], command: dict) -> None:
        ack("working")
        respond(text=f"hello {command['user_id']}")

    flask_app = Flask(__name__)
    handler = SlackRequestHandler(app)
    flask_app.add_url_rule(
        "/slack/events", "events", lambda: handler.handle(request), methods=["POST"]
    )
    server = make_server("127.0.0.1", 0, flask_app, threaded=True)
    threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/slack/events"
    try:
        dm = standin.dm("U1")
        assert standin.deliver_event(url, standin.message_event(dm, "U1", "hi"))[0] == 200
        assert wait_for(lambda: standin.messages(dm))[0].text == "got hi"
        forged = standin.deliver_event(url, standin.message_event(dm, "U1", "x"), signature="v0=0")
        assert forged[0] == 401

        clicked = standin.block_actions_payload("U1", "done", "yes", dm, standin.messages(dm)[0].ts)
        assert standin.deliver_action(url, clicked)[0] == 200
        assert wait_for(standin.opened_views)

        status, body = standin.deliver_command(url, command="/tend", text="", user_id="U1")
        assert (status, body) == (200, "working")
        assert wait_for(standin.responses)[0]["text"] == "hello U1"
    finally:
        server.shutdown()
