"""Keeping thread replies faithfully: new replies, edits and deletions from Slack events."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.core.message_events import PostedMessage, is_answer, posted_message, text_field
from bot.domain.share_lines import ShareLines, share_lines
from bot.platform.context import Services
from bot.platform.followups import Followup, Note, Reaction
from bot.rituals import registry
from bot.rituals.base import ReplyLines
from bot.storage import occurrences
from bot.storage.events import first_delivery, first_delivery_in_thread
from bot.storage.limits import fits, storable_text
from bot.storage.models import Occurrence, ProcessedEvent, Reply
from bot.storage.replies import find_reply, insert_reply, store_reply
from bot.storage.scoping import in_workspace, reply_in_workspace, workspace_of
from bot.storage.shares import share_reply, withdraw_keyword_share

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReplyFeedback:
    """What to tell the author after the transaction: a reaction or a private note."""

    workspace_id: str
    channel_id: str
    ts: str
    user_id: str
    error: str | None = None
    thread_ts: str | None = None  # the thread the person is writing in
    recorded: bool = True  # a ritual's line (`commit:`, `goal:`) recorded: the 📌
    shared: str | None = None  # what its `share:` lines did, told privately


def handle_message_event(
    services: Services, *, workspace_id: str, event: dict[str, Any], event_id: object
) -> ReplyFeedback | None:
    """Keep a message event of `workspace_id`: only threads of that workspace count.

    Whatever the event carries, it is kept or ignored, never an error: a partial or
    null payload, or an id no database column can hold, is acknowledged and ignored.
    """
    if event_id is not None and not fits(event_id, ProcessedEvent.event_id):
        log.warning("message event ignored: its event_id is not a Slack event id (%s)",
                    _describe(event_id))
        return None
    channel = text_field(event, "channel")
    if channel is None or not fits(channel, Reply.channel_id):
        return None  # not one of tend's conversations
    now = services.now()
    subtype = event.get("subtype")
    with services.db.scope() as session:
        answer = posted_message(event) if is_answer(subtype) else None
        thread_ts = _tend_thread_ts(answer)
        if answer is not None and thread_ts is not None:
            # The hot path, a reply in a thread: its event id recorded and the thread's
            # occurrence found in one statement on PostgreSQL (None for a retry).
            occurrence = (
                first_delivery_in_thread(session, event_id=event_id, now=now,
                                         channel_id=channel, ts=thread_ts)
                if isinstance(event_id, str) else
                occurrences.occurrence_for_thread(session, channel_id=channel, ts=thread_ts))
            return _new_reply(session, in_workspace(occurrence, workspace_id), channel,
                              answer, now=now)
        if isinstance(event_id, str) and not first_delivery(session, event_id=event_id,
                                                            now=now):
            return None  # Slack's retry of an event already handled
        if subtype == "message_changed":
            return _edited(session, workspace_id, channel,
                           posted_message(event.get("message")), now=now)
        if subtype == "message_deleted":
            _deleted(session, workspace_id, channel, text_field(event, "deleted_ts"))
    return None


def _describe(value: object) -> str:
    """How a refused id is logged: its kind and length, never its content."""
    if isinstance(value, str):
        return f"{len(value)} characters"
    return type(value).__name__


def _tend_thread_ts(message: PostedMessage | None) -> str | None:
    """The thread's ts if the message is a reply in a thread that could be tend's (its
    ts would fit the column), else None."""
    if message is None or not message.is_reply() or not fits(message.thread_ts,
                                                             Occurrence.message_ts):
        return None
    return message.thread_ts


def _stored_reply(session: Session, workspace_id: str, channel: str, ts: str | None
                  ) -> Reply | None:
    """A stored reply in a thread of `workspace_id`, if there is one."""
    if not fits(ts, Reply.ts):
        return None  # no stored reply has such a ts
    return reply_in_workspace(session, find_reply(session, channel_id=channel, ts=ts),
                              workspace_id)


def _participant(session: Session, message: PostedMessage, occurrence: Occurrence
                 ) -> str | None:
    """The message's author, if a person taking part in the occurrence wrote it."""
    if message.from_bot or message.user not in registry.participants(session, occurrence):
        return None
    return message.user


def _text_to_store(message: PostedMessage) -> str:
    """What the person wrote, minus the characters no database can hold (logged)."""
    written = message.text or ""
    text = storable_text(written)
    if text != written:
        log.info("reply %s: characters a database cannot hold (NUL, unpaired surrogates) "
                 "left out or replaced, the rest kept", message.ts)
    return text


def _new_reply(session: Session, occurrence: Occurrence | None, channel: str,
               message: PostedMessage, *, now: datetime) -> ReplyFeedback | None:
    """A reply in `occurrence`'s thread (None: not a thread of the workspace's)."""
    author = _participant(session, message, occurrence) if occurrence else None
    if occurrence is None or author is None:
        return None
    if not fits(message.ts, Reply.ts):
        # Every Slack ts fits; this one cannot be stored, so it cannot be kept.
        log.warning("reply in occurrence %s ignored: its ts is not a Slack ts (%s)",
                    occurrence.id, _describe(message.ts))
        return None
    text = _text_to_store(message)
    lines = _lines(session, occurrence)
    shares = share_lines(text)
    if shares is None and (lines is None or not lines.is_line(text)):
        # The hot path: a brand-new reply cannot have a commitment or goal yet, so
        # there is nothing to keep in step and it is stored without being read back.
        insert_reply(session, occurrence_id=occurrence.id, channel_id=channel,
                     ts=message.ts, user_id=author, text=text, now=now)
        return None
    reply = store_reply(session, occurrence_id=occurrence.id, channel_id=channel,
                        ts=message.ts, user_id=author, text=text, now=now)
    if reply is None:
        return None
    workspace_id = workspace_of(occurrence)
    return _with_share(_commitment_feedback(session, workspace_id, reply, occurrence, now=now),
                       _share(session, reply, shares, now=now), workspace_id, reply,
                       occurrence)


def _edited(session: Session, workspace_id: str, channel: str,
            message: PostedMessage | None, *, now: datetime) -> ReplyFeedback | None:
    if message is None or message.text is None or not message.edited:
        # Null or partial, or a change Slack made itself (a link unfurl): not an edit.
        return None
    reply = _stored_reply(session, workspace_id, channel, message.ts)
    if reply is None:
        return None
    if message.user != reply.user_id or message.edited_by not in (None, reply.user_id):
        log.warning("edit of reply %s ignored: it does not come from the reply's author",
                    reply.id)
        return None
    text = _text_to_store(message)
    if text == reply.text:
        return None  # the same words: nothing to update, nothing to acknowledge again
    had_share = share_lines(reply.text)
    reply.text, reply.edited_at = text, now
    occurrence = session.get_one(Occurrence, reply.occurrence_id)
    shares = share_lines(text)
    shared = _share(session, reply, shares, now=now) if shares != had_share else None
    return _with_share(_commitment_feedback(session, workspace_id, reply, occurrence, now=now),
                       shared, workspace_id, reply, occurrence)


def _deleted(session: Session, workspace_id: str, channel: str, deleted_ts: str | None
             ) -> None:
    reply = _stored_reply(session, workspace_id, channel, deleted_ts)
    if reply is not None:
        lines = _lines(session, session.get_one(Occurrence, reply.occurrence_id))
        if lines is not None:  # what the reply recorded goes with it
            lines.sync(session, reply, occurrence=None, deleted=True, now=None)
        session.delete(reply)


def _commitment_feedback(session: Session, workspace_id: str, reply: Reply,
                         occurrence: Occurrence, *, now: datetime) -> ReplyFeedback | None:
    """Keep what a `commit:` (or, in a goal session, `goal:`) reply records in step."""
    lines = _lines(session, occurrence)
    if lines is None:
        return None
    if not lines.is_line(reply.text):
        lines.sync(session, reply, occurrence=occurrence, deleted=True, now=now)
        return None
    try:
        lines.sync(session, reply, occurrence=occurrence, deleted=False, now=now)
    except lines.errors as exc:
        return ReplyFeedback(workspace_id, reply.channel_id, reply.ts, reply.user_id,
                             error=str(exc), thread_ts=occurrence.message_ts)
    return ReplyFeedback(workspace_id, reply.channel_id, reply.ts, reply.user_id,
                         thread_ts=occurrence.message_ts)


SHARED = ("Offered to the team digest{how}: only the words after `share{named}:`, not the "
          "rest of your reply. Edit that line away or delete the reply to take it back.")
NOTHING_TO_SHARE = ("Nothing was shared: write your words after `share:` (unnamed) or "
                    "`share named:` (signed with your name), on the same line.")


def _share(session: Session, reply: Reply, shares: ShareLines | None, *, now: datetime
           ) -> str | None:
    """Keep what the reply's `share:` lines offer to the digest in step with them; what
    to tell its author privately (None: nothing to say, no share lines)."""
    if shares is None or not shares.words:
        withdraw_keyword_share(session, reply)
        return NOTHING_TO_SHARE if shares is not None else None
    share_reply(session, reply, kind="highlight", named=shares.named, by_keyword=True, now=now)
    return SHARED.format(how=", signed with your name" if shares.named else ", unnamed",
                         named=" named" if shares.named else "")


def _with_share(feedback: ReplyFeedback | None, shared: str | None, workspace_id: str,
                reply: Reply, occurrence: Occurrence) -> ReplyFeedback | None:
    """The ritual line's feedback with what the share lines did added to it."""
    if shared is None:
        return feedback
    if feedback is None:
        return ReplyFeedback(workspace_id, reply.channel_id, reply.ts, reply.user_id,
                             thread_ts=occurrence.message_ts, recorded=False, shared=shared)
    return replace(feedback, shared=shared)


def _lines(session: Session, occurrence: Occurrence) -> ReplyLines | None:
    """Which lines record something in this thread (`commit:`, `goal:`), and how to keep
    that in step: its ritual's, or None if its replies record nothing."""
    ritual = registry.find(occurrences.ritual_of(session, occurrence).kind)
    return ritual.reply_lines if ritual else None


def acknowledge(feedback: ReplyFeedback) -> Followup:
    """What to tell the author once the reply is stored and Slack has its answer: a
    pushpin (and their Home, which lists the commitment or goal), or a private note in
    the thread on what to fix."""
    steps: list[Reaction | Note] = []
    if feedback.error is not None:
        steps.append(Note(feedback.user_id, "Your reply is saved, but nothing was recorded "
                          f"from it: {feedback.error}", channel=feedback.channel_id,
                          thread_ts=feedback.thread_ts))
    elif feedback.recorded:
        steps.append(Reaction(feedback.channel_id, feedback.ts, "pushpin"))
    if feedback.shared is not None:  # told to its author alone (P3: their own act)
        steps.append(Note(feedback.user_id, feedback.shared, channel=feedback.channel_id,
                          thread_ts=feedback.thread_ts))
    recorded = feedback.error is None and feedback.recorded
    return Followup(feedback.workspace_id, tuple(steps),
                    homes=(feedback.user_id,) if recorded else ())
