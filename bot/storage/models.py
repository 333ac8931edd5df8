"""SQLAlchemy 2 typed models: the database is the source of truth for teams and schedules.

Idempotency comes from unique constraints, not hope: an occurrence per (ritual, subject,
scheduled time), a reply per (channel, ts), a processed event per event_id, an outbox
message per idempotency key, a cached conversation per set of users.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

# slack_sdk's installation and OAuth state tables join Base.metadata (Alembic creates
# them): importing them here puts them there wherever the models are used.
from bot.domain.enums import (
    CommitmentStatus,
    GoalStatus,
    OccurrenceStatus,
    OutboxStatus,
    ProposalChoice,
    ProposalStatus,
    RetroChoice,
)
from bot.storage import slack_oauth  # noqa: F401
from bot.storage.base import Base

# A ritual's next due instant when it is to be recomputed: long past, so it is due at the
# next tick, and one range of the same index as every other due instant.
RECOMPUTE = datetime(1970, 1, 1, tzinfo=UTC)
RECOMPUTE_SQL = "1970-01-01 00:00:00"


def one_of(enum: type[StrEnum], column: str = "status") -> CheckConstraint:
    """`column` holds one of the enum's values (named ck_<table>_<column>); migration 0008
    builds the same from the same enums."""
    values = ", ".join(f"'{member.value}'" for member in enum)
    return CheckConstraint(f"{column} IN ({values})", name=column)


class Workspace(Base):
    """A Slack workspace tend is installed in: every other row belongs to exactly one.

    Teams, people, cached conversations and outbox messages carry `workspace_id`; the
    rest hang off a team (ritual → occurrence → reply, commitment, goal, …) and are
    reached only through it. Uninstalling records `uninstalled_at`; the clock deletes
    the workspace's data once the grace period has passed.
    """

    __tablename__ = "workspace"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # Slack team id, T…
    name: Mapped[str | None] = mapped_column(String(200))
    installed_at: Mapped[datetime]
    uninstalled_at: Mapped[datetime | None]


class Person(Base):
    """A Slack user tend knows of, in one workspace. The time zone comes from users.list
    (users.info for a few newcomers)."""

    __tablename__ = "person"

    workspace_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tz: Mapped[str | None] = mapped_column(String(64))
    # Indexed: the clock asks for never-checked and stale zones on every tick.
    tz_checked_at: Mapped[datetime | None] = mapped_column(index=True)
    # Why the bot cannot reach this person (user_not_found, account_inactive, …), if so.
    unreachable_reason: Mapped[str | None] = mapped_column(String(64))
    # `/tend away DATE` or "skip me this week": no prompts for them until after this day.
    away_until: Mapped[date | None] = mapped_column(Date)
    # The person turned reminders off.
    reminders_off: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


class Team(Base):
    __tablename__ = "team"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    channel_id: Mapped[str] = mapped_column(String(32))
    timezone: Mapped[str] = mapped_column(String(64))
    # Local dates (ISO) on which the team's rituals do not run: holidays.
    skip_dates: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    roles: Mapped[list[TeamRole]] = relationship(
        back_populates="team", order_by="TeamRole.position", cascade="all, delete-orphan"
    )
    rituals: Mapped[list[Ritual]] = relationship(
        back_populates="team", order_by="Ritual.id", cascade="all, delete-orphan"
    )


class TeamRole(Base):
    """A person's role in a team. Removing someone deactivates the row: history is kept."""

    __tablename__ = "team_role"
    __table_args__ = (UniqueConstraint("team_id", "user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))  # a Person of the team's workspace
    role: Mapped[str] = mapped_column(String(16))  # member | manager | coach
    # For members: their line manager when it is not the team's first manager.
    line_manager_id: Mapped[str | None] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    since: Mapped[datetime]
    until: Mapped[datetime | None]

    team: Mapped[Team] = relationship(back_populates="roles")


class Ritual(Base):
    """A ritual configured for a team, with its cadence."""

    __tablename__ = "ritual"
    __table_args__ = (UniqueConstraint("team_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))  # weekly_feedback | …
    every: Mapped[str] = mapped_column(String(16))
    day: Mapped[str] = mapped_column(String(16))
    hour: Mapped[int]
    minute: Mapped[int]
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Which weeks a "2 weeks" cadence falls on, and when the ritual started to exist.
    anchor_date: Mapped[date] = mapped_column(Date)
    since: Mapped[datetime]
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The earliest instant at which something of this ritual may fall due, over all its
    # zones (the team's, or each member's); RECOMPUTE (long past, so due at once) is set
    # by every change that can move it (bot/storage/schedules.py) and by a new ritual.
    # A tick plans only the rituals due by this.
    next_due_at: Mapped[datetime] = mapped_column(
        index=True, default=RECOMPUTE, server_default=RECOMPUTE_SQL)
    # The instant next_due_at was computed after: a clock set back before it (a replay,
    # a test) recomputes too.
    next_due_after: Mapped[datetime | None] = mapped_column(index=True)

    team: Mapped[Team] = relationship(back_populates="rituals")


class Occurrence(Base):
    """One scheduled run of a ritual for one subject (a member, or '' for the team)."""

    __tablename__ = "occurrence"
    __table_args__ = (
        UniqueConstraint("ritual_id", "subject_id", "scheduled_at"),
        Index("ix_occurrence_thread", "channel_id", "message_ts"),
        one_of(OccurrenceStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ritual_id: Mapped[int] = mapped_column(ForeignKey("ritual.id", ondelete="CASCADE"))
    subject_id: Mapped[str] = mapped_column(String(32))
    # The other participant of a two-person ritual (the line manager of a check-in).
    counterpart_id: Mapped[str | None] = mapped_column(String(32))
    scheduled_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))  # an OccurrenceStatus
    reason: Mapped[str | None] = mapped_column(String(64))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    # What the posted message showed (e.g. the commitments listed), to re-render it.
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    # From when its reminder's delay counts, for a prompt whose reminders are still to be
    # looked at; NULL once nobody can be reminded of it any more (bot/core/nudges.py).
    nudge_from: Mapped[datetime | None] = mapped_column(index=True)

    ritual: Mapped[Ritual] = relationship()


class Reply(Base):
    """A participant's reply in a tend thread, kept faithfully (edits update, deletes remove)."""

    __tablename__ = "reply"
    __table_args__ = (UniqueConstraint("channel_id", "ts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(
        ForeignKey("occurrence.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(index=True)  # retention
    edited_at: Mapped[datetime | None]


class Commitment(Base):
    """A result with a date, owned by one person, carried until its owner closes it."""

    __tablename__ = "commitment"
    __table_args__ = (Index("ix_commitment_pair", "ritual_id", "pair_member_id", "status"),
                      one_of(CommitmentStatus))

    id: Mapped[int] = mapped_column(primary_key=True)
    ritual_id: Mapped[int] = mapped_column(ForeignKey("ritual.id", ondelete="CASCADE"))
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("occurrence.id", ondelete="CASCADE"))
    # The member whose check-in pair this belongs to, so both sides see it next week.
    pair_member_id: Mapped[str] = mapped_column(String(32))
    owner_id: Mapped[str] = mapped_column(String(32), index=True)
    text: Mapped[str] = mapped_column(Text)
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=CommitmentStatus.OPEN)
    times_carried: Mapped[int] = mapped_column(Integer, default=0)
    # The check-in in which its owner last said "not yet": once per check-in.
    carried_in_occurrence_id: Mapped[int | None] = mapped_column(
        ForeignKey("occurrence.id", ondelete="SET NULL")
    )
    # The thread reply it was written in, if it came from a `commit:` line.
    reply_id: Mapped[int | None] = mapped_column(
        ForeignKey("reply.id", ondelete="SET NULL"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(index=True)  # retention
    closed_at: Mapped[datetime | None]


class ProcessedEvent(Base):
    """Slack event ids already handled: a retry of the same event is a no-op."""

    __tablename__ = "processed_event"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(index=True)  # retention


class Conversation(Base):
    """Cached conversations.open results (Tier 3): one per set of users."""

    __tablename__ = "conversation"

    workspace_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    users_key: Mapped[str] = mapped_column(String(400), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]


class ConversationToOpen(Base):
    """A conversation tend will post to, to open ahead of its first post (a check-in
    pair's group DM): the clock opens these in the background, paced to Tier 3, so the
    cadence time needs no conversations.open. Deleted once the id is cached."""

    __tablename__ = "conversation_to_open"

    workspace_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    users_key: Mapped[str] = mapped_column(String(400), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(index=True)


class UsersListPass(Base):
    """Where a workspace's pass over users.list (its members' zones) stands. The pass
    reads a few pages a tick and keeps Slack's cursor here, so one tick never waits on
    a whole workspace's list (~250 Tier 2 pages at 50,000 members)."""

    __tablename__ = "users_list_pass"

    workspace_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # Slack's `next_cursor` of the page to read next; NULL once the last page is read.
    cursor: Mapped[str | None] = mapped_column(Text)
    # When this pass (or the last finished one) read its first page.
    started_at: Mapped[datetime]


class OutboxMessage(Base):
    """A message to send, written in the same transaction as the change that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"), one_of(OutboxStatus))

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    # Whose bot token sends it.
    workspace_id: Mapped[str] = mapped_column(String(32), index=True)
    # Either a channel id, or the users of a DM / group DM to open.
    channel_id: Mapped[str | None] = mapped_column(String(32))
    users: Mapped[str | None] = mapped_column(String(400))
    payload: Mapped[dict[str, Any]]
    occurrence_id: Mapped[int | None] = mapped_column(
        ForeignKey("occurrence.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    # The claim that holds a `sending` row: only its holder may post or record it.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    # When (by the wall clock, which Slack's ts follow) an earlier attempt may have
    # posted this row; NULL: no attempt reached chat.postMessage, nothing to look for.
    post_window_start: Mapped[datetime | None]
    post_window_end: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(200))
    sent_channel_id: Mapped[str | None] = mapped_column(String(32))
    sent_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(index=True)  # retention
    sent_at: Mapped[datetime | None]


class Goal(Base):
    """A monthly goal: what, how we will know, by when. Closed by its owner only."""

    __tablename__ = "goal"
    __table_args__ = (Index("ix_goal_owner_status", "ritual_id", "owner_id", "status"),
                      one_of(GoalStatus))

    id: Mapped[int] = mapped_column(primary_key=True)
    ritual_id: Mapped[int] = mapped_column(ForeignKey("ritual.id", ondelete="CASCADE"))
    # The goal-sharing session (a team occurrence) the goal belongs to.
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("occurrence.id", ondelete="CASCADE"))
    owner_id: Mapped[str] = mapped_column(String(32), index=True)
    what: Mapped[str] = mapped_column(Text)
    measure: Mapped[str] = mapped_column(Text)
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=GoalStatus.OPEN)
    carried_from_id: Mapped[int | None] = mapped_column(  # indexed: deleting a goal
        ForeignKey("goal.id", ondelete="SET NULL"), index=True  # finds its carried ones
    )
    reply_id: Mapped[int | None] = mapped_column(
        ForeignKey("reply.id", ondelete="SET NULL"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(index=True)  # retention
    closed_at: Mapped[datetime | None]


class QuadGroup(Base):
    """One peer group of a draw. A draw lasts `regroup_every` cycles of the quads ritual."""

    __tablename__ = "quad_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    ritual_id: Mapped[int] = mapped_column(ForeignKey("ritual.id", ondelete="CASCADE"),
                                           index=True)
    draw: Mapped[int]  # 1, 2, … : which regrouping this group came from
    members: Mapped[dict[str, Any]]  # {"ids": [...]}; JSON for portability
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class Introduction(Base):
    """A person's introduction to a team: one DM before their first prompt there.

    A row is written when a person is first added to a team (file, setup or vote) and
    never again for that team, so a re-import or a rejoin sends nothing; `sent_at` is
    set by the tick that queues the DM (NULL: waiting, the tick's probe asks for it).
    """

    __tablename__ = "introduction"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32), index=True)
    added_at: Mapped[datetime]
    # Indexed: every tick asks whether one is waiting (sent_at IS NULL).
    sent_at: Mapped[datetime | None] = mapped_column(index=True)


class SharedReply(Base):
    """A reply its author chose to share in the team digest ("Share in digest").

    The words stay in the reply: deleting or editing the reply withdraws or changes
    what the digest can show.
    """

    __tablename__ = "shared_reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    reply_id: Mapped[int] = mapped_column(ForeignKey("reply.id", ondelete="CASCADE"),
                                          unique=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))  # highlight | ask
    named: Mapped[bool] = mapped_column(Boolean, default=False)
    # Shared by `share:` lines in the reply (only their words are shown, and editing them
    # away withdraws it), not by the *Share in digest* shortcut (the whole reply).
    by_keyword: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[datetime]


class Digest(Base):
    """A team's digest for one period: built once, whatever the ticks (team, period)."""

    __tablename__ = "digest"
    __table_args__ = (UniqueConstraint("team_id", "period"),
                      # the retention purge reads only digests it has not purged yet
                      Index("ix_digest_to_purge", "text_purged_at", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(16))
    # The policy's output only (team-level, rounded: what was shown, nothing more), with
    # the window it covers and its min_group: {"policy", "start", "end", "min_group"}.
    view: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(index=True)  # the Homes
    # When the retention purge took the shared words out (once older than the limit).
    text_purged_at: Mapped[datetime | None]



class TeamAgreement(Base):
    """A working agreement the team keeps (`agree:` in a retro thread, or the teams file).

    Team text, never attributed: there is no author column. When it came from a thread
    line, the reply it was written in is kept so that an edit or deletion follows it.
    """

    __tablename__ = "team_agreement"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    reply_id: Mapped[int | None] = mapped_column(
        ForeignKey("reply.id", ondelete="SET NULL"), unique=True
    )
    created_at: Mapped[datetime]


class RetroVote(Base):
    """One person's secret keep / change / drop vote on one ritual in one retro (P8).

    Unique per (retro, ritual, voter): a replayed click counts once and a change of
    mind replaces the vote. Only team counts at or above min_group are ever shown.
    """

    __tablename__ = "retro_vote"
    __table_args__ = (
        UniqueConstraint("occurrence_id", "ritual_id", "user_id"),
        CheckConstraint("choice IN (" + ", ".join(f"'{c.value}'" for c in RetroChoice) + ")",
                        name="choice"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("occurrence.id", ondelete="CASCADE"))
    ritual_id: Mapped[int] = mapped_column(ForeignKey("ritual.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32), index=True)
    choice: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class RetroResult(Base):
    """A closed retro: written once when voting closes, with what may be shown of it
    (per ritual, team counts only at or above min_group; nothing about who voted)."""

    __tablename__ = "retro_result"

    occurrence_id: Mapped[int] = mapped_column(
        ForeignKey("occurrence.id", ondelete="CASCADE"), primary_key=True
    )
    # [{"ritual": title, "counts": {"keep": n, …} or null when too few voted}]
    result: Mapped[dict[str, Any]]
    closed_at: Mapped[datetime]


class Proposal(Base):
    """A change to one of a team's rituals, put to the team's secret vote.

    `change` is a patch in the teams file's shape (`{"rituals": {<kind>: {"enabled":
    false}}}`), applied through the coach's setup path once adopted. `proposer_id` lets
    its author export or forget it; it is shown nowhere unless `signed`, and forget-me
    clears it. `due_at`: when a pending proposal is posted, when an open one closes;
    NULL once closed (indexed: the tick's probe asks for it).
    """

    __tablename__ = "proposal"
    __table_args__ = (one_of(ProposalStatus),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    ritual_kind: Mapped[str] = mapped_column(String(32))
    proposer_id: Mapped[str | None] = mapped_column(String(32), index=True)
    signed: Mapped[bool] = mapped_column(Boolean, default=False)
    origin: Mapped[str] = mapped_column(String(16))  # member | retrospective | trial
    summary: Mapped[str] = mapped_column(Text)  # what it changes, in words
    reason: Mapped[str | None] = mapped_column(Text)  # why, in the proposer's words
    change: Mapped[dict[str, Any]]
    # what the ballot offers: yes/no, or keep/change/drop at a trial's end
    choices: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=ProposalStatus.PENDING)
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    # team counts as shown when it closed (null when too few voted: P2)
    counts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class ProposalVote(Base):
    """One person's secret vote on one proposal: unique per (proposal, voter), so a
    replayed click counts once and a change of mind replaces it."""

    __tablename__ = "proposal_vote"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"), one_of(ProposalChoice, "choice"))

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32), index=True)
    choice: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class RitualChange(Base):
    """The team's changelog: a change to its rituals, when and how ("by team vote 6–1",
    "by coach", "by file import"); never who voted, never an unsigned proposer."""

    __tablename__ = "ritual_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    how: Mapped[str] = mapped_column(String(100))
    what: Mapped[str] = mapped_column(Text)
