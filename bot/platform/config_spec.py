"""The building blocks of the configuration schema: ids, errors with a precise
location, a cadence, a member, and what every ritual spec has (`RitualSpec`).

Each ritual's own spec subclasses `RitualSpec` in its package (`bot/rituals/<kind>/config.py`);
`bot.config.schema` assembles the teams file from the registry.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any, NoReturn, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    model_validator,
)
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError
from pydantic_core.core_schema import ErrorType
from sqlalchemy import String

from bot.domain.cadence import Cadence, CadenceError
from bot.storage.models import Base, Person, Team

_TEAM_KEY = re.compile(r"[a-z0-9][a-z0-9_-]*")
_USER_ID = re.compile(r"[UW][A-Z0-9]+")
_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]+")
# Files in the zoneinfo folder that are copies of the machine's own zone, not IANA names.
_SERVER_ZONES = frozenset({"localtime", "posixrules"})


def _column_size(model: type[Base], column: str) -> int:
    """A text column's size, so that a value too long for it is refused here, by line,
    rather than by PostgreSQL at the end of the import (SQLite would keep it whole)."""
    column_type = model.__table__.c[column].type
    if not isinstance(column_type, String) or column_type.length is None:
        raise TypeError(f"{model.__name__}.{column} is not a text column with a size")
    return column_type.length


ID_MAX = _column_size(Person, "user_id")  # user and channel ids alike
KEY_MAX = _column_size(Team, "key")
NAME_MAX = _column_size(Team, "name")
TIMEZONE_MAX = _column_size(Team, "timezone")

Loc = tuple[str | int, ...]

# The longest trial, in cycles: a year of weekly runs.
TRIAL_MAX = 52

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


# The error types pydantic itself raises; any other type in an error is one of ours.
_PYDANTIC_ERROR_TYPES = frozenset(get_args(ErrorType))


def _details(problem: _Problem) -> InitErrorDetails:
    return InitErrorDetails(
        type=_error(problem.kind, problem.message), loc=problem.loc, input=problem.input
    )


def _rebuild(error: ErrorDetails) -> InitErrorDetails:
    """An error from `exc.errors()` in the form `from_exception_data` takes back."""
    if error["type"] not in _PYDANTIC_ERROR_TYPES:  # one of ours: keep its final message
        kind = _error(error["type"], error["msg"])
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
    """What every ritual has: when it runs, whether it is paused, and whether it runs
    as a trial of so many cycles (the team then votes keep / change / drop)."""

    cadence: CadenceSpec
    enabled: StrictBool = True
    trial: int | None = Field(default=None, ge=1, le=TRIAL_MAX, strict=True)
