"""The statuses and answers stored as strings, as enums (pure: no storage, no Slack).

A StrEnum compares and serialises as its value, so rows, templates and exports read the
same as before; code names a status by its member instead of a bare string. Each status
column has a CheckConstraint built from its enum (bot/storage/models.py, migration 0008):
a value added here needs a migration that widens the constraint.
"""

from __future__ import annotations

from enum import StrEnum


class OutboxStatus(StrEnum):
    PENDING = "pending"   # waiting for its first or next attempt
    SENDING = "sending"   # claimed by a sender (its claim_token) until lease_until
    SENT = "sent"         # Slack has it
    FAILED = "failed"     # Slack refused it for good, or the attempts ran out


class OccurrenceStatus(StrEnum):
    PENDING = "pending"   # planned, its post not sent yet
    SENT = "sent"         # posted: the thread exists
    HELD = "held"         # a team session that posts no thread of its own (quads' marker)
    MISSED = "missed"     # older than the catch-up window when planned
    FAILED = "failed"     # Slack refused the post for good
    SKIPPED = "skipped"   # a holiday or a skipped run


class CommitmentStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"
    KEPT = "kept"
    PARTLY = "partly"
    MISSED = "missed"


class CommitmentDecision(StrEnum):
    """The buttons under a commitment: a check-in's, then a quad's."""

    DONE = "done"
    NOT_YET = "not_yet"
    DROP = "drop"
    KEPT = "kept"
    PARTLY = "partly"
    MISSED = "missed"


# What each decision leaves the commitment as ("not yet" keeps it open and carries it).
CLOSES_AS: dict[CommitmentDecision, CommitmentStatus] = {
    CommitmentDecision.DONE: CommitmentStatus.DONE,
    CommitmentDecision.NOT_YET: CommitmentStatus.OPEN,
    CommitmentDecision.DROP: CommitmentStatus.DROPPED,
    CommitmentDecision.KEPT: CommitmentStatus.KEPT,
    CommitmentDecision.PARTLY: CommitmentStatus.PARTLY,
    CommitmentDecision.MISSED: CommitmentStatus.MISSED,
}


class GoalStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    PARTLY = "partly"
    NOT_DONE = "not_done"
    CARRIED = "carried"


class GoalDecision(StrEnum):
    DONE = "done"
    PARTLY = "partly"
    NOT_DONE = "not_done"
    CARRY = "carry"


class RetroChoice(StrEnum):
    """A retro vote on one of the team's rituals (P8: secret, only team counts shown)."""

    KEEP = "keep"
    CHANGE = "change"
    DROP = "drop"


class ProposalStatus(StrEnum):
    """A proposal's life: drafted (posted at the next tick), open for votes, then closed."""

    PENDING = "pending"
    OPEN = "open"
    ADOPTED = "adopted"
    DECLINED = "declined"
    FAILED = "failed"  # adopted, but the team's configuration no longer accepts it


class ProposalChoice(StrEnum):
    """A secret vote on a proposal: yes / no, or at a trial's end keep / change / drop."""

    YES = "yes"
    NO = "no"
    KEEP = "keep"
    CHANGE = "change"
    DROP = "drop"
