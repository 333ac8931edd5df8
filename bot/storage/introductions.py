"""Introductions: who is waiting for the DM that tells them what a team's rituals are
before their first prompt, and who has had it (one row per team and person)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.orm import Session

from bot.storage.db import rows_changed
from bot.storage.inserts import insert_ignoring_conflicts
from bot.storage.models import Introduction, Team
from bot.storage.scoping import teams_in


def want_introductions(session: Session, *, team: Team, user_ids: Collection[str],
                       now: datetime) -> None:
    """These people were added to `team`: introduce them at the next tick, unless they
    were ever introduced to it (a re-import or a rejoin sends nothing)."""
    insert_ignoring_conflicts(session, Introduction, [
        {"workspace_id": team.workspace_id, "team_id": team.id, "user_id": user_id,
         "added_at": now, "sent_at": None} for user_id in sorted(set(user_ids))],
        returning=Introduction.id)


def waiting() -> ColumnElement[bool]:
    """An introduction not yet sent (the tick's probe and its step ask the same)."""
    return Introduction.sent_at.is_(None)


def waiting_introductions(session: Session) -> list[Introduction]:
    """Every introduction waiting, oldest first, locked until the tick commits (a second
    clock waits, then finds them sent)."""
    return list(session.scalars(select(Introduction).where(waiting())
                                .order_by(Introduction.id).with_for_update()))


def mark_sent(session: Session, ids: Collection[int], *, now: datetime) -> None:
    session.execute(update(Introduction).where(Introduction.id.in_(list(ids)), waiting())
                    .values(sent_at=now))


def mark_all_sent(session: Session) -> None:
    """Every waiting introduction counts as sent, with its person's addition as its time
    (the people of teams that existed before introductions: the upgrade does the same)."""
    session.execute(update(Introduction).where(waiting())
                    .values(sent_at=Introduction.added_at))


def introductions_of(session: Session, workspace_id: str, user_id: str
                     ) -> list[tuple[str, Introduction]]:
    """(team key, row) of each team the person was (or is to be) introduced to."""
    return [(key, row) for key, row in session.execute(
        select(Team.key, Introduction).join(Team, Team.id == Introduction.team_id)
        .where(Introduction.workspace_id == workspace_id, Introduction.user_id == user_id)
        .order_by(Introduction.id))]


def forget_introductions(session: Session, workspace_id: str, user_id: str) -> int:
    return rows_changed(session, delete(Introduction).where(
        Introduction.user_id == user_id, Introduction.team_id.in_(teams_in(workspace_id))))
