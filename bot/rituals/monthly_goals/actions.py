"""Sharing goals (modal or thread) and closing them from the private review."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.domain.enums import GoalDecision, GoalStatus
from bot.domain.outcomes import STATUS_WORDS
from bot.messages.ids import goal_block
from bot.messages.render import Message, render_view
from bot.platform.context import Services
from bot.platform.followups import Followup, Note, Post, Update
from bot.platform.guard import record_id
from bot.platform.notices import open_form
from bot.rituals.common.commitments import local_today
from bot.rituals.common.sessions import month_label
from bot.rituals.monthly_goals import rules
from bot.rituals.monthly_goals.messages import render_review, render_shared
from bot.storage import occurrences
from bot.storage.events import first_delivery, handled
from bot.storage.goals import add_goal, goal_for_reply, goals_in_session, latest_session
from bot.storage.models import Goal, Occurrence, Reply
from bot.storage.scoping import occurrence_in_workspace, workspace_of
from bot.storage.teams import active_role_holders

NOT_IN_TEAM = "Only members of this team can share goals in its session."
CLOSING: dict[str, GoalStatus] = {
    GoalDecision.DONE: GoalStatus.DONE, GoalDecision.PARTLY: GoalStatus.PARTLY,
    GoalDecision.NOT_DONE: GoalStatus.NOT_DONE}


def session_participants(session: Session, occurrence: Occurrence) -> set[str]:
    """A goal session is in the team channel: everyone with a role in the team."""
    return active_role_holders(session, occurrences.ritual_of(session, occurrence).team_id)


def _month(occurrence: Occurrence) -> str:
    return month_label(occurrence.scheduled_at, occurrence.ritual.team.timezone)


def open_goals_modal(services: Services, *, workspace_id: str, occurrence_id: int,
                     user_id: str, trigger_id: str) -> str | None:
    """Open the modal before the ack (the trigger lasts 3 s); returns what to tell the
    person privately instead, if anything."""
    with services.db.scope() as session:
        occurrence = occurrence_in_workspace(session, occurrence_id, workspace_id)
        refusal = _refusal(session, occurrence, user_id)
        if refusal is None and occurrence is not None:
            left = rules.MAX_GOALS_PER_MONTH - goals_in_session(
                session, occurrence_id=occurrence_id, owner_id=user_id)
            refusal = None if left > 0 else (
                f"You have shared {rules.MAX_GOALS_PER_MONTH} goals this month already.")
            today = local_today(session, workspace_id, user_id, services.now())
            month = _month(occurrence)
    if refusal is not None:
        return refusal
    view = render_view("goals_modal.json.j2", occurrence_id=occurrence_id,
                       slots=list(range(1, left + 1)), month_label=month,
                       initial_due=today + timedelta(days=28), max_length=rules.MAX_LENGTH)
    return open_form(services, workspace_id=workspace_id, trigger_id=trigger_id, view=view,
                     form="goals", again="Click *Share my goals* again.")


def _refusal(session: Session, occurrence: Occurrence | None, user_id: str) -> str | None:
    if occurrence is None or user_id not in session_participants(session, occurrence):
        return NOT_IN_TEAM
    return None


@dataclass(frozen=True)
class GoalsSubmission:
    errors: dict[str, str]
    followup: Followup | None = None  # the goals in the session's thread, the owner's Home


def submit_goals(services: Services, *, workspace_id: str, user_id: str, occurrence_id: int,
                 slots: dict[int, dict[str, str | None]], submission_id: str
                 ) -> GoalsSubmission:
    """Validate every filled slot; store all of them or none, once per submitted view."""
    now = services.now()
    with services.db.scope() as session:
        if handled(session, event_id=submission_id):
            return GoalsSubmission({})
        occurrence = occurrence_in_workspace(session, occurrence_id, workspace_id)
        if (refusal := _refusal(session, occurrence, user_id)) or occurrence is None:
            return GoalsSubmission({goal_block(1, "what"): refusal or NOT_IN_TEAM})
        today = local_today(session, workspace_id, user_id, now)
        drafts, errors = _drafts(slots, today=today)
        already = goals_in_session(session, occurrence_id=occurrence_id, owner_id=user_id)
        if not errors and already + len(drafts) > rules.MAX_GOALS_PER_MONTH:
            errors[goal_block(1, "what")] = (
                f"Up to {rules.MAX_GOALS_PER_MONTH} goals a month: you have {already} already.")
        if errors:
            return GoalsSubmission(errors)
        if not first_delivery(session, event_id=submission_id, now=now):
            return GoalsSubmission({})  # a twin recorded it (last guard; `handled` waits)
        goals = [add_goal(session, session_occurrence=occurrence, owner_id=user_id, draft=d,
                          now=now) for d in drafts]
        message = render_shared(user_id, goals, month=_month(occurrence))
        post = _post(occurrence, message)
    return GoalsSubmission({}, Followup(workspace_id, post, homes=(user_id,)))


def _post(occurrence: Occurrence, message: Message) -> tuple[Post, ...]:
    """`message` in the occurrence's thread, once it has been posted."""
    if not (occurrence.channel_id and occurrence.message_ts):
        return ()
    return (Post(occurrence.channel_id, occurrence.message_ts, message.text, message.blocks),)


def _drafts(slots: dict[int, dict[str, str | None]], *, today: date
            ) -> tuple[list[rules.GoalDraft], dict[str, str]]:
    drafts: list[rules.GoalDraft] = []
    errors: dict[str, str] = {}
    for slot, values in sorted(slots.items()):
        if not any(values.values()) and slot != 1:
            continue  # an optional goal left empty
        try:
            written = values.get("due")
            due = date.fromisoformat(written) if written else None
        except ValueError:
            errors[goal_block(slot, "due")] = "Pick a date from the calendar."
            continue
        try:
            drafts.append(rules.validate_goal(values.get("what") or "",
                                              values.get("measure") or "", due, today=today))
        except rules.GoalError as exc:
            errors[goal_block(slot, exc.field)] = str(exc)
    return drafts, errors


def sync_goal_from_reply(session: Session, reply: Reply, *, occurrence: Occurrence | None,
                         deleted: bool, now: datetime | None) -> None:
    """Make the goal written in a `goal:` reply match the reply's current text."""
    existing = goal_for_reply(session, reply.id)
    if deleted:
        if existing is not None:
            session.delete(existing)
        return
    assert occurrence is not None and now is not None
    draft = rules.parse_goal_line(reply.text, today=local_today(
        session, workspace_of(occurrence), reply.user_id, now))
    if existing is None:
        if goals_in_session(session, occurrence_id=occurrence.id, owner_id=reply.user_id) >= (
                rules.MAX_GOALS_PER_MONTH):
            raise rules.GoalError(f"Up to {rules.MAX_GOALS_PER_MONTH} goals a month.")
        add_goal(session, session_occurrence=occurrence, owner_id=reply.user_id, draft=draft,
                 now=now, reply_id=reply.id)
    elif existing.status == GoalStatus.OPEN:
        existing.what, existing.measure, existing.due_date = (
            draft.what, draft.measure, draft.due_date)


_GOAL_BLOCK = re.compile(r"^goal-(\d+)$")
CARRY_DUE_BLOCK = "carry_due"


def listed_goal_ids(block_ids: list[str]) -> list[int]:
    """The goals a review message lists, from its block ids (`goal-<id>`)."""
    return [int(m.group(1)) for b in block_ids if (m := _GOAL_BLOCK.match(b))]


@dataclass(frozen=True)
class ReviewMessage:
    """The private review a click came from: where it is, and which goals it lists."""

    channel_id: str
    message_ts: str
    listed: tuple[int, ...]


def close_from_review(services: Services, *, workspace_id: str, goal_id: int, decision: str,
                      user_id: str, review: ReviewMessage) -> Followup:
    """Record how a goal ended (Done, Partly, Not done): the followup re-renders the
    review, or says privately why not. Carrying over goes through the date form."""
    if decision == GoalDecision.CARRY:
        raise ValueError("carry a goal over with carry_goal: it needs its new date")
    with services.db.scope() as session:
        goal, refusal = _own_open_goal(session, workspace_id, goal_id, user_id)
        if refusal is not None or goal is None:
            return _refused(workspace_id, user_id, review, refusal)
        goal.status, goal.closed_at = CLOSING[decision], services.now()
        updated = _rerendered(session, goal, review, user_id)
    return Followup(workspace_id, (updated,), homes=(user_id,))


def open_carry_modal(services: Services, *, workspace_id: str, goal_id: int, user_id: str,
                     trigger_id: str, review: ReviewMessage) -> str | None:
    """*Carry over*: the form asking the owner for the goal's new date, pre-filled with
    the same day of the next month. Returns what to tell the person instead, if anything."""
    with services.db.scope() as session:
        goal, refusal = _own_open_goal(session, workspace_id, goal_id, user_id)
        if refusal is not None or goal is None:
            return refusal
        today = local_today(session, workspace_id, user_id, services.now())
        into = _into_month(session, goal)
        view = render_view(
            "goals_carry_modal.json.j2", what=goal.what, month_label=into,
            initial_date=rules.suggested_carry_date(goal.due_date, today=today),
            block_id=CARRY_DUE_BLOCK,
            metadata=json.dumps({"goal": goal.id, "channel": review.channel_id,
                                 "ts": review.message_ts, "listed": list(review.listed)}))
    return open_form(services, workspace_id=workspace_id, trigger_id=trigger_id, view=view,
                     form="carry-over", again="Click *Carry over* again.")


def carry_metadata(raw: object) -> tuple[int, ReviewMessage] | None:
    """The goal and review a carry-over form was opened for, or None if it was tampered
    with (the form's private_metadata comes back from the client)."""
    try:
        data = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    goal_id = record_id(str(data.get("goal")))
    channel, ts, listed = data.get("channel"), data.get("ts"), data.get("listed")
    if goal_id is None or not (isinstance(channel, str) and isinstance(ts, str)
                               and isinstance(listed, list)):
        return None
    ids = tuple(i for i in (record_id(str(v)) for v in listed[:50]) if i is not None)
    return goal_id, ReviewMessage(channel, ts, ids)


@dataclass(frozen=True)
class CarrySubmission:
    errors: dict[str, str]
    followup: Followup | None = None


def carry_goal(services: Services, *, workspace_id: str, goal_id: int, user_id: str,
               written_due: str | None, review: ReviewMessage) -> CarrySubmission:
    """Carry a goal over with the date its owner picked: a new open goal in the latest
    session (posted in its thread), the old one marked carried, the review re-rendered.
    A date that is not in the future, or more than a year away, is refused on the field."""
    now = services.now()
    with services.db.scope() as session:
        goal, refusal = _own_open_goal(session, workspace_id, goal_id, user_id)
        if refusal is not None or goal is None:
            return CarrySubmission({CARRY_DUE_BLOCK: refusal or "That goal no longer exists."})
        today = local_today(session, workspace_id, user_id, now)
        try:
            due = date.fromisoformat(written_due) if written_due else None
            draft = rules.validate_goal(goal.what, goal.measure, due, today=today)
        except ValueError as exc:  # GoalError, or a date that is not one
            message = str(exc) if isinstance(exc, rules.GoalError) else (
                "Pick a date from the calendar.")
            return CarrySubmission({CARRY_DUE_BLOCK: message})
        goal.status, goal.closed_at = GoalStatus.CARRIED, now
        carried_post = _carry_forward(session, goal, draft, now=now)
        updated = _rerendered(session, goal, review, user_id)
    return CarrySubmission({}, Followup(workspace_id, (updated, *carried_post),
                                        homes=(user_id,)))


def _own_open_goal(session: Session, workspace_id: str, goal_id: int, user_id: str
                   ) -> tuple[Goal | None, str | None]:
    goal = session.get(Goal, goal_id)
    if goal is not None and occurrence_in_workspace(
            session, goal.occurrence_id, workspace_id) is None:
        goal = None  # another workspace's goal: as if it did not exist
    return goal, _close_refusal(goal, user_id)


def _refused(workspace_id: str, user_id: str, review: ReviewMessage, refusal: str | None
             ) -> Followup:
    text = refusal or "That goal no longer exists."
    return Followup(workspace_id, (Note(user_id, text, channel=review.channel_id),))


def _rerendered(session: Session, goal: Goal, review: ReviewMessage, user_id: str) -> Update:
    """The review as it reads now: the goals it listed (the owner's only), and the month
    they move into, as when it was first sent."""
    shown = [g for g in (session.get(Goal, i) for i in review.listed)
             if g is not None and g.owner_id == user_id]
    updated = render_review(shown or [goal], month=_into_month(session, goal))
    return Update(review.channel_id, review.message_ts, updated.text, updated.blocks)


def _into_month(session: Session, goal: Goal) -> str:
    """The month a goal under review moves into: the latest session's, or, with none
    after the goal's own, the month after the goal's session."""
    current = latest_session(session, goal.ritual_id)
    if current is not None and current.id != goal.occurrence_id:
        return _month(current)
    origin = session.get_one(Occurrence, goal.occurrence_id)
    zone = ZoneInfo(origin.ritual.team.timezone)
    first = origin.scheduled_at.astimezone(zone).date().replace(day=1)
    return month_label(datetime.combine(rules.same_day_next_month(first), time(12), zone),
                       origin.ritual.team.timezone)


def _close_refusal(goal: Goal | None, user_id: str) -> str | None:
    if goal is None:
        return "That goal no longer exists."
    if goal.owner_id != user_id:
        return "Only the goal's owner can close it."
    if goal.status != GoalStatus.OPEN:
        return f"This goal is already marked {STATUS_WORDS[goal.status]}."
    return None


def _carry_forward(session: Session, goal: Goal, draft: rules.GoalDraft, *, now: datetime
                   ) -> tuple[Post, ...]:
    current = latest_session(session, goal.ritual_id)
    if current is None or current.id == goal.occurrence_id:
        current = session.get_one(Occurrence, goal.occurrence_id)  # kept, not lost
    carried = add_goal(session, session_occurrence=current, owner_id=goal.owner_id,
                       draft=draft, now=now, carried_from_id=goal.id)
    message = render_shared(goal.owner_id, [carried], month=_month(current), carried=True)
    return _post(current, message)
