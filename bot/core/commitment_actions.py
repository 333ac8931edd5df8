"""What happens when someone clicks in a check-in or submits its commitment modal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from bot.messages.ids import BlockId
from bot.messages.render import Message, Template, render_message, render_view
from bot.platform.context import Services
from bot.platform.followups import Followup, Note, Post, Update
from bot.platform.notices import open_form
from bot.rituals import registry
from bot.rituals.common import commitment_rules as rules
from bot.rituals.common.commitments import close_commitment, local_today, record_commitment
from bot.storage import occurrences
from bot.storage.events import first_delivery, handled
from bot.storage.models import Occurrence
from bot.storage.scoping import in_workspace, occurrence_in_workspace

NOT_A_PARTICIPANT = "Only the two people in this check-in can add commitments to it."
NO_COMMITMENTS = "This conversation does not take commitments."


def open_commitment_modal(services: Services, *, workspace_id: str, occurrence_id: int,
                          user_id: str, trigger_id: str) -> str | None:
    """Open the modal (views.open must use the trigger within 3 s, so it is done before
    the ack); returns what to tell the person privately instead, if anything."""
    with services.db.scope() as session:
        occurrence = occurrence_in_workspace(session, occurrence_id, workspace_id)
        allowed = (occurrence is not None
                   and user_id in registry.participants(session, occurrence))
        today = local_today(session, workspace_id, user_id, services.now())
        # A quad commitment is for the cycle: suggest the next cycle's date.
        next_cycle = occurrence.details.get("next_cycle") if occurrence else None
    if not allowed:
        return NOT_A_PARTICIPANT
    view = render_view(Template.COMMITMENT_MODAL, occurrence_id=occurrence_id,
                       initial_due=(date.fromisoformat(next_cycle) if next_cycle
                                    else today + timedelta(days=7)), min_length=rules.MIN_LENGTH,
                       max_length=rules.MAX_LENGTH)
    return open_form(services, workspace_id=workspace_id, trigger_id=trigger_id, view=view,
                     form="commitment", again="Click *Add commitment* again.")


@dataclass(frozen=True)
class Submission:
    errors: dict[str, str]  # block_id -> message, shown inline; empty when saved
    followup: Followup | None = None  # the thread's confirmation and the owner's Home


def submit_commitment(services: Services, *, workspace_id: str, user_id: str,
                      occurrence_id: int, what: str, due: str | None,
                      submission_id: str) -> Submission:
    """Record the commitment once per submitted view (`submission_id`): a second
    submission of the same view is answered like the first and records nothing."""
    now = services.now()
    with services.db.scope() as session:
        if handled(session, event_id=submission_id):
            return Submission({})
        occurrence = occurrence_in_workspace(session, occurrence_id, workspace_id)
        if occurrence is None or user_id not in registry.participants(session, occurrence):
            return Submission({BlockId.COMMITMENT_WHAT: NOT_A_PARTICIPANT})
        policy = registry.of_occurrence(session, occurrence).commitments
        if policy is None:
            return Submission({BlockId.COMMITMENT_WHAT: NO_COMMITMENTS})
        today = local_today(session, workspace_id, user_id, now)
        try:
            due_date = date.fromisoformat(due) if due else None
        except ValueError:
            return Submission({BlockId.COMMITMENT_DUE: "Pick a date from the calendar."})
        try:
            draft = rules.validate_commitment(what or "", due_date, today=today)
        except rules.CommitmentError as exc:
            field = (BlockId.COMMITMENT_DUE if due_date is None or "date" in str(exc)
                     else BlockId.COMMITMENT_WHAT)
            return Submission({field: str(exc)})
        if not first_delivery(session, event_id=submission_id, now=now):
            return Submission({})  # a twin recorded it (last guard; `handled` waits)
        record_commitment(session, occurrence=occurrence, owner_id=user_id, draft=draft,
                          now=now, policy=policy)
        message = render_message(Template.COMMITMENT_RECORDED, owner_id=user_id,
                                 what=draft.what, due_date=draft.due_date)
        confirmation = ((Post(occurrence.channel_id, occurrence.message_ts, message.text,
                              message.blocks),)
                        if occurrence.channel_id and occurrence.message_ts else ())
    return Submission({}, Followup(workspace_id, confirmation, homes=(user_id,)))


def close_from_button(services: Services, *, workspace_id: str, commitment_id: int,
                      decision: str, user_id: str, channel_id: str, message_ts: str
                      ) -> Followup:
    """Record the click; the followup updates the message in place and the clicker's
    Home, or says privately why nothing changed."""
    now = services.now()
    with services.db.scope() as session:
        occurrence = in_workspace(occurrences.occurrence_for_thread(
            session, channel_id=channel_id, ts=message_ts), workspace_id)
        outcome = close_commitment(session, workspace_id=workspace_id,
                                   commitment_id=commitment_id, user_id=user_id,
                                   decision=decision,
                                   occurrence_id=occurrence.id if occurrence else None, now=now,
                                   policy_of=registry.commitment_policy)
        updated = (rendered_now(session, occurrence, workspace_id=workspace_id, user_id=user_id,
                                now=now)
                   if outcome.ok and occurrence is not None else None)
    if not outcome.ok:
        return Followup(workspace_id, (Note(user_id, outcome.message or "That did not work.",
                                            channel=channel_id),))
    return Followup(workspace_id, (Update(channel_id, message_ts, updated.text,
                                          updated.blocks),) if updated else (),
                    homes=(user_id,))


def rendered_now(session: Session, occurrence: Occurrence, *, workspace_id: str, user_id: str,
                 now: datetime) -> Message | None:
    """The occurrence's message as it should read now, for an update in place."""
    today = local_today(session, workspace_id, user_id, now)
    return registry.of_occurrence(session, occurrence).render_occurrence(
        session, occurrence, today=today)
