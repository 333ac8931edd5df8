"""Draining the outbox: the only path by which scheduled messages reach Slack."""

from __future__ import annotations

import base64
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from sqlalchemy.orm import Session

from bot.messages.render import Template, render_message
from bot.slack.gateway import (
    HISTORY_METHOD,
    REPLIES_METHOD,
    LookBackInterrupted,
    SlackCallError,
    SlackGateway,
    slack_ts,
)
from bot.slack.workspaces import SlackWorkspaces
from bot.storage import outbox
from bot.storage.conversations import cached_conversation, remember_conversation
from bot.storage.db import Database
from bot.storage.outbox import ClaimedMessage

log = logging.getLogger(__name__)
T = TypeVar("T")

BATCH = 50  # the most one claim takes
FIRST_BATCH = 10  # before this drain has measured how fast Slack answers
MAX_ATTEMPTS = 8
# Slack allows about one message per second per channel, with short bursts.
CHANNEL_BURST = 3
CHANNEL_INTERVAL = 1.0
# Our clock and Slack's may differ a little: the look-back searches this much wider.
CLOCK_SKEW = timedelta(seconds=60)
# A rate-limited look-back without Retry-After waits this long (Slack's 1 a minute).
HISTORY_WAIT = timedelta(seconds=60)


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    lost: int = 0  # claimed, then re-claimed by another clock before this one posted


def drain_outbox(db: Database, slack: SlackWorkspaces, *, now: datetime,
                 max_batches: int = 1000, lease: timedelta | None = None) -> SendReport:
    """Send what is due, each message as its own workspace's bot.

    Claims fit their lease: each takes as many messages as this drain sends in half a
    lease, and each message's lease is renewed, conditionally, just before its post, so
    a clock never posts a row another clock has claimed since (docs/decisions.md).
    """
    sender = _Sender(db, slack, now=now, lease=lease or outbox.LEASE)
    sizer = BatchSizer(sender.lease)
    for _ in range(max_batches):
        # Leases count from the claim, not from the tick: a long drain must not let
        # another clock re-claim rows this one is still sending.
        claim_time, limit = sender.current(), sizer.size()
        def claim(at: datetime = claim_time, limit: int = limit) -> list[ClaimedMessage]:
            with db.scope() as session:
                return outbox.claim_due(session, now=at, limit=limit, lease=sender.lease)

        claimed = db.retry_on_connection_loss(claim, what="claiming messages")
        if not claimed:
            break
        started = time.monotonic()
        for message in claimed:
            sender.send(message)
        sizer.measured(len(claimed), time.monotonic() - started)
    return sender.report


class BatchSizer:
    """How many messages a claim takes: what this drain sends in half a lease."""

    def __init__(self, lease: timedelta) -> None:
        self.budget = lease.total_seconds() / 2
        self.seconds_per_message: float | None = None

    def size(self) -> int:
        if self.seconds_per_message is None:
            return FIRST_BATCH
        return max(1, min(BATCH, int(self.budget / max(self.seconds_per_message, 1e-3))))

    def measured(self, messages: int, seconds: float) -> None:
        if messages:
            self.seconds_per_message = seconds / messages


class ChannelPacer:
    """A token bucket per channel: a burst of a few, then one a second."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.buckets: dict[str, tuple[float, float]] = {}  # channel -> (tokens, at)

    def may_post(self, channel: str) -> bool:
        now = self.clock()
        tokens, at = self.buckets.get(channel, (float(CHANNEL_BURST), now))
        tokens = min(CHANNEL_BURST, tokens + (now - at) / CHANNEL_INTERVAL)
        if tokens < 1:
            self.buckets[channel] = (tokens, now)
            return False
        self.buckets[channel] = (tokens - 1, now)
        return True


class _Sender:
    """One drain's sending: its clock, pacing, and look-back rate limits."""

    def __init__(self, db: Database, slack: SlackWorkspaces, *, now: datetime,
                 lease: timedelta) -> None:
        self.db, self.slack, self.now, self.lease = db, slack, now, lease
        self.started = time.monotonic()
        self.pacer = ChannelPacer()
        self.report = SendReport()
        # workspace -> when its conversations.history may be asked again (`current()`)
        self.history_blocked: dict[str, datetime] = {}

    def current(self) -> datetime:
        """`now`, moved on by the time this drain has taken."""
        return self.now + timedelta(seconds=time.monotonic() - self.started)

    def send(self, message: ClaimedMessage) -> None:
        channel = message.channel_id or ",".join(sorted(message.users))
        if not self.pacer.may_post(channel):  # this channel's turn comes in a second
            self._release(message, at=self.current() + timedelta(seconds=CHANNEL_INTERVAL))
            return
        # Skip, without a Slack call, a row that a faster clock re-claimed meanwhile.
        if not self._in_db(lambda s: outbox.renew(s, message, now=self.current(),
                                                  lease=self.lease)):
            self._lost(message)
            return
        blocked = self.history_blocked.get(message.workspace_id)
        if message.post_window and blocked and blocked > self.current():
            self._release(message, at=blocked)  # no look-back possible before then
            self.report.retrying += 1
            return
        try:
            self._send_one(message)
        except SlackCallError as exc:
            self._failed(message, exc)

    def _send_one(self, message: ClaimedMessage) -> None:
        gateway = self.slack.gateway(message.workspace_id)  # uninstalled: permanent
        channel = message.channel_id or _conversation_for(
            self.db, gateway, message.workspace_id, message.users, now=self.now)
        if message.payload.get("join"):
            _join(gateway, channel)
        if update_ts := message.payload.get("update_ts"):
            # An edit in place (a retro whose voting closed): repeating it is harmless,
            # so it needs neither the look-back nor the post window.
            gateway.update_message(channel, str(update_ts), text=message.payload["text"],
                                   blocks=message.payload.get("blocks") or [])
            self._in_db(lambda s: outbox.mark_sent(s, message, channel_id=channel,
                                                   ts=str(update_ts), now=self.now))
            self.report.sent += 1
            return
        # An earlier attempt may have posted it, Slack accepting what we never recorded
        # (a crash, a timeout after success, a lost lease): look before posting again.
        ts = self._look_back(gateway, channel, message) if message.post_window else None
        if ts is None:
            # The lease is checked and renewed in the database right before the post,
            # so no other clock can hold this row while it is being posted.
            if not self._in_db(lambda s: outbox.hold_for_post(
                    s, message, now=self.current(), wall_clock=datetime.now(UTC),
                    lease=self.lease)):
                self._lost(message)
                return
            ts = gateway.post_message(
                channel, text=message.payload["text"], blocks=message.payload.get("blocks"),
                thread_ts=message.payload.get("thread_ts"), outbox_key=message.key,
            )

        # The post is out: if the database connection drops now, record it on a fresh one
        # rather than leave the row to its lease (and the history check) for minutes.
        if not self._in_db(lambda s: outbox.mark_sent(s, message, channel_id=channel, ts=ts,
                                                      now=self.now)):
            log.warning("outbox %s: posted, but its lease had passed to another clock, "
                        "which will find the post in the conversation's history",
                        message.key)
        self.report.sent += 1
        if upload := message.payload.get("upload"):
            _upload(gateway, upload, channel=channel, thread_ts=ts)

    def _look_back(self, gateway: SlackGateway, channel: str,
                   message: ClaimedMessage) -> str | None:
        assert message.post_window is not None
        start, end = message.post_window
        return gateway.find_posted(channel, message.key, oldest=slack_ts(start - CLOCK_SKEW),
                                   latest=slack_ts(end + CLOCK_SKEW),
                                   thread_ts=message.payload.get("thread_ts"))

    def _failed(self, message: ClaimedMessage, exc: SlackCallError) -> None:
        if isinstance(exc, LookBackInterrupted):  # keep what was searched
            searched = datetime.fromtimestamp(float(exc.searched_down_to), UTC)
            self._in_db(lambda s: outbox.narrow_post_window(
                s, message, end=searched - CLOCK_SKEW))
        if exc.method in (HISTORY_METHOD, REPLIES_METHOD) and exc.rate_limited:
            # Never post blindly: the message waits until the look-back may run again,
            # and that wait is not one of its attempts.
            wait = timedelta(seconds=exc.retry_after) if exc.retry_after else HISTORY_WAIT
            until = self.current() + wait
            self.history_blocked[message.workspace_id] = until
            self._release(message, at=until)
            self.report.retrying += 1
            log.info("outbox %s: look-back rate limited, again in %s", message.key, wait)
            return
        with self.db.scope() as session:
            if exc.permanent or message.attempts >= MAX_ATTEMPTS:
                if outbox.mark_failed(session, message, error=exc.error):
                    _notify_failure(session, message, error=exc.error, now=self.now)
                self.report.failed += 1
                log.warning("outbox %s gave up: %s", message.key, exc)
            else:
                outbox.mark_retry(session, message, error=exc.error, failed_at=self.current(),
                                  delay=backoff(message.attempts))
                self.report.retrying += 1

    def _release(self, message: ClaimedMessage, *, at: datetime) -> None:
        self._in_db(lambda s: outbox.release(s, message, at=at))

    def _lost(self, message: ClaimedMessage) -> None:
        self.report.lost += 1
        log.info("outbox %s: another clock claimed it first; left to that one", message.key)

    def _in_db(self, step: Callable[[Session], T]) -> T:
        """One short transaction, redone once on a fresh connection if it was lost."""
        def run() -> T:
            with self.db.scope() as session:
                return step(session)

        return self.db.retry_on_connection_loss(run, what="recording a send")


def _upload(gateway: SlackGateway, upload: dict[str, str], *, channel: str,
            thread_ts: str) -> None:
    """A file for the message's thread (a digest's chart). The message carries a text
    version, so a failed upload is logged rather than retried."""
    try:
        gateway.upload_file(channel, thread_ts=thread_ts,
                            content=base64.b64decode(upload["content_b64"]),
                            filename=upload["filename"], title=upload["title"],
                            alt_text=upload["alt_text"])
    except SlackCallError as exc:
        log.warning("upload to %s failed: %s", channel, exc)


def _join(gateway: SlackGateway, channel: str) -> None:
    """Join a public team channel before posting; a private one needs an /invite."""
    if not channel.startswith("C"):
        return
    try:
        gateway.join_channel(channel)
    except SlackCallError as exc:
        if not exc.permanent:
            raise
        # The post itself will fail with not_in_channel if tend really is not in it.


def _notify_failure(session: Session, message: ClaimedMessage, *, error: str,
                    now: datetime) -> None:
    """Tell the people named in the payload (a team's coaches) that a post failed."""
    notice = message.payload.get("notify_on_failure")
    if not notice:
        return
    text = str(notice["text"]).replace("{error}", error)
    rendered = render_message(Template.NOTICE, text=text)
    for user in notice.get("users", []):
        outbox.enqueue(session, workspace_id=message.workspace_id,
                       key=f"{message.key}:failed:{user}",
                       payload=rendered.as_dict(), users=[user], now=now)


def _conversation_for(db: Database, gateway: SlackGateway, workspace_id: str,
                      users: list[str], *, now: datetime) -> str:
    with db.scope() as session:
        cached = cached_conversation(session, workspace_id, users)
    if cached:
        return cached
    channel = gateway.open_conversation(users)
    with db.scope() as session:
        remember_conversation(session, workspace_id=workspace_id, users=users,
                              channel_id=channel, now=now)
    return channel


def backoff(attempts: int) -> timedelta:
    """Exponential backoff with full jitter, capped at ten minutes."""
    ceiling = min(600.0, 5.0 * 2 ** max(0, attempts - 1))
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))
