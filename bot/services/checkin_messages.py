"""Rendering a check-in from what is stored (used when posting and when updating in place)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from bot.messages.render import Message, render_message
from bot.rituals.weekly_feedback import week_label
from bot.storage.commitments import commitments_by_ids
from bot.storage.models import Commitment, Occurrence, Person

# Each open commitment takes two blocks; keep the message well under Slack's 50.
MAX_LISTED_COMMITMENTS = 15

STATUS_NOTES = {"done": "  ✅ *done*", "dropped": "  ➖ *dropped*", "kept": "  ✅ *kept*",
                "partly": "  ◐ *partly*", "missed": "  ✗ *missed*"}


def commitment_view(commitment: Commitment, *, occurrence_id: int, today: date
                    ) -> dict[str, Any]:
    carried_here = commitment.carried_in_occurrence_id == occurrence_id
    note = STATUS_NOTES.get(commitment.status, "")
    if commitment.status == "open" and carried_here:
        note = "  ⏳ *not yet* — carried to the next check-in"
    elif commitment.status == "open" and commitment.due_date < today:
        note = "  (past its date)"
    return {"id": commitment.id, "owner_id": commitment.owner_id, "text": commitment.text,
            "due_date": commitment.due_date, "status": commitment.status,
            "status_note": note, "carried_here": carried_here}


def render_checkin(session: Session, occurrence: Occurrence, *, today: date) -> Message:
    listed = occurrence.details.get("commitments", [])
    commitments = commitments_by_ids(session, listed)
    person = session.get(Person, (occurrence.ritual.team.workspace_id, occurrence.subject_id))
    timezone = person.tz if person and person.tz else "UTC"
    return render_message(
        "checkin.json.j2",
        member_id=occurrence.subject_id,
        manager_id=occurrence.counterpart_id,
        week_label=week_label(occurrence.scheduled_at, timezone),
        occurrence_id=occurrence.id,
        commitments=[commitment_view(c, occurrence_id=occurrence.id, today=today)
                     for c in commitments],
        hidden_commitments=occurrence.details.get("hidden_commitments", 0),
    )
