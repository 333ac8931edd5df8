"""Workspaces: installing, adopting pre-workspace rows, uninstalling and purging.

A workspace's rows are its teams (and through them rituals, occurrences, replies,
commitments, goals, quad groups, shared replies and digests), its people, its cached
conversations, its outbox messages and where its users.list pass stands. Purging
deletes exactly those.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.orm import Session

from bot.domain.enums import OutboxStatus
from bot.storage.db import rows_changed
from bot.storage.models import (
    Conversation,
    ConversationToOpen,
    OutboxMessage,
    Person,
    Team,
    UsersListPass,
    Workspace,
)
from bot.storage.schedules import recompute_next_due

# Rows from before workspaces existed (migration 0005) carry this id until adopted.
LEGACY_WORKSPACE = ""
SCOPED = (Team, Person, Conversation, ConversationToOpen, OutboxMessage, UsersListPass)


def ensure_workspace(session: Session, workspace_id: str, *, now: datetime,
                     name: str | None = None) -> Workspace:
    """Record an installed workspace; a reinstall within the grace period keeps its data."""
    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        workspace = Workspace(id=workspace_id, name=name, installed_at=now)
        session.add(workspace)
    else:
        if workspace.uninstalled_at is not None:  # served again: plan it afresh
            recompute_next_due(session, workspace=workspace_id)
        workspace.uninstalled_at = None
        workspace.name = name or workspace.name
    session.flush()
    return workspace


def adopt_legacy_rows(session: Session, workspace_id: str, *, now: datetime) -> int:
    """Give rows written before workspaces existed to the single token-mode workspace."""
    if workspace_id == LEGACY_WORKSPACE:
        return 0
    ensure_workspace(session, workspace_id, now=now)
    moved = 0
    for model in SCOPED:
        moved += rows_changed(session,
            update(model).where(model.workspace_id == LEGACY_WORKSPACE)
            .values(workspace_id=workspace_id)
            .execution_options(synchronize_session=False))
    session.execute(delete(Workspace).where(Workspace.id == LEGACY_WORKSPACE))
    if moved:  # its teams are served now; nothing adopted (every start after the
        # first): nothing moved, and marking every ritual would make the first tick of
        # each process start plan the whole workspace
        recompute_next_due(session, workspace=workspace_id)
    return moved


class WorkspaceUnclear(Exception):
    """Several workspaces are installed and the caller did not say which one."""


def default_workspace(session: Session) -> str:
    """The one workspace tend serves; before any is known, the token-mode placeholder."""
    ids = list(session.scalars(select(Workspace.id).where(Workspace.uninstalled_at.is_(None))
                               .order_by(Workspace.id)))
    if len(ids) > 1:
        raise WorkspaceUnclear(", ".join(ids))
    return ids[0] if ids else LEGACY_WORKSPACE


def mark_uninstalled(session: Session, workspace_id: str, *, now: datetime) -> None:
    """Stop serving a workspace: nothing is planned or sent for it from now on."""
    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        workspace = Workspace(id=workspace_id, installed_at=now)
        session.add(workspace)
    workspace.uninstalled_at = workspace.uninstalled_at or now
    # Unsent messages cannot be sent without a token: drop them now.
    session.execute(delete(OutboxMessage).where(
        OutboxMessage.workspace_id == workspace_id,
        OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING))))
    # Nor can conversations be opened.
    session.execute(delete(ConversationToOpen).where(
        ConversationToOpen.workspace_id == workspace_id))


def departed(*, now: datetime, grace: timedelta) -> ColumnElement[bool]:
    """A workspace uninstalled longer ago than the grace period."""
    return Workspace.uninstalled_at.is_not(None) & (Workspace.uninstalled_at <= now - grace)


def due_for_purge(session: Session, *, now: datetime, grace: timedelta) -> list[str]:
    return list(session.scalars(select(Workspace.id).where(departed(now=now, grace=grace))))


def purge_workspace(session: Session, workspace_id: str) -> dict[str, int]:
    """Delete everything the workspace owns. Teams cascade to all that hangs off them."""
    counts = {}
    for model in SCOPED:
        counts[model.__tablename__] = rows_changed(session,
            delete(model).where(model.workspace_id == workspace_id)
            .execution_options(synchronize_session=False))
    session.execute(delete(Workspace).where(Workspace.id == workspace_id))
    return counts
