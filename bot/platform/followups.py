"""What a listener leaves for after Slack has its answer: Slack calls, as plain data.

A listener persists first, then describes the Slack calls its answer does not need (an
update in place, a private note, a reaction, a thread post, Homes to re-publish) as a
`Followup`. Bolt answers Slack, and a lazy listener runs it (bot/handlers/after_ack.py),
where a slow or rate-limited Slack (slack_sdk sleeps through a 429's Retry-After) delays
only the followup, never the answer. The data is plain and deep-copyable because Bolt
hands its lazy listeners a deep copy of the request's context.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Note:
    """A private note to `user` (see notices.tell_privately for where it goes)."""

    user: str
    text: str
    channel: str = ""
    thread_ts: str | None = None
    response_url: str | None = None
    replace_original: bool = False


@dataclass(frozen=True)
class Update:
    """A message updated in place (a check-in after a click)."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]


@dataclass(frozen=True)
class Post:
    """A message in a thread (a commitment recorded, goals shared)."""

    channel: str
    thread_ts: str
    text: str
    blocks: list[dict[str, Any]]


@dataclass(frozen=True)
class Reaction:
    channel: str
    ts: str
    name: str


@dataclass(frozen=True)
class Home:
    """One person's Home, re-published with a `notice` on top (a refused Home click)."""

    user: str
    notice: str | None = None


Step = Note | Update | Post | Reaction | Home


@dataclass(frozen=True)
class Followup:
    """Steps in order, then the Homes of `homes` re-published (each person once)."""

    workspace_id: str
    steps: tuple[Step, ...] = ()
    homes: tuple[str, ...] = ()
