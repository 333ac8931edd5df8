"""The team retrospective: team agreements, secret votes, and closed retros' results.

Agreements have no author (they are team text). A vote row names its voter only so that
it counts once and can be exported or forgotten by that person; nothing reads who voted
what except `votes_of` (the voter's own export).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Select, delete, select, update
from sqlalchemy.orm import Session

from bot.domain.enums import OccurrenceStatus
from bot.domain.team_rituals import TEAM_SUBJECT
from bot.storage.inserts import insert_ignoring_conflicts
from bot.storage.models import Occurrence, RetroResult, RetroVote, TeamAgreement

# -- agreements ---------------------------------------------------------------------------


def add_agreement(session: Session, *, team_id: int, text: str, now: datetime,
                  reply_id: int | None = None) -> TeamAgreement:
    agreement = TeamAgreement(team_id=team_id, text=text, reply_id=reply_id, created_at=now)
    session.add(agreement)
    session.flush()
    return agreement


def agreement_for_reply(session: Session, *, reply_id: int) -> TeamAgreement | None:
    return session.scalars(select(TeamAgreement).where(TeamAgreement.reply_id == reply_id)
                           ).first()


def team_agreements(session: Session, *, team_id: int) -> list[str]:
    """The team's agreements' text, oldest first."""
    return list(session.scalars(select(TeamAgreement.text)
                                .where(TeamAgreement.team_id == team_id)
                                .order_by(TeamAgreement.id)))


def replace_agreements(session: Session, *, team_id: int, texts: list[str], now: datetime
                       ) -> bool:
    """Make the team's agreements these texts (an import); an agreement that stays keeps
    its row, so edits of the thread line it came from still follow. True if changed."""
    existing = list(session.scalars(select(TeamAgreement)
                                    .where(TeamAgreement.team_id == team_id)
                                    .order_by(TeamAgreement.id)))
    if [a.text for a in existing] == texts:
        return False
    wanted = list(texts)
    for agreement in existing:
        if agreement.text in wanted:
            wanted.remove(agreement.text)
        else:
            session.delete(agreement)
    for text in wanted:
        session.add(TeamAgreement(team_id=team_id, text=text, created_at=now))
    session.flush()
    return True


# -- votes --------------------------------------------------------------------------------


def record_vote(session: Session, *, occurrence_id: int, ritual_id: int, user_id: str,
                choice: str, now: datetime) -> None:
    """One vote per (retro, ritual, voter): the first click inserts it, any later one
    (a replay, a change of mind) replaces its choice."""
    inserted = insert_ignoring_conflicts(session, RetroVote, [{
        "occurrence_id": occurrence_id, "ritual_id": ritual_id, "user_id": user_id,
        "choice": choice, "created_at": now, "updated_at": now}], returning=RetroVote.id)
    if not inserted:
        session.execute(update(RetroVote).where(
            RetroVote.occurrence_id == occurrence_id, RetroVote.ritual_id == ritual_id,
            RetroVote.user_id == user_id).values(choice=choice, updated_at=now))


def choices_by_ritual(session: Session, *, occurrence_id: int) -> dict[int, list[str]]:
    """Each voted ritual's choices in this retro, without their voters (for counting)."""
    found: dict[int, list[str]] = defaultdict(list)
    for ritual_id, choice in session.execute(
            select(RetroVote.ritual_id, RetroVote.choice)
            .where(RetroVote.occurrence_id == occurrence_id)):
        found[ritual_id].append(choice)
    return dict(found)


def votes_of(session: Session, rituals: Select[int], user_id: str) -> list[RetroVote]:
    """The person's own votes on these rituals (export-user)."""
    return list(session.scalars(select(RetroVote).where(
        RetroVote.user_id == user_id, RetroVote.ritual_id.in_(rituals)).order_by(RetroVote.id)))


def delete_votes_of(session: Session, rituals: Select[int], user_id: str) -> int:
    """Forget-me: the person's votes on these rituals; returns how many."""
    result = session.execute(delete(RetroVote).where(
        RetroVote.user_id == user_id, RetroVote.ritual_id.in_(rituals)))
    return cast(CursorResult[Any], result).rowcount


# -- sessions and their results -----------------------------------------------------------


def unclosed_sessions(session: Session, *, ritual_id: int) -> list[Occurrence]:
    """The retro's held or pending sessions whose voting has not closed, oldest first."""
    closed = select(RetroResult.occurrence_id)
    return list(session.scalars(
        select(Occurrence).where(Occurrence.ritual_id == ritual_id,
                                 Occurrence.subject_id == TEAM_SUBJECT,
                                 Occurrence.status.in_(
                                     (OccurrenceStatus.PENDING, OccurrenceStatus.SENT)),
                                 Occurrence.id.not_in(closed))
        .order_by(Occurrence.scheduled_at)))


def record_result(session: Session, *, occurrence_id: int, result: dict[str, Any],
                  now: datetime) -> bool:
    """Close a retro's voting once: False if it was closed already (by another tick)."""
    return bool(insert_ignoring_conflicts(session, RetroResult, [{
        "occurrence_id": occurrence_id, "result": result, "closed_at": now}],
        returning=RetroResult.occurrence_id))


def result_of(session: Session, occurrence_id: int) -> RetroResult | None:
    return session.get(RetroResult, occurrence_id)


def latest_result(session: Session, *, ritual_id: int) -> RetroResult | None:
    """The result of the retro's latest closed session."""
    return session.scalars(
        select(RetroResult).join(Occurrence, Occurrence.id == RetroResult.occurrence_id)
        .where(Occurrence.ritual_id == ritual_id)
        .order_by(Occurrence.scheduled_at.desc())).first()

