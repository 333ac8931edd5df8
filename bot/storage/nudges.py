"""The reminders' queries: which prompts may still wait for someone, and who answered."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import TypeVar

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session, selectinload

from bot.storage.models import Occurrence, OutboxMessage, Person, Reply, Ritual, Team
from bot.storage.teams import served

CHUNK = 500  # ids per IN list
T = TypeVar("T")


def prompts_due(before: datetime) -> ColumnElement[bool]:
    """A prompt whose reminders are due to be looked at (`nudge_from`, indexed)."""
    return Occurrence.nudge_from <= before


def prompts_to_look_at(session: Session, *, before: datetime) -> list[Occurrence]:
    """Prompts whose reminders are due to be looked at: `nudge_from` (indexed) at or
    before `before`, with their ritual, team and roles. A quiet tick reads none."""
    found = session.scalars(  # no ORDER BY: SQLite would walk every id instead
        select(Occurrence).where(prompts_due(before))
        .options(selectinload(Occurrence.ritual).selectinload(Ritual.team)
                 .selectinload(Team.roles)))
    return sorted(found, key=lambda o: o.id)


def set_nudge_from(session: Session, nudge_from: Mapping[int, datetime | None]) -> None:
    """When each prompt's reminders are next looked at (None: never again)."""
    if nudge_from:
        session.execute(update(Occurrence), [{"id": occurrence_id, "nudge_from": at}
                                             for occurrence_id, at in nudge_from.items()])


def served_teams(session: Session, team_ids: Iterable[int]) -> set[int]:
    """Those of these teams whose workspace is still installed."""
    return {team_id for chunk in _chunks(sorted(set(team_ids))) for team_id in
            session.scalars(select(Team.id).where(Team.id.in_(chunk), served()))}


def _chunks(values: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    """Bounded IN lists: PostgreSQL takes at most 65,535 bind parameters a statement."""
    items = list(values)
    for start in range(0, len(items), size):
        yield items[start:start + size]


def people_by_key(session: Session, wanted: set[tuple[str, str]]) -> dict[tuple[str, str], Person]:
    """The people asked, by (workspace, user)."""
    found = (p for chunk in _chunks(sorted({user for _ws, user in wanted}))
             for p in session.scalars(select(Person).where(Person.user_id.in_(chunk))))
    return {(p.workspace_id, p.user_id): p for p in found
            if (p.workspace_id, p.user_id) in wanted}


def answered(session: Session, occurrence_ids: list[int]) -> set[tuple[int, str]]:
    return {(o, u) for chunk in _chunks(occurrence_ids) for o, u in session.execute(
        select(Reply.occurrence_id, Reply.user_id).where(Reply.occurrence_id.in_(chunk))
        .distinct())}


def already_nudged(session: Session, keys: list[str]) -> set[str]:
    return {key for chunk in _chunks(keys) for key in session.scalars(
        select(OutboxMessage.key).where(OutboxMessage.key.in_(chunk)))}


def prompt_sent_at(session: Session, occurrence_ids: Iterable[int]) -> dict[int, datetime]:
    """When each prompt actually reached Slack (a retried post may be later than planned)."""
    return {occurrence_id: sent_at for chunk in _chunks(occurrence_ids)
            for occurrence_id, sent_at in session.execute(
                select(OutboxMessage.occurrence_id, OutboxMessage.sent_at).where(
                    OutboxMessage.occurrence_id.in_(chunk),
                    OutboxMessage.key.like("occurrence:%:prompt"),
                    OutboxMessage.sent_at.is_not(None)))
            if occurrence_id is not None and sent_at is not None}  # both are, by the query


