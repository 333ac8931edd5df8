"""Making and closing commitments: from the modal, from a `commit:` line, from buttons."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.domain.enums import CLOSES_AS, CommitmentDecision, CommitmentStatus
from bot.domain.outcomes import STATUS_WORDS
from bot.rituals.common.commitment_rules import (
    CommitmentDraft,
    CommitmentError,
    CommitmentPolicy,
    parse_commitment_line,
)
from bot.storage.commitments import add_commitment, commitment_for_reply, commitments_made_in
from bot.storage.models import Commitment, Occurrence, Person, Reply, Ritual
from bot.storage.scoping import workspace_of


def local_today(session: Session, workspace_id: str, user_id: str, now: datetime) -> date:
    person = session.get(Person, (workspace_id, user_id))
    zone = ZoneInfo(person.tz) if person and person.tz else ZoneInfo("UTC")
    return now.astimezone(zone).date()


def record_commitment(session: Session, *, occurrence: Occurrence, owner_id: str,
                      draft: CommitmentDraft, now: datetime, policy: CommitmentPolicy,
                      reply_id: int | None = None) -> Commitment:
    """A check-in's commitments belong to the pair; a quad member's to that member."""
    limit = policy.per_occurrence_limit
    if limit is not None and commitments_made_in(session, occurrence_id=occurrence.id,
                                                 owner_id=owner_id) >= limit:
        raise CommitmentError(f"One or two commitments per cycle: you have "
                              f"{limit} already.")
    return add_commitment(
        session, ritual_id=occurrence.ritual_id, occurrence_id=occurrence.id,
        pair_member_id=owner_id if policy.owned_by_member else occurrence.subject_id,
        owner_id=owner_id, text=draft.what, due_date=draft.due_date, now=now,
        reply_id=reply_id,
    )


def sync_commitment_from_reply(session: Session, reply: Reply, *,
                               occurrence: Occurrence | None, deleted: bool,
                               now: datetime | None, policy: CommitmentPolicy) -> None:
    """Make the commitment written in a reply match the reply's current text.

    Raises CommitmentError (and changes nothing) when a `commit:` line cannot be read.
    """
    existing = commitment_for_reply(session, reply.id)
    if deleted:
        if existing is not None:
            session.delete(existing)
        return
    assert occurrence is not None and now is not None
    draft = parse_commitment_line(reply.text, today=local_today(
        session, workspace_of(occurrence), reply.user_id, now))
    if existing is None:
        record_commitment(session, occurrence=occurrence, owner_id=reply.user_id, draft=draft,
                          now=now, policy=policy, reply_id=reply.id)
    elif existing.status == CommitmentStatus.OPEN:
        existing.text, existing.due_date = draft.what, draft.due_date


@dataclass(frozen=True)
class CloseOutcome:
    ok: bool
    message: str | None = None  # a refusal for the person who clicked


NOT_YOURS = "Only its owner can close a commitment."


def close_commitment(session: Session, *, workspace_id: str, commitment_id: int, user_id: str,
                     decision: str, occurrence_id: int | None, now: datetime,
                     policy_of: Callable[[str], CommitmentPolicy | None]) -> CloseOutcome:
    """Close (or carry) a commitment with one of its ritual's buttons (owner only);
    `policy_of(kind)` is the registry's answer for the commitment's ritual."""
    commitment = session.get(Commitment, commitment_id)
    ritual = session.get_one(Ritual, commitment.ritual_id) if commitment else None
    if commitment is None or ritual is None or ritual.team.workspace_id != workspace_id:
        return CloseOutcome(False, "That commitment no longer exists.")
    if commitment.owner_id != user_id:  # a stranger learns nothing: no owner, no text
        return CloseOutcome(False, NOT_YOURS)
    if commitment.status != CommitmentStatus.OPEN:
        return CloseOutcome(
            False, f"This commitment is already marked {STATUS_WORDS[commitment.status]}.")
    policy = policy_of(ritual.kind)
    if policy is None or decision not in policy.decisions:
        return CloseOutcome(False, "That button does not belong to this commitment.")
    if decision == CommitmentDecision.NOT_YET:
        if occurrence_id is not None and commitment.carried_in_occurrence_id == occurrence_id:
            return CloseOutcome(False, "Already carried to the next check-in.")
        commitment.times_carried += 1
        commitment.carried_in_occurrence_id = occurrence_id
    else:
        commitment.status = CLOSES_AS[CommitmentDecision(decision)]
        commitment.closed_at = now
    return CloseOutcome(True)
