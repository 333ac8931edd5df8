"""The rows `tend export-user` shows: what tend stores about one person, in one
workspace only (a ritual's own rows are its `export_user` hook's)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from bot.storage.models import (
    Commitment,
    Conversation,
    Digest,
    Occurrence,
    Person,
    Reply,
    Ritual,
    SharedReply,
    Team,
    TeamRole,
)
from bot.storage.scoping import occurrences_in, rituals_in


@dataclass(frozen=True)
class PersonRows:
    person: Person | None
    rituals: Select[int]  # the workspace's rituals, for each ritual's own sections
    roles: list[Any]  # (TeamRole, team key)
    replies: list[Reply]
    commitments: list[tuple[Commitment, str]]  # with the ritual's kind
    shares: list[tuple[SharedReply, str, str]]  # with the reply's ts and the team's key
    named: list[tuple[str, str, str, str]]  # (team key, period, as, text) in stored digests
    conversations: list[Conversation]
    checkins: list[Occurrence]


def person_rows(session: Session, workspace_id: str, user_id: str) -> PersonRows:
    person = session.get(Person, (workspace_id, user_id))
    rituals = rituals_in(workspace_id)
    roles = list(session.execute(
        select(TeamRole, Team.key).join(Team)
        .where(TeamRole.user_id == user_id, Team.workspace_id == workspace_id)
        .order_by(Team.key, TeamRole.role)))
    replies = list(session.scalars(select(Reply).where(
        Reply.user_id == user_id, Reply.occurrence_id.in_(occurrences_in(workspace_id)))
        .order_by(Reply.id)))
    commitments = [(c, kind) for c, kind in session.execute(
        select(Commitment, Ritual.kind).join(Ritual, Ritual.id == Commitment.ritual_id)
        .where(Commitment.owner_id == user_id, Commitment.ritual_id.in_(rituals))
        .order_by(Commitment.id))]
    shares = [(s, ts, key) for s, ts, key in session.execute(
        select(SharedReply, Reply.ts, Team.key).join(Reply, Reply.id == SharedReply.reply_id)
        .join(Team, Team.id == SharedReply.team_id)
        .where(SharedReply.author_id == user_id, Team.workspace_id == workspace_id)
        .order_by(SharedReply.id))]
    named = [(key, d.period, item["kind"], item["text"]) for d, key in session.execute(
        select(Digest, Team.key).join(Team).where(Team.workspace_id == workspace_id)
        .order_by(Digest.period)) for item in d.view["policy"]["shared"]
        if item.get("author_id") == user_id]
    conversations = [c for c in session.scalars(
        select(Conversation).where(Conversation.workspace_id == workspace_id)
        .order_by(Conversation.created_at)) if user_id in c.users_key.split(",")]
    checkins = list(session.scalars(
        select(Occurrence).where((Occurrence.subject_id == user_id)
                                 | (Occurrence.counterpart_id == user_id))
        .where(Occurrence.ritual_id.in_(rituals))
        .order_by(Occurrence.scheduled_at)))
    return PersonRows(person=person, rituals=rituals, roles=roles, replies=replies,
                      commitments=commitments, shares=shares, named=named,
                      conversations=conversations, checkins=checkins)
