"""The configuration file's schema: teams, their people, and their rituals.

Admins describe teams in YAML (`tend import FILE`, `tend export`). The format is a
contract: keys are never renamed, only added.

    teams:
      - key: platform              # stable id for the CLI: lowercase letters, digits, - and _
        name: Platform
        channel: C0PLATFORM        # Slack channel id (C… or G…)
        timezone: Europe/Amsterdam # IANA zone, for team-wide rituals
        managers: [U0MGR]
        coaches: [U0COACH]         # optional
        members: [U001, U002, U003]
        rituals:                   # optional
          weekly_feedback:
            cadence: {every: week, day: mon, time: "10:00"}

`every` is `week`, `2 weeks` or `month`; `day` and `time` are checked by
`bot.rituals.common.cadence.Cadence.parse`. Slack user ids are `U…`/`W…`, channel ids `C…`/`G…`.

Extensions to the original format:

- A member may be a plain user id or a mapping `{id: U002, manager: U0MGR2}` naming
  which of the team's `managers` is that person's line manager. By default a member's
  line manager is the first entry of `managers`.
- Every ritual mapping may carry `enabled: true|false` (default true), so a ritual can
  stay configured while paused. `tend export` omits it when true.
- A manager may also be listed as a member; they simply get no check-in with themself.

Adding a ritual is one small `RitualSpec` subclass plus one optional field on
`RitualsSpec` (planned: `monthly_goals`, `quads`, `digest`).

Cross-field rules (duplicates, unknown line managers) are checked on the raw input
and merged with per-field errors, so a single load reports every problem at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError, PydanticKnownError

from bot.rituals.common.cadence import Cadence, CadenceError
from bot.storage.models import Base, Person, Team

_TEAM_KEY = re.compile(r"[a-z0-9][a-z0-9_-]*")
_USER_ID = re.compile(r"[UW][A-Z0-9]+")
_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]+")
# Files in the zoneinfo folder that are copies of the machine's own zone, not IANA names.
_SERVER_ZONES = frozenset({"localtime", "posixrules"})


def _column_size(model: type[Base], column: str) -> int:
    """A text column's size, so that a value too long for it is refused here, by line,
    rather than by PostgreSQL at the end of the import (SQLite would keep it whole)."""
    length: int = model.__table__.c[column].type.length
    return length


ID_MAX = _column_size(Person, "user_id")  # user and channel ids alike
KEY_MAX = _column_size(Team, "key")
NAME_MAX = _column_size(Team, "name")
TIMEZONE_MAX = _column_size(Team, "timezone")

Loc = tuple[str | int, ...]

# Validation context for input read from the file, where some Python-friendly inputs
# (an explicit None) are a mistake.
FROM_FILE = {"source": "file"}


# --- errors with a precise location --------------------------------------------------
# Raising a ValidationError inside a validator lets pydantic prefix our locations, so a
# problem found while checking a whole list can still point at the exact entry.


@dataclass(frozen=True)
class _Problem:
    loc: Loc  # relative to the value being validated
    kind: str
    message: str
    input: object = None


def _error(kind: str, message: str) -> PydanticCustomError:
    # The message goes in through ctx so braces in it are never read as placeholders.
    return PydanticCustomError(kind, "{message}", {"message": message})


def _details(problem: _Problem) -> InitErrorDetails:
    return InitErrorDetails(
        type=_error(problem.kind, problem.message), loc=problem.loc, input=problem.input
    )


def _rebuild(error: ErrorDetails) -> InitErrorDetails:
    """An error from `exc.errors()` in the form `from_exception_data` takes back."""
    try:
        PydanticKnownError(error["type"], error.get("ctx"))
    except KeyError:  # not a pydantic error type, so one of ours: keep its final message
        kind: str | PydanticCustomError = _error(error["type"], error["msg"])
        return InitErrorDetails(type=kind, loc=error["loc"], input=error["input"])
    return InitErrorDetails(
        type=error["type"], loc=error["loc"], input=error["input"], ctx=error.get("ctx", {})
    )


def _fail(title: str, details: list[InitErrorDetails]) -> NoReturn:
    raise ValidationError.from_exception_data(title, details)


def _validate_and_check(
    title: str, value: Any, handler: ValidatorFunctionWrapHandler, problems: list[_Problem]
) -> Any:
    """Validate `value`, reporting its own errors together with `problems` (found on it raw)."""
    try:
        result = handler(value)
    except ValidationError as exc:
        if not problems:
            raise
        _fail(title, [*map(_rebuild, exc.errors()), *map(_details, problems)])
    if problems:
        _fail(title, [_details(p) for p in problems])
    return result


def _raw(item: object, name: str) -> object:
    """Field `name` of an unvalidated list entry (a mapping, a model, or a bare id)."""
    if isinstance(item, BaseModel):
        return getattr(item, name, None)
    if isinstance(item, dict):
        return item.get(name)
    return item if name == "id" else None


def _repeats(values: Iterable[object]) -> list[tuple[int, str]]:
    """(index, value) of every string that already appeared earlier in `values`."""
    seen: set[str] = set()
    repeats = []
    for index, value in enumerate(values):
        if isinstance(value, str):
            if value in seen:
                repeats.append((index, value))
            seen.add(value)
    return repeats


# --- scalar types -----------------------------------------------------------------------


def _slack_id(pattern: re.Pattern[str], what: str, shape: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise _error(
                what.replace(" ", "_"),
                f"not a Slack {what}: {value!r} (expected {shape}, capital letters and digits)",
            )
        return value

    return check


UserId = Annotated[str, Field(max_length=ID_MAX),
                   AfterValidator(_slack_id(_USER_ID, "user id", "U… or W…"))]
ChannelId = Annotated[str, Field(max_length=ID_MAX),
                      AfterValidator(_slack_id(_CHANNEL_ID, "channel id", "C… or G…"))]


def _distinct_ids(field: str) -> Callable[..., Any]:
    """A wrap validator rejecting a user listed twice in the list `field`."""

    def check(cls: type[BaseModel], value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        items = value if isinstance(value, list) else []
        problems = [
            _Problem((i,), "duplicate_user", f"{uid!r} appears twice in {field}", uid)
            for i, uid in _repeats(_raw(item, "id") for item in items)
        ]
        return _validate_and_check(cls.__name__, value, handler, problems)

    return check


# --- models -----------------------------------------------------------------------------


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CadenceSpec(_Spec):
    """`{every, day, time}`, stored in Cadence's canonical form ("10:00", "1st mon", "15")."""

    # Numbers are taken as text only once Cadence.parse has vetted the whole mapping.
    model_config = ConfigDict(coerce_numbers_to_str=True)

    every: str
    day: str
    time: str

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, dict) or not {"every", "day", "time"} <= data.keys():
            return data  # let pydantic name what is missing or mistyped
        number = isinstance(data["time"], int | float) and not isinstance(data["time"], bool)
        if number and info.context == FROM_FILE:
            # The loader keeps `10:00` as text, so a number in a file was written as one.
            _fail(cls.__name__, [_details(_Problem(
                ("time",), "cadence", f'time must be "HH:MM" (24-hour), not the number '
                f'{data["time"]}', data["time"]))])
        try:
            cadence = Cadence.parse(data["every"], data["day"], data["time"])
        except CadenceError as exc:
            message = str(exc)
            field = message.split(maxsplit=1)[0]  # messages open with the field at fault
            loc: Loc = (field,) if field in ("every", "day", "time") else ()
            _fail(cls.__name__, [_details(_Problem(loc, "cadence", message, data))])
        return {**data, "every": cadence.every, "day": cadence.day, "time": cadence.time}

    @property
    def cadence(self) -> Cadence:
        return Cadence.parse(self.every, self.day, self.time)


class MemberSpec(_Spec):
    """A team member: `U001` or `{id: U001, manager: U0MGR2}`."""

    id: UserId
    manager: UserId | None = None

    @model_validator(mode="before")
    @classmethod
    def _plain_id(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"id": data}
        if not isinstance(data, dict | MemberSpec):
            raise _error(
                "member_type",
                f"a member is a user id or a mapping {{id: U…, manager: U…}}, not {data!r}",
            )
        return data


class RitualSpec(_Spec):
    """What every ritual has: when it runs, and whether it is paused."""

    cadence: CadenceSpec
    enabled: StrictBool = True


class WeeklyFeedbackSpec(RitualSpec):
    """Each member's weekly check-in with their line manager."""


class MonthlyGoalsSpec(RitualSpec):
    """The team's goal-sharing session, in the team channel (cadence in the team's zone)."""


class QuadsSpec(RitualSpec):
    """Peer accountability groups of four (three or five where the numbers demand)."""

    regroup_every: StrictInt = Field(default=4, ge=1, le=52)  # cycles before a new draw
    # Managers are kept out of their own reports' quads unless this says otherwise.
    managers_with_reports: StrictBool = False


def _digest_target(value: str) -> str:
    """A digest goes to a user (as a DM) or to a channel."""
    if _USER_ID.fullmatch(value) or _CHANNEL_ID.fullmatch(value):
        return value
    raise _error("slack_id", f"not a Slack user or channel id: {value!r} (expected U…, W…, "
                             "C… or G…, capital letters and digits)")


class DigestSpec(RitualSpec):
    """The team digest: team-level figures only, to a manager (DM) or a channel."""

    to: Annotated[str, Field(max_length=ID_MAX), AfterValidator(_digest_target)]
    min_group: StrictInt = 3

    @field_validator("min_group")
    @classmethod
    def _at_least_three(cls, value: int) -> int:
        # Below three, an aggregate could identify someone: refused, never lowered.
        if value < 3:
            raise _error("min_group", f"min_group must be at least 3 (not {value}): with "
                                      "fewer people a team figure could identify someone")
        return value


class RitualsSpec(_Spec):
    """A team's rituals; an absent key means that ritual is not configured."""

    weekly_feedback: WeeklyFeedbackSpec | None = None
    monthly_goals: MonthlyGoalsSpec | None = None
    quads: QuadsSpec | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _not_empty(cls, value: Any, info: ValidationInfo) -> Any:
        # In a file, `weekly_feedback:` with nothing after it is a slip, not "switched off".
        if value is None and info.context == FROM_FILE:
            raise _error(
                "empty_ritual",
                f"{info.field_name} is empty: give it a cadence, or remove the key",
            )
        return value

    def active(self) -> dict[str, RitualSpec]:
        """The configured, unpaused rituals by name."""
        specs = {name: getattr(self, name) for name in type(self).model_fields}
        return {name: s for name, s in specs.items() if s is not None and s.enabled}


class TeamSpec(_Spec):
    key: str = Field(max_length=KEY_MAX)
    name: str = Field(max_length=NAME_MAX)
    channel: ChannelId
    timezone: str = Field(max_length=TIMEZONE_MAX)
    managers: list[UserId]
    coaches: list[UserId] = Field(default_factory=list)
    members: list[MemberSpec]
    rituals: RitualsSpec = Field(default_factory=RitualsSpec)
    digest: DigestSpec | None = None
    # Local dates on which none of the team's rituals run (holidays).
    skip_dates: list[date] = Field(default_factory=list)

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        if not _TEAM_KEY.fullmatch(value):
            raise _error(
                "team_key",
                "team key must be lowercase letters, digits, - and _ "
                f"(starting with a letter or digit), not {value!r}",
            )
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise _error("empty_name", "name must not be empty")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        if value in _SERVER_ZONES:
            raise _error("time_zone", f"{value!r} follows the server's clock: name the "
                                      "team's IANA time zone, such as Europe/Amsterdam")
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise _error("time_zone", f"unknown time zone {value!r}") from None
        return value

    _distinct_managers = field_validator("managers", mode="wrap")(_distinct_ids("managers"))
    _distinct_coaches = field_validator("coaches", mode="wrap")(_distinct_ids("coaches"))

    @field_validator("members", mode="wrap")
    @classmethod
    def _members(
        cls, value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> Any:
        items = value if isinstance(value, list) else []
        problems = [
            _Problem((i,), "duplicate_user", f"{uid!r} appears twice in members", uid)
            for i, uid in _repeats(_raw(item, "id") for item in items)
        ]
        managers = info.data.get("managers")  # absent if managers itself was invalid
        if managers is not None:
            problems += _unknown_line_managers(items, managers)
        return _validate_and_check(cls.__name__, value, handler, problems)

    @field_validator("rituals")
    @classmethod
    def _someone_to_report_to(cls, rituals: RitualsSpec, info: ValidationInfo) -> RitualsSpec:
        if "weekly_feedback" in rituals.active() and info.data.get("managers") == []:
            problem = _Problem(
                ("weekly_feedback",),
                "no_managers",
                "weekly_feedback is enabled but the team has no managers "
                "(add one to managers, or set enabled: false)",
            )
            _fail(cls.__name__, [_details(problem)])
        return rituals

    def line_manager_of(self, user_id: str) -> str | None:
        """The member's line manager: their own `manager`, else the team's first manager.

        None for someone who is not a member, or when the team has no managers.
        """
        for member in self.members:
            if member.id == user_id:
                return member.manager or (self.managers[0] if self.managers else None)
        return None


def _unknown_line_managers(items: list[Any], managers: list[str]) -> list[_Problem]:
    allowed = ", ".join(managers) if managers else "the team has no managers"
    return [
        _Problem(
            (i, "manager"),
            "unknown_manager",
            f"manager {manager!r} is not one of the team's managers ({allowed})",
            manager,
        )
        for i, item in enumerate(items)
        if isinstance(manager := _raw(item, "manager"), str) and manager not in managers
    ]


class TendConfig(_Spec):
    teams: list[TeamSpec]

    @field_validator("teams", mode="wrap")
    @classmethod
    def _teams(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        if value == []:
            raise _error("no_teams", "must list at least one team")
        items = value if isinstance(value, list) else []
        problems = [
            _Problem((i, "key"), "duplicate_team", f"duplicate team key {key!r}", key)
            for i, key in _repeats(_raw(item, "key") for item in items)
        ]
        return _validate_and_check(cls.__name__, value, handler, problems)
