"""Everything stored about one person, for them (P6: people own their data)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.models import Commitment, Occurrence, Person, Reply, Team, TeamRole


def export_user(session: Session, user_id: str) -> dict[str, Any]:
    person = session.get(Person, user_id)
    roles = session.execute(
        select(TeamRole, Team.key).join(Team).where(TeamRole.user_id == user_id)
        .order_by(Team.key, TeamRole.role)
    ).all()
    replies = session.scalars(select(Reply).where(Reply.user_id == user_id).order_by(Reply.id))
    commitments = session.scalars(
        select(Commitment).where(Commitment.owner_id == user_id).order_by(Commitment.id))
    checkins = session.scalars(
        select(Occurrence).where((Occurrence.subject_id == user_id)
                                 | (Occurrence.counterpart_id == user_id))
        .order_by(Occurrence.scheduled_at))
    return {
        "user_id": user_id,
        "known": person is not None,
        "timezone": person.tz if person else None,
        "memberships": [
            {"team": key, "role": role.role, "active": role.active,
             "since": role.since.isoformat(), "until": _iso(role.until),
             "line_manager": role.line_manager_id}
            for role, key in roles
        ],
        "check_ins": [
            {"id": o.id, "scheduled_at": o.scheduled_at.isoformat(), "status": o.status,
             "with": o.counterpart_id if o.subject_id == user_id else o.subject_id}
            for o in checkins
        ],
        "answers": [
            {"check_in": r.occurrence_id, "ts": r.ts, "text": r.text,
             "written_at": r.created_at.isoformat(), "edited_at": _iso(r.edited_at)}
            for r in replies
        ],
        "commitments": [
            {"id": c.id, "text": c.text, "due_date": c.due_date.isoformat(),
             "status": c.status, "times_carried": c.times_carried,
             "made_at": c.created_at.isoformat(), "closed_at": _iso(c.closed_at)}
            for c in commitments
        ],
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
