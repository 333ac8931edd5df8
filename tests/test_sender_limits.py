"""The exactly-once look-back under Slack's 2025 limits for apps outside the Marketplace
(conversations.history: 15 messages a page, one request a minute), and the stand-in's
strictness that lets these tests see them.

The look-back runs when an outbox row is claimed again after an attempt that may have
posted it (a crash between the post and its record is simulated by `mark_sent` raising,
as a killed process would stop there).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.core.sender import drain_outbox
from bot.slack.gateway import build_client
from bot.slack.standin import SlackStandIn
from bot.storage import outbox
from bot.storage.models import OutboxMessage
from tests.harness import World

BUSY = "C0BUSY"
KEY = "test:busy:announcement"


class ShiftedClock:
    """The wall clock, plus a shift the test moves on (waiting out a rate limit)."""

    def __init__(self) -> None:
        self.shift = 0.0

    def __call__(self) -> float:
        return time.time() + self.shift


# -- the stand-in ---------------------------------------------------------------------------

@pytest.fixture
def limited() -> Iterator[tuple[SlackStandIn, WebClient, ShiftedClock]]:
    clock = ShiftedClock()
    with SlackStandIn(history_limit=15, history_per_minute=1, clock=clock) as server:
        server.add_channel(BUSY, name="busy", bot_is_member=True)
        # No retry handlers: the test sees each 429 itself.
        client = WebClient(token=server.bot_token, base_url=server.api_url, retry_handlers=[])
        yield server, client, clock


def test_standin_returns_metadata_only_with_include_all_metadata(standin: SlackStandIn) -> None:
    """Catches a stand-in that returns metadata whatever is asked (tend's old look-back
    would then pass without asking for it, and find nothing on real Slack)."""
    standin.add_channel(BUSY, name="busy", bot_is_member=True)
    client = WebClient(token=standin.bot_token, base_url=standin.api_url)
    metadata = {"event_type": "tend_outbox", "event_payload": {"key": "k"}}
    ts = client.chat_postMessage(channel=BUSY, text="root", metadata=metadata)["ts"]
    client.chat_postMessage(channel=BUSY, text="reply", thread_ts=ts, metadata=metadata)
    for call in (lambda **kw: client.conversations_history(channel=BUSY, **kw),
                 lambda **kw: client.conversations_replies(channel=BUSY, ts=ts, **kw)):
        assert all("metadata" not in m for m in call()["messages"])
        assert all(m["metadata"] == metadata
                   for m in call(include_all_metadata=True)["messages"])


def test_standin_caps_history_at_15_and_pages_with_a_cursor(
        limited: tuple[SlackStandIn, WebClient, ShiftedClock]) -> None:
    """Catches a stand-in that honours limit=100 for a distributed app (Slack gives 15)."""
    server, client, clock = limited
    sent = [server.add_message(BUSY, user="U1", text=f"m{n}") for n in range(40)]
    seen: list[str] = []
    cursor = None
    while True:
        page = client.conversations_history(channel=BUSY, limit=100, cursor=cursor)
        assert len(page["messages"]) <= 15
        seen += [m["ts"] for m in page["messages"]]
        cursor = page["response_metadata"]["next_cursor"]
        assert bool(cursor) == page["has_more"]
        if not page["has_more"]:
            break
        clock.shift += 60  # one request a minute
    assert seen == list(reversed(sent))


def test_standin_allows_history_once_a_minute_per_workspace(
        limited: tuple[SlackStandIn, WebClient, ShiftedClock]) -> None:
    """Catches a stand-in without the 1-a-minute limit: a second call within the minute
    is answered 429 with a Retry-After, as Slack does; replies are limited apart."""
    server, client, clock = limited
    ts = server.add_message(BUSY, user="U1", text="hello")
    client.conversations_history(channel=BUSY)
    client.conversations_replies(channel=BUSY, ts=ts)  # its own minute
    with pytest.raises(SlackApiError) as refused:
        client.conversations_history(channel=BUSY)
    assert refused.value.response.status_code == 429
    assert 55 <= int(refused.value.response.headers["Retry-After"]) <= 60
    server.add_workspace("T0OTHER", bot_token="xoxb-other")
    other = WebClient(token="xoxb-other", base_url=server.api_url, retry_handlers=[])
    assert other.conversations_history(channel=BUSY)["ok"]  # another workspace's minute
    clock.shift += 61
    assert client.conversations_history(channel=BUSY)["ok"]


def test_standin_latency_per_method(standin: SlackStandIn) -> None:
    """Catches a per-method latency that is ignored (or applied to every method)."""
    standin.add_channel(BUSY, name="busy", bot_is_member=True)
    standin.set_latency("chat.postMessage", 0.4)
    client = WebClient(token=standin.bot_token, base_url=standin.api_url)
    started = time.monotonic()
    client.conversations_history(channel=BUSY)
    assert time.monotonic() - started < 0.3
    started = time.monotonic()
    client.chat_postMessage(channel=BUSY, text="slow")
    assert time.monotonic() - started >= 0.4


# -- the look-back ------------------------------------------------------------------------------

def _enqueue(world: World, now: datetime) -> None:
    with world.db.scope() as session:
        outbox.enqueue(session, workspace_id=world.workspace_id, key=KEY,
                       payload={"text": "The team's announcement"}, channel_id=BUSY, now=now)


def _posted_with_key(standin: SlackStandIn) -> list[str]:
    return [m.ts for m in standin.messages(BUSY)
            if (m.metadata or {}).get("event_payload", {}).get("key") == KEY]


def _row(world: World) -> OutboxMessage:
    with world.db.scope() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.key == KEY)).one()
        session.expunge(row)
        return row


def _post_then_crash(world: World, monkeypatch: pytest.MonkeyPatch, now: datetime) -> None:
    """The first attempt posts, then its process stops before recording the post."""

    def crash(*args: object, **kwargs: object) -> None:
        raise SystemExit("killed between the post and its record")

    _enqueue(world, now)
    with monkeypatch.context() as patched:
        patched.setattr(outbox, "mark_sent", crash)
        with pytest.raises(SystemExit):
            drain_outbox(world.db, world.services.slack, now=now)
    assert len(_posted_with_key(world.standin)) == 1


@pytest.fixture
def busy_world(db: object, clock: object) -> Iterator[tuple[World, ShiftedClock]]:
    shifted = ShiftedClock()
    with SlackStandIn(history_limit=15, history_per_minute=1, clock=shifted) as server:
        server.add_channel(BUSY, name="busy", bot_is_member=True)
        with World(db=db, standin=server, clock=clock) as world:  # type: ignore[arg-type]
            yield world, shifted


def test_a_post_further_back_than_15_messages_is_found_not_repeated(
        busy_world: tuple[World, ShiftedClock], monkeypatch: pytest.MonkeyPatch) -> None:
    """A busy channel: 40 people's messages arrive after the lost post. The look-back pages
    (15 at a time, bounded by the first attempt's time, asking for metadata) and finds it.

    Kills: asking for one page only (the old `limit=100`, capped at 15: posted twice),
    dropping `include_all_metadata` (nothing found), dropping `oldest` (asserted below).
    """
    world, shifted = busy_world
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    before = world.standin.add_message(BUSY, user="U1", text="before tend's attempt",
                                       ts=f"{time.time() - 3600:.6f}")
    _post_then_crash(world, monkeypatch, now)
    for n in range(40):
        world.standin.add_message(BUSY, user="U1", text=f"chatter {n}")
    report = None
    for minute in range(1, 6):  # one history request a minute: wait each one out
        shifted.shift = 61.0 * minute
        report = drain_outbox(world.db, world.services.slack,
                              now=now + timedelta(minutes=3, seconds=61 * minute))
        if _row(world).status == "sent":
            break
        assert len(_posted_with_key(world.standin)) == 1  # never posted blindly meanwhile
    assert report is not None and report.sent == 1
    assert len(_posted_with_key(world.standin)) == 1
    row = _row(world)
    assert row.status == "sent" and row.sent_ts == _posted_with_key(world.standin)[0]
    calls = world.standin.calls_to("conversations.history")
    assert all(c.params["limit"] == "15" and c.params["include_all_metadata"] == "1"
               for c in calls)
    assert all(float(c.params["oldest"]) > float(before) for c in calls)
    assert len([c for c in calls if not c.error]) == 3  # 41 messages: three pages


def test_a_rate_limited_look_back_waits_and_never_posts_blindly(
        busy_world: tuple[World, ShiftedClock], monkeypatch: pytest.MonkeyPatch) -> None:
    """Page 2 of the look-back is refused (1 a minute): the row goes back, untried, to
    when Slack allows the next request, keeping what page 1 searched.

    Kills: posting after a failed look-back; counting the wait as an attempt; retrying
    at once (a tight loop of 429s); forgetting what was searched (the window would
    never narrow); a drain that sleeps Retry-After inside slack_sdk (asserted by time).
    """
    world, _shifted = busy_world
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    _post_then_crash(world, monkeypatch, now)
    for n in range(40):
        world.standin.add_message(BUSY, user="U1", text=f"chatter {n}")
    first = _row(world)
    later = now + timedelta(minutes=5)
    started = time.monotonic()
    report = drain_outbox(world.db, world.services.slack, now=later)
    assert time.monotonic() - started < 10  # no 60 s sleep on Retry-After
    assert report.sent == 0 and report.retrying == 1
    assert len(_posted_with_key(world.standin)) == 1
    calls = world.standin.calls_to("conversations.history")
    assert [c.error for c in calls] == [None, "ratelimited"]  # page 1, page 2 refused
    row = _row(world)
    assert row.status == "pending" and row.attempts == first.attempts
    assert row.next_attempt_at >= later + timedelta(seconds=55)
    assert row.post_window_end is not None and first.post_window_end is not None
    assert row.post_window_end < first.post_window_end  # page 1's messages are done
    # Nothing is due before the wait is over: no further request is made.
    drain_outbox(world.db, world.services.slack, now=later + timedelta(seconds=30))
    assert len(world.standin.calls_to("conversations.history")) == 2


def test_no_look_back_when_no_attempt_reached_the_post(world: World) -> None:
    """A first attempt that failed before chat.postMessage (conversations.join answered
    500) cannot have posted: its retry posts without spending a history request.

    Kills: looking back on every retry (`attempts > 1`, the old rule), which at one
    request a minute would hold back every retry of a fan-out.
    """
    world.standin.add_channel(BUSY, name="busy", bot_is_member=True)
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    with world.db.scope() as session:
        outbox.enqueue(session, workspace_id=world.workspace_id, key=KEY,
                       payload={"text": "hello", "join": True}, channel_id=BUSY, now=now)
    world.standin.fail("conversations.join", status=500)
    first = drain_outbox(world.db, world.services.slack, now=now)
    assert first.retrying == 1 and _row(world).post_window_start is None
    second = drain_outbox(world.db, world.services.slack, now=now + timedelta(minutes=15))
    assert second.sent == 1 and len(_posted_with_key(world.standin)) == 1
    assert world.standin.calls_to("conversations.history") == []


def test_history_429_is_not_slept_on_by_the_client(standin: SlackStandIn) -> None:
    """The gateway's client retries other methods' 429s (slack_sdk sleeps Retry-After),
    but not conversations.history's: kills a client whose handler sleeps there."""
    standin.add_channel(BUSY, name="busy", bot_is_member=True)
    client = build_client(standin.bot_token, standin.api_url)
    standin.fail("conversations.history", status=429, retry_after=30)
    started = time.monotonic()
    with pytest.raises(SlackApiError):
        client.conversations_history(channel=BUSY)
    assert time.monotonic() - started < 5
    standin.fail("conversations.info", status=429, retry_after=1)
    assert client.conversations_info(channel=BUSY)["ok"]  # retried after 1 s
