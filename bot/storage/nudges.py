"""The reminders' queries: which prompts may still wait for someone, and who answered."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import (
    ColumnElement,
    SQLColumnExpression,
    String,
    cast,
    exists,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session, selectinload

from bot.domain.enums import OccurrenceStatus
from bot.storage.models import Occurrence, OutboxMessage, Person, Reply, Ritual, Team
from bot.storage.teams import served

CHUNK = 500  # ids per IN list
T = TypeVar("T")


def current_prompts(session: Session, *, kinds: list[str], many_asked: list[str],
                    now: datetime, nudge_after: timedelta, horizon: timedelta
                    ) -> list[Occurrence]:
    """Posted prompts of these kinds of enabled rituals, old enough to nudge, young enough to
    still be current, that may still wait for someone.

    A prompt that asks one person (a check-in's subject) and that they answered or were
    already reminded about is left out here, in SQL: in steady state that is nearly all of
    them, and loading them only to drop them cost seconds and an IN list per prompt. A
    quad's members are in its JSON details, so quads are filtered afterwards (they are few).
    """
    subject = Occurrence.subject_id
    answered = exists().where(Reply.occurrence_id == Occurrence.id, Reply.user_id == subject)
    nudged = exists().where(OutboxMessage.key == nudge_key_sql(Occurrence.id, subject))
    return list(session.scalars(
        select(Occurrence).join(Ritual, Ritual.id == Occurrence.ritual_id)
        .join(Team, Team.id == Ritual.team_id)
        .where(Ritual.kind.in_(kinds), Ritual.enabled.is_(True),
               Occurrence.status == OccurrenceStatus.SENT,
               served(),
               Occurrence.scheduled_at > now - horizon,
               Occurrence.scheduled_at <= now - nudge_after)
        .where(or_(Ritual.kind.in_(many_asked), ~answered & ~nudged))
        .options(selectinload(Occurrence.ritual).selectinload(Ritual.team)
                 .selectinload(Team.roles))
        .order_by(Occurrence.id)
    ))


def nudge_key_sql(occurrence_id: SQLColumnExpression[int],
                  user_id: SQLColumnExpression[str]) -> ColumnElement[str]:
    """nudge_key() as an SQL expression (`||` on both SQLite and PostgreSQL)."""
    return (literal("occurrence:") + cast(occurrence_id, String) + literal(":nudge:")
            + user_id)


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


