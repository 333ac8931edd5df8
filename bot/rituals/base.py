"""What a ritual is to the rest of tend: one `RitualDefinition` per ritual package.

The tick, reply handling, the Home, nudges, `/tend`, setup and the commitment buttons
never branch on a ritual's kind: they look its definition up in `bot.rituals.registry`
and call the hooks below. A hook a ritual has no use for keeps its default (no
commitments, no thread lines, no nudges, no line on a member's Home).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

from sqlalchemy import Select
from sqlalchemy.orm import Session

from bot.messages.render import Message
from bot.platform.config_spec import RitualSpec
from bot.platform.context import Services
from bot.platform.followups import Followup
from bot.platform.prompts import PromptBank
from bot.rituals.common.commitment_rules import CommitmentPolicy
from bot.rituals.common.measures import Measure
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


@dataclass(frozen=True)
class TeamText:
    """Team text a ritual keeps under the team in the teams file (the retro's
    `agreements`): exported and imported with the team, validated like its other keys."""

    key: str
    field: tuple[Any, Any]  # the pydantic (type, default) of the key in TeamSpec
    # export: the current value, or None to leave the key out
    read: Callable[[Session, Team], Any]
    # import: make the team's text this value (never called when the key is absent);
    # returns whether anything changed
    write: Callable[[Session, Team, Any, datetime], bool]


@dataclass(frozen=True)
class AfterAck:
    """Acknowledge-first tools a ritual's Bolt listeners use (bot.handlers.after_ack),
    handed over by bot.handlers so that a ritual package does not import them: they reach
    the Home, which reaches the registry, which imports the rituals."""

    later: Callable[[Any, Followup], None]  # (context, followup): what to do after the ack
    lazy: Callable[[Services], list[Callable[..., Any]]]  # the `lazy=` running it


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
    digest_labels: ClassVar[dict[str, str]] = {}  # its digest figures: key -> label
    reply_lines: ClassVar[ReplyLines | None] = None
    nudges: ClassVar[Nudges | None] = None
    team_text: ClassVar[TeamText | None] = None
    # Its questions: the defaults, and how a team's own (`prompts:` in its spec) are read.
    prompts: ClassVar[PromptBank | None] = None
    # Lines of `/tend help` for members: what a thread line of this ritual records.
    help_lines: ClassVar[tuple[str, ...]] = ()

    @staticmethod
    def titles() -> dict[str, str]:
        """Every ritual's title by kind (a retro's ballot names the others without
        importing them or the registry, which imports it)."""
        found: dict[str, str] = {}
        for ritual in RitualDefinition.__subclasses__():
            found.setdefault(ritual.kind, ritual.title)
        return found

    @staticmethod
    def patch(kind: str, values: dict[str, Any]) -> dict[str, Any]:
        """A change to one ritual's keys in the teams file's shape, wherever its key is
        (under `rituals:`, or beside it: the digest); a proposal's change (a retro draws
        one up without importing the registry, which imports it)."""
        beside = any(r.kind == kind and r.team_level_key
                     for r in RitualDefinition.__subclasses__())
        return {kind: values} if beside else {"rituals": {kind: values}}

    # -- Slack interactions ----------------------------------------------------------------
    def register_listeners(self, app: Any, services: Services, after_ack: AfterAck) -> None:
        """Register this ritual's own Bolt listeners (its buttons and modals), if any."""

    # -- the tick ------------------------------------------------------------------------
    def plan(self, session: Session, *, now: datetime, catchup: timedelta,
             ritual_ids: Collection[int]) -> PlanReport:
        """Record what is due at `now` (occurrences and outbox rows, exactly once) for
        these rituals of its kind: the tick passes only those whose next due instant has
        come (bot/core/planning.py), so planning costs what is due, not who exists."""
        raise NotImplementedError

    def due_besides(self, session: Session, ritual_ids: Collection[int]
                    ) -> dict[int, datetime]:
        """Instants besides its cadence at which these rituals must be planned again, by
        ritual id (the retro: when an open vote closes). The tick's next due instant for
        a ritual is the earliest of its next fire time and this."""
        return {}

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

    def home_blocks(self, session: Session, *, workspace_id: str, user_id: str,
                    member_of: list[Team], manager_of: list[Team], now: datetime
                    ) -> list[dict[str, Any]]:
        """Its section of the Home of a member or manager (of these teams), shown with
        the member's own things: their open goals, their teams' agreements."""
        return []

    def configuration_line(self, team: Team, ritual: Ritual, now: datetime) -> str:
        """The coach's line on this ritual's cadence and next run."""
        raise NotImplementedError

    def coach_notes(self, session: Session, team: Team, ritual: Ritual, now: datetime
                    ) -> list[str]:
        """More lines for the coach under the configuration (team-level only)."""
        return []

    def health(self, session: Session, team: Team, ritual: Ritual, now: datetime
               ) -> list[tuple[str, str]]:
        """Recent runs for the coach, team-level only: (label, outcome) pairs."""
        return []

    # -- the team digest ------------------------------------------------------------------
    def digest_measures(self, session: Session, ritual: Ritual, start: datetime,
                        end: datetime) -> list[Measure]:
        """Its team totals for the digest of [start, end), each with the people behind it
        (the digest's policy alone decides what is shown). Its commitments are not among
        them: the digest counts those of every ritual with a commitment policy together."""
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
