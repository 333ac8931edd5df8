"""Stored digests: one per (team, period)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from bot.storage.models import Digest, Team, TeamRole


def latest_digest(session: Session, team_id: int) -> Digest | None:
    return session.scalars(select(Digest).where(Digest.team_id == team_id)
                           .order_by(Digest.period.desc())).first()


def digests_before(session: Session, team_id: int, period: str, *, limit: int | None = None
                   ) -> list[Digest]:
    """The team's digests of earlier periods, latest first."""
    query = (select(Digest).where(Digest.team_id == team_id, Digest.period < period)
             .order_by(Digest.period.desc()))
    return list(session.scalars(query.limit(limit) if limit is not None else query))


def digest_exists(session: Session, team_id: int, period: str) -> bool:
    return session.scalar(select(Digest.id).where(Digest.team_id == team_id,
                                                  Digest.period == period)) is not None


def posted_periods(session: Session, team_id: int) -> set[str]:
    return set(session.scalars(select(Digest.period).where(Digest.team_id == team_id)))


def digests_to_purge(session: Session, before: datetime) -> list[Digest]:
    """Digests stored before `before` whose shared words are not purged yet."""
    return list(session.scalars(select(Digest).where(Digest.text_purged_at.is_(None),
                                                     Digest.created_at < before)))


def mark_text_purged(session: Session, digests: list[Digest], now: datetime) -> None:
    for row in digests:
        row.text_purged_at = now


def digests_of_teams(session: Session, teams: Select[int]) -> list[Digest]:
    return list(session.scalars(select(Digest).where(Digest.team_id.in_(teams))))


def made_at(now: datetime) -> ColumnElement[bool]:
    """A digest published by the tick at `now` (stamped with its `now`)."""
    return Digest.created_at == now


def managers_of_digests_made_at(session: Session, now: datetime) -> list[tuple[str, str]]:
    """(workspace, user) of the active managers of each team whose digest was stored at
    `now` (a tick stamps the digests it publishes with its `now`)."""
    return [(ws, user) for ws, user in session.execute(
        select(Team.workspace_id, TeamRole.user_id).join(Team, Team.id == TeamRole.team_id)
        .join(Digest, Digest.team_id == TeamRole.team_id)
        .where(made_at(now), TeamRole.role == "manager",
               TeamRole.active.is_(True))
        .distinct().order_by(Team.workspace_id, TeamRole.user_id))]
