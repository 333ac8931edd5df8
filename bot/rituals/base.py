"""What a ritual is to the rest of tend: one `RitualDefinition` per ritual package.

The tick, reply handling, the Home, nudges, `/tend`, setup and the commitment buttons
never branch on a ritual's kind: they look its definition up in `bot.rituals.registry`
and call the hooks below. A hook a ritual has no use for keeps its default (no
commitments, no thread lines, no nudges, no line on a member's Home).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

from sqlalchemy import Select
from sqlalchemy.orm import Session

from bot.config.base import RitualSpec
from bot.messages.render import Message
from bot.rituals.common.commitment_rules import CommitmentPolicy
from bot.rituals.kinds import RitualKind
from bot.storage.models import Occurrence, Person, Ritual, Team, TeamRole


@dataclass
class PlanReport:
    """How many occurrences one tick planned (a count only: P1)."""

    planned: int = 0
    missed: int = 0
    skipped: int = 0  # members left out (no zone, no manager...), for the debug log

    def __iadd__(self, other: PlanReport) -> PlanReport:
        self.planned += other.planned
        self.missed += other.missed
        self.skipped += other.skipped
        return self


@dataclass(frozen=True)
class ReplyLines:
    """Which thread lines record something (`commit:`, `goal:`) and how to keep it in
    step with the reply: sync(session, reply, occurrence=, deleted=, now=), which raises
    `error` (and changes nothing) for a line it cannot read."""

    is_line: Callable[[str], bool]
    sync: Callable[..., None]
    errors: tuple[type[Exception], ...]


@dataclass(frozen=True)
class Nudges:
    """The one private reminder for an unanswered prompt (P5)."""

    asks_subject_only: bool  # the prompt asks its subject alone (answered is one SQL test)
    asked: Callable[[Occurrence], list[str]]  # who the prompt waits for
    zone: Callable[[Ritual, str], str]  # the zone its next prompt fires in, given the member's
    render: Callable[[Occurrence, str], Message]  # the reminder, in the member's zone


@dataclass(frozen=True)
class SetupPart:
    """This ritual's part of the `/tend setup` modal (setup_modal.json.j2 shows it)."""

    title: str
    help: str
    defaults: dict[str, Any]  # cadence fields and extras shown for a ritual not set up yet
    extra_blocks: str | None = None  # its own inputs: a template in its package, if any
    # The ritual's settings beyond cadence and enabled, read from the submitted view:
    # read_extra(read, current) -> dict, where current is its saved spec or None.
    read_extra: Callable[[Callable[[str], Any], Any], dict[str, Any]] = (
        lambda read, current: {})
    # The block that shows a validation error on one of those settings, by field name.
    error_blocks: dict[str, str] = field(default_factory=dict)
    # Extra template values derived from the ritual's saved settings (digest: to_user).
    context: Callable[[dict[str, Any], dict[str, Any]], None] = (
        lambda values, team: None)


def pair_participants(session: Session, occurrence: Occurrence) -> set[str]:
    """A conversation between its subject and their counterpart (a check-in)."""
    return {occurrence.subject_id,
            *([occurrence.counterpart_id] if occurrence.counterpart_id else [])}


class RitualDefinition:
    """One ritual: its kind, names and hooks. Subclass once per ritual package."""

    kind: ClassVar[RitualKind]
    title: ClassVar[str]  # its name on the Home: "Weekly check-ins"
    help_phrase: ClassVar[str]  # in `/tend help`'s first sentence: "weekly check-ins"
    setup: ClassVar[SetupPart]
    config_spec: ClassVar[type[RitualSpec]]  # its keys in the teams file
    # What each of its keys means, for docs/configuration.md ("<kind>.<key>": text).
    config_descriptions: ClassVar[dict[str, str]] = {}
    team_level_key: ClassVar[bool] = False  # configured beside `rituals:` (the digest)
    in_member_zone: ClassVar[bool] = False  # runs at each member's local time, not the team's
    commitments: ClassVar[CommitmentPolicy | None] = None
    reply_lines: ClassVar[ReplyLines | None] = None
    nudges: ClassVar[Nudges | None] = None

    # -- the tick ------------------------------------------------------------------------
    def plan(self, session: Session, *, now: datetime, catchup: timedelta) -> PlanReport:
        """Record what is due at `now` (occurrences and outbox rows, exactly once)."""
        raise NotImplementedError

    # -- a conversation -----------------------------------------------------------------
    def participants(self, session: Session, occurrence: Occurrence) -> set[str]:
        """Who takes part in this occurrence's conversation (may see and answer it)."""
        return pair_participants(session, occurrence)

    def conversations(self, team: Team, ritual: Ritual) -> list[list[str]]:
        """The conversations (their people) its messages to this team will go to, known
        before its first run: opened ahead, so its first posts need no
        conversations.open. Conversations formed only at run time (quads) are not."""
        return []

    def render_occurrence(self, session: Session, occurrence: Occurrence, *,
                          today: date) -> Message | None:
        """The occurrence's message as it should read now (an update in place)."""
        return None

    # -- the App Home ----------------------------------------------------------------------
    def member_line(self, team: Team, role: TeamRole, ritual: Ritual, person: Person | None,
                    now: datetime) -> tuple[datetime, str] | None:
        """A member's next run of this ritual, as (when, line), or None."""
        return None

    def configuration_line(self, team: Team, ritual: Ritual, now: datetime) -> str:
        """The coach's line on this ritual's cadence and next run."""
        raise NotImplementedError

    def health(self, session: Session, team: Team, ritual: Ritual, now: datetime
               ) -> list[tuple[str, str]]:
        """Recent runs for the coach, team-level only: (label, outcome) pairs."""
        return []

    # -- a person's data (P6) ------------------------------------------------------------
    def export_user(self, session: Session, rituals: Select[int], user_id: str
                    ) -> dict[str, Any]:
        """Its sections of `tend export-user` / `/tend my-data`: what it alone stores about
        the person in these rituals (one workspace's). Commitments and answers are the
        core's."""
        return {}

    def forget(self, session: Session, rituals: Select[int], user_id: str
               ) -> list[tuple[int, str]]:
        """Forget-me: delete what the person wrote or chose in it alone; returns
        (count, what) pairs for the confirmation, "3 goals"."""
        return []


def setup_int(value: Any, default: int) -> int:
    """A number input of the setup modal, or its default when empty."""
    try:
        return int(str(value))
    except ValueError:
        return default
