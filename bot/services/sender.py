"""Draining the outbox: the only path by which scheduled messages reach Slack."""

from __future__ import annotations

import base64
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.messages.render import render_message
from bot.slack.gateway import SlackCallError, SlackGateway
from bot.slack.workspaces import SlackWorkspaces
from bot.storage import outbox
from bot.storage.conversations import cached_conversation, remember_conversation
from bot.storage.db import Database
from bot.storage.outbox import ClaimedMessage

log = logging.getLogger(__name__)

BATCH = 50
MAX_ATTEMPTS = 8
# Slack allows about one message per second per channel, with short bursts.
CHANNEL_BURST = 3
CHANNEL_INTERVAL = 1.0


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    retrying: int = 0


def drain_outbox(db: Database, slack: SlackWorkspaces, *, now: datetime,
                 max_batches: int = 1000) -> SendReport:
    """Send what is due, each message as its own workspace's bot."""
    report = SendReport()
    started = time.monotonic()
    pacer = ChannelPacer()

    def current() -> datetime:  # `now`, moved on by the time this drain has taken
        return now + timedelta(seconds=time.monotonic() - started)

    for _ in range(max_batches):
        # Leases count from the claim, not from the tick: a long drain must not let
        # another clock re-claim rows this one is still sending.
        claim_time = current()
        def claim(at: datetime = claim_time) -> list[ClaimedMessage]:
            with db.scope() as session:
                return outbox.claim_due(session, now=at, limit=BATCH)

        claimed = db.retry_on_connection_loss(claim, what="claiming messages")
        if not claimed:
            break
        for message in claimed:
            channel = message.channel_id or ",".join(sorted(message.users))
            if not pacer.may_post(channel):
                with db.scope() as session:  # this channel's turn comes in a second
                    outbox.release(session, message_id=message.id,
                                   at=claim_time + timedelta(seconds=CHANNEL_INTERVAL))
                continue
            _send_one(db, slack, message, now=now, report=report, clock=current)
    return report


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


def _send_one(db: Database, slack: SlackWorkspaces, message: ClaimedMessage, *,
              now: datetime, report: SendReport, clock: Callable[[], datetime]) -> None:
    try:
        gateway = slack.gateway(message.workspace_id)  # uninstalled: a permanent failure
        channel = message.channel_id or _conversation_for(
            db, gateway, message.workspace_id, message.users, now=now)
        if message.payload.get("join"):
            _join(gateway, channel)
        # A second attempt may follow a post that Slack accepted but we never recorded
        # (a crash, or a timeout after success): look before posting again.
        ts = gateway.find_posted(channel, message.key) if message.attempts > 1 else None
        if ts is None:
            ts = gateway.post_message(
                channel, text=message.payload["text"], blocks=message.payload.get("blocks"),
                outbox_key=message.key,
            )
    except SlackCallError as exc:
        with db.scope() as session:
            if exc.permanent or message.attempts >= MAX_ATTEMPTS:
                outbox.mark_failed(session, message_id=message.id, error=exc.error)
                _notify_failure(session, message, error=exc.error, now=now)
                report.failed += 1
                log.warning("outbox %s gave up: %s", message.key, exc)
            else:
                outbox.mark_retry(session, message_id=message.id, error=exc.error,
                                  failed_at=clock(),
                                  delay=backoff(message.attempts))
                report.retrying += 1
        return
    def record_sent() -> None:
        with db.scope() as session:
            outbox.mark_sent(session, message_id=message.id, channel_id=channel, ts=ts,
                             now=now)

    # The post is out: if the database connection drops now, record it on a fresh one
    # rather than leave the row to its lease (and the history check) for minutes.
    db.retry_on_connection_loss(record_sent, what="recording a post")
    report.sent += 1
    if upload := message.payload.get("upload"):
        _upload(gateway, upload, channel=channel, thread_ts=ts)


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
    rendered = render_message("notice.json.j2", text=text)
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
