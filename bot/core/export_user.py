"""Everything stored about one person, for them (P6: people own their data)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bot.rituals import registry
from bot.storage.export import person_rows
from bot.storage.introductions import introductions_of
from bot.storage.proposals import proposals_of, votes_of


def export_user(session: Session, workspace_id: str, user_id: str) -> dict[str, Any]:
    """What tend stores about `user_id` in `workspace_id` (and nothing of another's)."""
    rows = person_rows(session, workspace_id, user_id)
    person, rituals, roles, replies = rows.person, rows.rituals, rows.roles, rows.replies
    commitments, shares, named = rows.commitments, rows.shares, rows.named
    conversations, checkins = rows.conversations, rows.checkins
    return {
        "user_id": user_id,
        "workspace": workspace_id,
        "known": person is not None,
        "timezone": person.tz if person else None,
        "timezone_checked_at": _iso(person.tz_checked_at) if person else None,
        "unreachable_because": person.unreachable_reason if person else None,
        "settings": {
            "away_until": _iso(person.away_until) if person else None,
            "reminders": "off" if person and person.reminders_off else "on",
        },
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
            {"id": c.id, "ritual": kind, "text": c.text, "due_date": c.due_date.isoformat(),
             "status": c.status, "times_carried": c.times_carried,
             "made_at": c.created_at.isoformat(), "closed_at": _iso(c.closed_at)}
            for c, kind in commitments
        ],
        # each ritual's own sections (goals, quads), in the registry's order
        **{name: rows for ritual in registry.all_rituals()
           for name, rows in ritual.export_user(session, rituals, user_id).items()},
        # their own proposals and their own votes (nobody else's: P8)
        "proposals": [
            {"id": p.id, "ritual": p.ritual_kind, "summary": p.summary, "why": p.reason,
             "signed": p.signed, "status": p.status, "proposed_at": p.created_at.isoformat()}
            for p in proposals_of(session, workspace_id, user_id)
        ],
        "proposal_votes": [
            {"proposal": p.id, "summary": p.summary, "vote": v.choice,
             "voted_at": v.updated_at.isoformat()}
            for v, p in votes_of(session, workspace_id, user_id)
        ],
        "shared_in_digest": [
            {"answer_ts": ts, "team": key, "as": s.kind, "named": s.named,
             "shared_at": s.created_at.isoformat()}
            for s, ts, key in shares
        ],
        "named_in_digests": [
            {"team": key, "period": period, "as": kind, "text": text}
            for key, period, kind, text in named
        ],
        "introduced": [
            {"team": key, "added_at": row.added_at.isoformat(), "introduced_at": _iso(row.sent_at)}
            for key, row in introductions_of(session, workspace_id, user_id)
        ],
        "conversations": [
            {"channel": c.channel_id, "with": [u for u in c.users_key.split(",") if u != user_id],
             "opened_at": c.created_at.isoformat()}
            for c in conversations
        ],
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
