"""Rendering a check-in from what is stored (used when posting and when updating in place)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from bot.messages.render import Message, render_message
from bot.rituals.common.commitment_view import commitment_view
from bot.rituals.weekly_feedback.config import PROMPTS
from bot.rituals.weekly_feedback.planning import week_label
from bot.storage.commitments import commitments_by_ids
from bot.storage.models import Occurrence, Person


def render_checkin(session: Session, occurrence: Occurrence, *, today: date) -> Message:
    listed = occurrence.details.get("commitments", [])
    commitments = commitments_by_ids(session, listed)
    person = session.get(Person, (occurrence.ritual.team.workspace_id, occurrence.subject_id))
    timezone = person.tz if person and person.tz else "UTC"
    # The team's questions (or the defaults), as this pair's n-th check-in shows them.
    asked = PROMPTS.resolve(occurrence.ritual.options.get("prompts"),
                            round_index=occurrence.details.get("round"))
    return render_message(
        "checkin.json.j2",
        member_id=occurrence.subject_id,
        manager_id=occurrence.counterpart_id,
        week_label=week_label(occurrence.scheduled_at, timezone),
        occurrence_id=occurrence.id,
        commitments=[commitment_view(c, occurrence_id=occurrence.id, today=today)
                     for c in commitments],
        hidden_commitments=occurrence.details.get("hidden_commitments", 0),
        first=occurrence.details.get("round") == 0,
        member_prompts=asked.of("member"), manager_prompts=asked.of("manager"),
        upward_prompts=asked.of("upward"), rotating_prompt=asked.rotating,
    )
