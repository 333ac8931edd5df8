"""Commitments, carried from one check-in to the next until their owner closes them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from bot.domain.enums import CommitmentStatus
from bot.storage.models import Commitment, Occurrence
from bot.storage.periods import within


def add_commitment(
    session: Session, *, ritual_id: int, occurrence_id: int, pair_member_id: str,
    owner_id: str, text: str, due_date: date, now: datetime, reply_id: int | None = None,
) -> Commitment:
    commitment = Commitment(
        ritual_id=ritual_id, occurrence_id=occurrence_id, pair_member_id=pair_member_id,
        owner_id=owner_id, text=text, due_date=due_date, status=CommitmentStatus.OPEN,
        times_carried=0, reply_id=reply_id, created_at=now,
    )
    session.add(commitment)
    session.flush()
    return commitment


def open_commitments_of_pair(
    session: Session, *, ritual_id: int, pair_member_id: str
) -> list[Commitment]:
    """Both sides' open commitments for a check-in pair, oldest due first."""
    return list(session.scalars(
        select(Commitment)
        .where(Commitment.ritual_id == ritual_id, Commitment.pair_member_id == pair_member_id,
               Commitment.status == CommitmentStatus.OPEN)
        .order_by(Commitment.due_date, Commitment.id)
    ))


def commitments_by_ids(session: Session, ids: list[int]) -> list[Commitment]:
    if not ids:
        return []
    found = {c.id: c for c in session.scalars(select(Commitment).where(Commitment.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def commitment_for_reply(session: Session, reply_id: int) -> Commitment | None:
    return session.scalars(select(Commitment).where(Commitment.reply_id == reply_id)).first()


def commitments_made_in(session: Session, *, occurrence_id: int, owner_id: str) -> int:
    return session.scalar(
        select(func.count()).select_from(Commitment)
        .where(Commitment.occurrence_id == occurrence_id, Commitment.owner_id == owner_id)
    ) or 0


def open_commitments_of(session: Session, rituals: Select[int], owner_id: str
                        ) -> list[Commitment]:
    """The person's open commitments in these rituals, soonest due first."""
    return list(session.scalars(
        select(Commitment).where(Commitment.owner_id == owner_id,
                                 Commitment.status == CommitmentStatus.OPEN,
                                 Commitment.ritual_id.in_(rituals))
        .order_by(Commitment.due_date, Commitment.id)))


def commitment_owners_in_period(session: Session, *, ritual_ids: list[int], start: datetime,
                                end: datetime) -> dict[str, list[str]]:
    """The owners of the commitments of these rituals (one per commitment) that were made,
    kept (done or kept), carried into a conversation, or dropped in [start, end)."""
    if not ritual_ids:
        return {"made": [], "kept": [], "carried": [], "dropped": []}
    in_period = select(Occurrence.id).where(
        Occurrence.ritual_id.in_(ritual_ids), Occurrence.scheduled_at >= start,
        Occurrence.scheduled_at < end)
    # Only what the period can count (made, closed or carried in it), not the whole
    # history: the rest was loaded only to be dropped below.
    rows = session.scalars(select(Commitment).where(
        Commitment.ritual_id.in_(ritual_ids),
        or_(within(Commitment.created_at, start, end),
            within(Commitment.closed_at, start, end),
            Commitment.carried_in_occurrence_id.in_(in_period)))).all()
    carried_in = set(session.scalars(in_period))

    def closed(*statuses: str) -> list[str]:
        return [c.owner_id for c in rows if c.status in statuses and c.closed_at is not None
                and start <= c.closed_at < end]

    return {"made": [c.owner_id for c in rows if start <= c.created_at < end],
            "kept": closed(CommitmentStatus.DONE, CommitmentStatus.KEPT),
            "carried": [c.owner_id for c in rows if c.carried_in_occurrence_id in carried_in],
            "dropped": closed(CommitmentStatus.DROPPED)}
