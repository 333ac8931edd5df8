"""Keeping thread replies faithfully: new replies, edits and deletions from Slack events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.rituals.commitments import CommitmentError, is_commitment_line
from bot.rituals.goals import GoalError, is_goal_line
from bot.services.commitments import sync_commitment_from_reply
from bot.services.context import Services
from bot.services.followups import Followup, Note, Reaction
from bot.services.goals import sync_goal_from_reply
from bot.storage import occurrences
from bot.storage.events import first_delivery
from bot.storage.models import Occurrence, Reply
from bot.storage.replies import find_reply, insert_reply, store_reply
from bot.storage.scoping import in_workspace, reply_in_workspace


@dataclass(frozen=True)
class ReplyFeedback:
    """What to tell the author after the transaction: a reaction or a private note."""

    workspace_id: str
    channel_id: str
    ts: str
    user_id: str
    error: str | None = None
    thread_ts: str | None = None  # the thread the person is writing in


def handle_message_event(
    services: Services, *, workspace_id: str, event: dict[str, Any], event_id: str | None
) -> ReplyFeedback | None:
    """Keep a message event of `workspace_id`: only threads of that workspace count."""
    now = services.now()
    with services.db.scope() as session:
        if event_id and not first_delivery(session, event_id=event_id, now=now):
            return None  # Slack's retry of an event already handled
        subtype = event.get("subtype")
        if subtype == "message_changed":
            return _edited(session, workspace_id, event, now=now)
        if subtype == "message_deleted":
            _deleted(session, workspace_id, event)
            return None
        if subtype is None or subtype == "thread_broadcast":
            return _new_reply(session, workspace_id, event, now=now)
    return None


def _thread_occurrence(session: Session, workspace_id: str, channel: str,
                       message: dict[str, Any]) -> Occurrence | None:
    thread_ts = message.get("thread_ts")
    if not thread_ts or thread_ts == message.get("ts"):
        return None  # not a reply in a thread
    return in_workspace(occurrences.occurrence_for_thread(session, channel_id=channel,
                                                          ts=thread_ts), workspace_id)


def _stored_reply(session: Session, workspace_id: str, channel: str, ts: str) -> Reply | None:
    """A stored reply in a thread of `workspace_id`, if there is one."""
    return reply_in_workspace(session, find_reply(session, channel_id=channel, ts=ts),
                              workspace_id)


def _is_participant(session: Session, message: dict[str, Any], occurrence: Occurrence
                    ) -> bool:
    if message.get("bot_id") or message.get("subtype") == "bot_message":
        return False
    return message.get("user") in occurrences.participants(session, occurrence)


def _new_reply(session: Session, workspace_id: str, event: dict[str, Any], *, now: datetime
               ) -> ReplyFeedback | None:
    channel = event.get("channel", "")
    occurrence = _thread_occurrence(session, workspace_id, channel, event)
    if occurrence is None or not _is_participant(session, event, occurrence):
        return None
    text = event.get("text", "")
    stored = {"occurrence_id": occurrence.id, "channel_id": channel, "ts": event["ts"],
              "user_id": event["user"], "text": text, "now": now}
    records_something, _sync = _line_kind(session, occurrence)
    if not records_something(text):
        # The hot path: a brand-new reply cannot have a commitment or goal yet, so
        # there is nothing to keep in step and it is stored without being read back.
        insert_reply(session, **stored)
        return None
    reply = store_reply(session, **stored)
    if reply is None:
        return None
    return _commitment_feedback(session, workspace_id, reply, occurrence, now=now)


def _edited(session: Session, workspace_id: str, event: dict[str, Any], *, now: datetime
            ) -> ReplyFeedback | None:
    channel = event.get("channel", "")
    message = event.get("message", {})
    reply = _stored_reply(session, workspace_id, channel, message.get("ts", ""))
    if reply is None:
        return None
    reply.text, reply.edited_at = message.get("text", ""), now
    occurrence = session.get_one(Occurrence, reply.occurrence_id)
    return _commitment_feedback(session, workspace_id, reply, occurrence, now=now)


def _deleted(session: Session, workspace_id: str, event: dict[str, Any]) -> None:
    reply = _stored_reply(session, workspace_id, event.get("channel", ""),
                          event.get("deleted_ts", ""))
    if reply is not None:
        sync_commitment_from_reply(session, reply, occurrence=None, deleted=True, now=None)
        sync_goal_from_reply(session, reply, occurrence=None, deleted=True, now=None)
        session.delete(reply)


def _commitment_feedback(session: Session, workspace_id: str, reply: Reply,
                         occurrence: Occurrence, *, now: datetime) -> ReplyFeedback | None:
    """Keep what a `commit:` (or, in a goal session, `goal:`) reply records in step."""
    is_line, sync = _line_kind(session, occurrence)
    if not is_line(reply.text):
        sync(session, reply, occurrence=occurrence, deleted=True, now=now)
        return None
    try:
        sync(session, reply, occurrence=occurrence, deleted=False, now=now)
    except (CommitmentError, GoalError) as exc:
        return ReplyFeedback(workspace_id, reply.channel_id, reply.ts, reply.user_id,
                             error=str(exc), thread_ts=occurrence.message_ts)
    return ReplyFeedback(workspace_id, reply.channel_id, reply.ts, reply.user_id,
                         thread_ts=occurrence.message_ts)


def _line_kind(session: Session, occurrence: Occurrence
               ) -> tuple[Callable[[str], bool], Callable[..., None]]:
    """Which lines record something in this thread, and how to keep that in step."""
    if occurrences.ritual_kind(session, occurrence) == "monthly_goals":
        return is_goal_line, sync_goal_from_reply
    return is_commitment_line, sync_commitment_from_reply


def acknowledge(feedback: ReplyFeedback) -> Followup:
    """What to tell the author once the reply is stored and Slack has its answer: a
    pushpin (and their Home, which lists the commitment or goal), or a private note in
    the thread on what to fix."""
    if feedback.error is None:
        return Followup(feedback.workspace_id,
                        (Reaction(feedback.channel_id, feedback.ts, "pushpin"),),
                        homes=(feedback.user_id,))
    return Followup(feedback.workspace_id, (Note(
        feedback.user_id, "Your reply is saved, but nothing was recorded from it: "
        f"{feedback.error}", channel=feedback.channel_id, thread_ts=feedback.thread_ts),))
