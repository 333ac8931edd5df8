"""How a commitment reads in a check-in or a quad cycle (shared by both rituals)."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.domain.enums import CommitmentStatus
from bot.domain.outcomes import CARRIED_NOTE, STATUS_NOTES
from bot.storage.models import Commitment

# Each open commitment takes two blocks; keep the message well under Slack's 50.
MAX_LISTED_COMMITMENTS = 15


def commitment_view(commitment: Commitment, *, occurrence_id: int, today: date
                    ) -> dict[str, Any]:
    carried_here = commitment.carried_in_occurrence_id == occurrence_id
    note = STATUS_NOTES.get(commitment.status, "")
    if commitment.status == CommitmentStatus.OPEN and carried_here:
        note = f"{CARRIED_NOTE} to the next check-in"
    elif commitment.status == CommitmentStatus.OPEN and commitment.due_date < today:
        note = "  (past its date)"
    return {"id": commitment.id, "owner_id": commitment.owner_id, "text": commitment.text,
            "due_date": commitment.due_date, "open": commitment.status == CommitmentStatus.OPEN,
            "status_note": note, "carried_here": carried_here}
