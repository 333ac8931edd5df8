"""What team-wide sessions share: claiming the session, and telling coaches of failures."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain.enums import OccurrenceStatus
from bot.domain.team_rituals import TEAM_SUBJECT
from bot.rituals.common.sessions import DueSession
from bot.storage import occurrences
from bot.storage.models import Occurrence, Team
from bot.storage.teams import active_people


def claim_session(session: Session, due: DueSession, *, now: datetime,
                  held_status: str = OccurrenceStatus.PENDING) -> Occurrence | None:
    """Insert the team occurrence of a session; None when it exists (an earlier or
    concurrent tick got there first), which makes planning a session happen once."""
    held = occurrences.prompted_before(session, ritual_id=due.ritual.ritual_id,
                                       subject_id=TEAM_SUBJECT, before=due.scheduled_at)
    ids = occurrences.insert_new(session, [{
        "ritual_id": due.ritual.ritual_id, "subject_id": TEAM_SUBJECT,
        "scheduled_at": due.scheduled_at, "status": _status(due, held_status),
        "reason": "older_than_catchup_window" if due.missed else None,
        "details": {"round": held}, "created_at": now,
    }])
    return session.get_one(Occurrence, ids[0]) if ids else None


def coach_notice(team: Team, what: str) -> dict[str, object]:
    """A failure notice for the team's coaches, sent if a team post cannot be made."""
    return {"users": active_people(team, "coach"),
            "text": f"tend could not post {what} for *{team.name}* in <#{team.channel_id}>: "
                    "invite tend to the channel (`/invite @tend`) and it will post the next "
                    "one. ({error})"}


def _status(due: DueSession, held_status: str) -> str:
    if due.skipped:
        return OccurrenceStatus.SKIPPED
    return OccurrenceStatus.MISSED if due.missed else held_status
