"""Reaching rows from a Slack request: only within the request's own workspace.

Every id a request carries (an occurrence in a button's value, a thread's channel and
ts, a team key) is looked up together with the workspace the request came from, so a
forged or stale id from another workspace finds nothing.
"""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, contains_eager

from bot.storage.models import Occurrence, Reply, Ritual, Team


def occurrence_in_workspace(session: Session, occurrence_id: int, workspace_id: str
                            ) -> Occurrence | None:
    return session.scalars(
        select(Occurrence).join(Occurrence.ritual).join(Ritual.team)
        .where(Occurrence.id == occurrence_id, Team.workspace_id == workspace_id)
        .options(contains_eager(Occurrence.ritual).contains_eager(Ritual.team))
    ).first()


def reply_in_workspace(session: Session, reply: Reply | None, workspace_id: str
                       ) -> Reply | None:
    """The reply if it was written in a thread of `workspace_id`, else None."""
    if reply is None or occurrence_in_workspace(session, reply.occurrence_id,
                                                workspace_id) is None:
        return None
    return reply


def workspace_of(occurrence: Occurrence) -> str:
    return occurrence.ritual.team.workspace_id


def in_workspace(occurrence: Occurrence | None, workspace_id: str) -> Occurrence | None:
    """The occurrence if it belongs to `workspace_id`, else None."""
    if occurrence is None or workspace_of(occurrence) != workspace_id:
        return None
    return occurrence


def rituals_in(workspace_id: str) -> Select[int]:
    """Ids of a workspace's rituals: `Commitment.ritual_id.in_(rituals_in(ws))` and the
    like keep a person's rows to the workspace they asked from."""
    return select(Ritual.id).join(Team).where(Team.workspace_id == workspace_id)


def teams_in(workspace_id: str) -> Select[int]:
    return select(Team.id).where(Team.workspace_id == workspace_id)


def occurrences_in(workspace_id: str) -> Select[int]:
    return select(Occurrence.id).where(Occurrence.ritual_id.in_(rituals_in(workspace_id)))
