"""Claims that fit their lease: two clocks and a slow Slack never post a check-in twice.

Slack answers every call in 1.5 s. One clock claims a week's fan-out; its lease
(shortened to 10 s, the 2 minutes scaled down) runs out while it is still sending, and
the other clock, ticking meanwhile, claims the rest. One post of the rest is answered
429 (Retry-After 2 s), which slack_sdk sleeps and retries. Before the fix the first
clock posted on regardless, while the second had already looked in the history, found
nothing, and posted: that check-in arrived twice.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.core.sender import drain_outbox
from bot.rituals.weekly_feedback.flows import plan_checkins
from bot.storage import outbox
from bot.storage.models import OutboxMessage
from tests.harness import World, at

MEMBERS = [f"U2{n:03d}" for n in range(12)]
TEAM = f"""
teams:
  - key: slow
    name: Slow
    channel: C0SLOW
    timezone: Europe/Amsterdam
    managers: [U0MGR]
    members: [{", ".join(MEMBERS)}]
    rituals:
      weekly_feedback:
        cadence: {{every: week, day: mon, time: "10:00"}}
"""
WEEK_1 = "2026-11-23T09:00:00+00:00"  # 10:00 in Amsterdam
WEEK_2 = "2026-11-30T09:00:00+00:00"


def _unsettled(world: World) -> int:
    with world.db.scope() as session:
        return len(list(session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.status.in_(("pending", "sending"))))))


def _clock(world: World, errors: list[BaseException], stop: threading.Event) -> None:
    """A `tend clock` reduced to its sender: a drain every 0.2 s, on the wall clock."""
    try:
        while not stop.is_set():
            drain_outbox(world.db, world.services.slack, now=datetime.now(UTC))
            time.sleep(0.2)
    except BaseException as exc:  # surfaced by the test
        errors.append(exc)


def test_two_clocks_with_a_slow_slack_post_each_checkin_once(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Kills: posting without renewing the lease, conditionally, right before the post
    (checked: the old sender posts the 9th check-in twice); a renewal that does not
    check the claim token."""
    world.standin.add_user("U0MGR", tz="Europe/Amsterdam")
    world.standin.add_channel("C0SLOW", name="slow")
    for member in MEMBERS:
        world.standin.add_user(member, tz="Europe/Amsterdam")
    world.load(TEAM)
    world.tick(WEEK_1)  # week 1, at full speed: the group DMs are opened and cached
    assert len(world.checkin_posts()) == len(MEMBERS)
    with world.db.scope() as session:  # week 2 is due; the clocks will send it
        plan_checkins(session, now=at(WEEK_2), catchup=world.services.catchup)
    assert _unsettled(world) == len(MEMBERS)

    monkeypatch.setattr(outbox, "LEASE", timedelta(seconds=10))
    world.standin.latency = 1.5
    # The first clock reaches the 9th check-in after its lease ran out; Slack asks it
    # to wait there (a real clock's post can sleep on Retry-After inside slack_sdk).
    ninth = world.standin.dm("U0MGR", MEMBERS[8])
    world.standin.fail("chat.postMessage", status=429, retry_after=2,
                       match=lambda params: params.get("channel") == ninth)
    errors: list[BaseException] = []
    stop = threading.Event()
    clocks = [threading.Thread(target=_clock, args=(world, errors, stop)) for _ in range(2)]
    clocks[0].start()
    time.sleep(0.5)  # the first clock claims the fan-out; the second ticks meanwhile
    clocks[1].start()
    deadline = time.monotonic() + 90
    while _unsettled(world) and time.monotonic() < deadline and not errors:
        time.sleep(0.2)
    time.sleep(6)  # a post still in flight (or sleeping on Retry-After) lands first
    stop.set()
    for clock in clocks:
        clock.join(timeout=30)
    world.standin.latency = 0.0
    assert errors == []
    assert _unsettled(world) == 0
    per_channel = Counter(p.channel for p in world.checkin_posts())
    assert sorted(per_channel.values()) == [2] * len(MEMBERS), "week 2 posted twice"


def test_a_claim_that_lost_its_row_can_neither_post_nor_record(world: World) -> None:
    """The fencing itself: once another claim took the row, the first claim's renewal
    before the post, and its record, are refused; the holder's go through.

    Kills: `_held` without the claim token (or without the status) condition."""
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    with world.db.scope() as session:
        outbox.enqueue(session, workspace_id=world.workspace_id, key="k", channel_id="C1",
                       payload={"text": "x"}, now=now)
    with world.db.scope() as session:
        [first] = outbox.claim_due(session, now=now, limit=10)
    later = now + outbox.LEASE + timedelta(seconds=1)
    with world.db.scope() as session:  # the first clock's lease ran out: re-claimed
        [second] = outbox.claim_due(session, now=later, limit=10)
    with world.db.scope() as session:
        assert not outbox.renew(session, first, now=later)
        assert not outbox.hold_for_post(session, first, now=later, wall_clock=later)
        assert not outbox.mark_sent(session, first, channel_id="C1", ts="1.1", now=later)
        assert outbox.hold_for_post(session, second, now=later, wall_clock=later)
        assert outbox.mark_sent(session, second, channel_id="C1", ts="1.2", now=later)
    with world.db.scope() as session:
        row = session.scalars(select(OutboxMessage)).one()
        assert (row.status, row.sent_ts, row.attempts) == ("sent", "1.2", 2)
