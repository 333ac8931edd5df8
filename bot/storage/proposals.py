"""Proposals, their secret votes, and the team's changelog.

A vote row names its voter only so that it counts once, can be changed, and can be
exported or forgotten by that person: nothing here returns who voted what except
`votes_of` (the voter's own export). `proposer_id` likewise is read only for its own
author's export and forget-me.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, select, update
from sqlalchemy.orm import Session

from bot.domain.enums import ProposalStatus
from bot.storage.db import rows_changed
from bot.storage.inserts import insert_ignoring_conflicts
from bot.storage.models import Proposal, ProposalVote, RitualChange, Team

OPEN_OR_PENDING = (ProposalStatus.PENDING, ProposalStatus.OPEN)


# -- the tick's question ---------------------------------------------------------------------
def proposals_due(now: datetime) -> ColumnElement[bool]:
    """A proposal to post (pending) or to close (open) at `now`: `due_at` is NULL once
    closed, so this is one range of its index."""
    return Proposal.due_at <= now


def due_proposals(session: Session, *, now: datetime) -> list[Proposal]:
    """Those due, locked until the tick commits (PostgreSQL: a second clock skips them)."""
    return list(session.scalars(select(Proposal).where(proposals_due(now))
                                .order_by(Proposal.due_at, Proposal.id)
                                .with_for_update(skip_locked=True)))


# -- proposals ------------------------------------------------------------------------------
def add_proposal(session: Session, **values: Any) -> Proposal:
    proposal = Proposal(**values)
    session.add(proposal)
    session.flush()
    return proposal


def proposal_in_workspace(session: Session, proposal_id: int, workspace_id: str
                          ) -> Proposal | None:
    return session.scalars(select(Proposal).join(Team, Team.id == Proposal.team_id).where(
        Proposal.id == proposal_id, Team.workspace_id == workspace_id)).first()


def team_of(session: Session, proposal: Proposal) -> Team:
    team = session.get(Team, proposal.team_id)
    assert team is not None  # the foreign key cascades
    return team


def cancel_pending(session: Session, *, team_id: int, kind: str, origin: str) -> None:
    """Drop a drafted proposal not yet posted (a trial's end vote when the trial is
    changed or cleared)."""
    session.execute(delete(Proposal).where(
        Proposal.team_id == team_id, Proposal.ritual_kind == kind,
        Proposal.origin == origin, Proposal.status == ProposalStatus.PENDING))


def pending_of(session: Session, *, team_id: int, kind: str, origin: str) -> Proposal | None:
    return session.scalars(select(Proposal).where(
        Proposal.team_id == team_id, Proposal.ritual_kind == kind,
        Proposal.origin == origin, Proposal.status.in_(OPEN_OR_PENDING))).first()


# -- votes ----------------------------------------------------------------------------------
def record_vote(session: Session, *, proposal_id: int, user_id: str, choice: str,
                now: datetime) -> None:
    """One vote per (proposal, voter): the first click inserts it, a later one (a replay,
    a double click, a change of mind) replaces its choice; the unique constraint decides
    a race between two workers."""
    inserted = insert_ignoring_conflicts(session, ProposalVote, [{
        "proposal_id": proposal_id, "user_id": user_id, "choice": choice,
        "created_at": now, "updated_at": now}], returning=ProposalVote.id)
    if not inserted:
        session.execute(update(ProposalVote).where(
            ProposalVote.proposal_id == proposal_id, ProposalVote.user_id == user_id
        ).values(choice=choice, updated_at=now))


def choices_of(session: Session, proposal_id: int, voters: Collection[str]) -> list[str]:
    """The choices of these voters (the team's people now), without who made them."""
    return list(session.scalars(select(ProposalVote.choice).where(
        ProposalVote.proposal_id == proposal_id, ProposalVote.user_id.in_(list(voters)))))


def voted_count(session: Session, proposal_id: int, voters: Collection[str]) -> int:
    return int(session.scalar(select(func.count()).select_from(ProposalVote).where(
        ProposalVote.proposal_id == proposal_id,
        ProposalVote.user_id.in_(list(voters)))) or 0)


def close_now(session: Session, proposal: Proposal, *, now: datetime) -> None:
    """Everyone has voted: the next tick closes it."""
    if proposal.status == ProposalStatus.OPEN:
        proposal.due_at = min(proposal.due_at or now, now)


# -- a person's own (export-user, forget-me) -----------------------------------------------
def _in_workspace(workspace_id: str) -> Select[int]:
    return select(Team.id).where(Team.workspace_id == workspace_id)


def votes_of(session: Session, workspace_id: str, user_id: str
             ) -> list[tuple[ProposalVote, Proposal]]:
    return [(vote, proposal) for vote, proposal in session.execute(
        select(ProposalVote, Proposal).join(Proposal, Proposal.id == ProposalVote.proposal_id)
        .where(ProposalVote.user_id == user_id,
               Proposal.team_id.in_(_in_workspace(workspace_id)))
        .order_by(ProposalVote.id))]


def proposals_of(session: Session, workspace_id: str, user_id: str) -> list[Proposal]:
    return list(session.scalars(select(Proposal).where(
        Proposal.proposer_id == user_id, Proposal.team_id.in_(_in_workspace(workspace_id)))
        .order_by(Proposal.id)))


def forget_votes_and_proposals(session: Session, workspace_id: str, user_id: str
                               ) -> tuple[int, int]:
    """Delete the person's votes and unlink them from their proposals (the text, once
    posted, is the team's; a signed one is no longer signed). Closed proposals keep
    their counts: team figures. Returns (votes, proposals)."""
    teams = _in_workspace(workspace_id)
    votes = rows_changed(session, delete(ProposalVote).where(
        ProposalVote.user_id == user_id,
        ProposalVote.proposal_id.in_(select(Proposal.id).where(Proposal.team_id.in_(teams)))))
    proposals = rows_changed(session, update(Proposal).where(
        Proposal.proposer_id == user_id, Proposal.team_id.in_(teams)
    ).values(proposer_id=None, signed=False))
    return votes, proposals


# -- the changelog --------------------------------------------------------------------------
def record_change(session: Session, *, team_id: int, at: datetime, how: str, what: str
                  ) -> None:
    session.add(RitualChange(team_id=team_id, at=at, how=how, what=what))


def changes_of(session: Session, team_id: int, *, limit: int | None = None
               ) -> list[RitualChange]:
    """The team's changelog, newest first."""
    query = select(RitualChange).where(RitualChange.team_id == team_id).order_by(
        RitualChange.at.desc(), RitualChange.id.desc())
    return list(session.scalars(query.limit(limit) if limit else query))
