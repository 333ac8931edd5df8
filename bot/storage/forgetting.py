"""Deleting one person's rows, in one workspace only (a person is (workspace, user id)).

The same user id can belong to people in two workspaces (Enterprise Grid, or a guest):
every delete here is bounded by the workspace's teams or rituals.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.domain.share_lines import shared_words
from bot.storage.conversations import forget_conversations_with
from bot.storage.db import rows_changed
from bot.storage.introductions import forget_introductions
from bot.storage.models import Commitment, Person, Reply, SharedReply
from bot.storage.schedules import recompute_next_due
from bot.storage.scoping import occurrences_in, rituals_in, teams_in


@dataclass(frozen=True)
class Deleted:
    answers: int
    commitments: int
    shared: int
    shared_texts: frozenset[str]  # the words they had shared, to find in stored digests


def shared_texts_of(session: Session, workspace_id: str, user_id: str) -> frozenset[str]:
    """The words as a digest showed them: the reply, or only its `share:` lines' words."""
    return frozenset(shared_words(text) if by_keyword else text
                     for text, by_keyword in session.execute(
        select(Reply.text, SharedReply.by_keyword)
        .join(SharedReply, SharedReply.reply_id == Reply.id)
        .where(SharedReply.author_id == user_id,
               SharedReply.team_id.in_(teams_in(workspace_id)))))


def delete_person_rows(session: Session, workspace_id: str, user_id: str) -> Deleted:
    """Delete what the person wrote or chose in `workspace_id` that no one ritual owns
    (answers, commitments, shares), their introductions, the conversations cached or to
    open that name them, and reset their settings there; each ritual deletes its own rows
    (`RitualDefinition.forget`: goals)."""
    rituals = rituals_in(workspace_id)
    texts = shared_texts_of(session, workspace_id, user_id)
    shared = rows_changed(session, delete(SharedReply).where(
        SharedReply.author_id == user_id,
        SharedReply.team_id.in_(teams_in(workspace_id))))
    commitments = rows_changed(session, delete(Commitment).where(
        Commitment.owner_id == user_id, Commitment.ritual_id.in_(rituals)))
    answers = rows_changed(session, delete(Reply).where(
        Reply.user_id == user_id, Reply.occurrence_id.in_(occurrences_in(workspace_id))))
    forget_conversations_with(session, workspace_id=workspace_id, user_id=user_id)
    forget_introductions(session, workspace_id, user_id)
    person = session.get(Person, (workspace_id, user_id))
    if person is not None:  # their settings go back to the defaults
        person.away_until, person.reminders_off = None, False
        recompute_next_due(session, person=(workspace_id, user_id))  # no longer away
    return Deleted(answers=answers, commitments=commitments, shared=shared,
                   shared_texts=texts)
