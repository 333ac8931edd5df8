"""Reading Slack's `message` events defensively: what a reply, an edit or a deletion says.

Slack's payloads can be partial or null (`"message": null`), and a signed request, or one
over Socket Mode (which no HTTP guard sees), can carry anything; so every field is read
as "a string, or nothing", never indexed blindly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The subtypes a person's own message arrives with; in a tend thread each is an answer:
# a reply with a file or screenshot, a /me reply, a reply also sent to the channel.
ANSWER_SUBTYPES = frozenset({"file_share", "me_message", "thread_broadcast"})


def text_field(container: Any, key: str) -> str | None:
    value = container.get(key) if isinstance(container, dict) else None
    return value if isinstance(value, str) else None


def is_answer(subtype: object) -> bool:
    """A message a person wrote (no subtype, or one of `ANSWER_SUBTYPES`)."""
    return subtype is None or subtype in ANSWER_SUBTYPES


@dataclass(frozen=True)
class PostedMessage:
    """One message as an event carries it: the event itself, or `message` of an edit."""

    ts: str
    user: str | None
    text: str | None  # None when the payload has no text at all (partial)
    thread_ts: str | None
    from_bot: bool
    edited: bool  # Slack marks a person's edit with `edited`; an unfurl has none
    edited_by: str | None

    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts


def posted_message(value: Any) -> PostedMessage | None:
    """The message in `value`, or None when there is none (null, not an object, no ts)."""
    ts = text_field(value, "ts")
    if ts is None:
        return None
    edited = value.get("edited")
    return PostedMessage(
        ts=ts,
        user=text_field(value, "user"),
        text=text_field(value, "text"),
        thread_ts=text_field(value, "thread_ts"),
        from_bot=bool(value.get("bot_id")) or value.get("subtype") == "bot_message",
        edited=isinstance(edited, dict),
        edited_by=text_field(edited, "user"),
    )
