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
`bot.domain.cadence.Cadence.parse`. Slack user ids are `U…`/`W…`, channel ids `C…`/`G…`.

Extensions to the original format:

- A member may be a plain user id or a mapping `{id: U002, manager: U0MGR2}` naming
  which of the team's `managers` is that person's line manager. By default a member's
  line manager is the first entry of `managers`.
- Every ritual mapping may carry `enabled: true|false` (default true), so a ritual can
  stay configured while paused. `tend export` omits it when true.
- A manager may also be listed as a member; they simply get no check-in with themself.

Each ritual's keys are its package's `RitualSpec` subclass (`bot/rituals/<kind>/config.py`),
named by its definition in `bot.rituals.registry`: `RitualsSpec` and `TeamSpec` are
assembled from the registry, so registering a ritual adds its key here.

Cross-field rules (duplicates, unknown line managers) are checked on the raw input
and merged with per-field errors, so a single load reports every problem at once.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    create_model,
    field_validator,
)

from bot.platform.config_spec import (
    _SERVER_ZONES,
    _TEAM_KEY,
    FROM_FILE,
    ID_MAX,
    KEY_MAX,
    NAME_MAX,
    TIMEZONE_MAX,
    CadenceSpec,
    ChannelId,
    Loc,
    MemberSpec,
    RitualSpec,
    UserId,
    _details,
    _distinct_ids,
    _error,
    _fail,
    _Problem,
    _raw,
    _repeats,
    _Spec,
    _validate_and_check,
)
from bot.rituals import registry

__all__ = ["FROM_FILE", "ID_MAX", "KEY_MAX", "NAME_MAX", "CadenceSpec", "Loc", "MemberSpec",
           "RitualSpec", "RitualsSpec", "TeamSpec", "TendConfig", "ritual_spec_of"]


class _RitualsBase(_Spec):
    """A team's rituals; an absent key means that ritual is not configured."""

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


# One optional key per ritual under `rituals:`, in the registry's order. (To a type
# checker it is the base: code reaches a ritual's spec by its kind, `ritual_spec_of`.)
if TYPE_CHECKING:
    RitualsSpec = _RitualsBase
else:
    RitualsSpec = create_model(
        "RitualsSpec", __base__=_RitualsBase,
        __doc__="A team's rituals; an absent key means that ritual is not configured.",
        **{r.kind.value: (r.config_spec | None, None) for r in registry.all_rituals()
           if not r.team_level_key})


class _TeamBase(_Spec):
    key: str = Field(max_length=KEY_MAX)
    name: str = Field(max_length=NAME_MAX)
    channel: ChannelId
    timezone: str = Field(max_length=TIMEZONE_MAX)
    managers: list[UserId]
    coaches: list[UserId] = Field(default_factory=list)
    members: list[MemberSpec]
    rituals: RitualsSpec = Field(default_factory=RitualsSpec)
    # then a ritual configured beside `rituals` (the digest), then `skip_dates`: see TeamSpec

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
    def _someone_to_report_to(cls, rituals: _RitualsBase, info: ValidationInfo
                              ) -> _RitualsBase:
        if info.data.get("managers") != []:
            return rituals
        for name, spec in rituals.active().items():
            if getattr(spec, "needs_managers", False):
                problem = _Problem(
                    (name,),
                    "no_managers",
                    f"{name} is enabled but the team has no managers "
                    "(add one to managers, or set enabled: false)",
                )
                _fail("TeamSpec", [_details(problem)])
        return rituals

    def line_manager_of(self, user_id: str) -> str | None:
        """The member's line manager: their own `manager`, else the team's first manager.

        None for someone who is not a member, or when the team has no managers.
        """
        for member in self.members:
            if member.id == user_id:
                return member.manager or (self.managers[0] if self.managers else None)
        return None


class _TypedTeam(_TeamBase):
    """What a type checker knows of TeamSpec."""

    skip_dates: list[date]


# The rituals configured beside `rituals` (the digest), then the holidays, then team text
# a ritual keeps (the retro's `agreements`), in this order.
if TYPE_CHECKING:
    TeamSpec = _TypedTeam
else:
    TeamSpec = create_model(
        "TeamSpec", __base__=_TeamBase,
        **{r.kind.value: (r.config_spec | None, None) for r in registry.all_rituals()
           if r.team_level_key},
        # Local dates on which none of the team's rituals run (holidays).
        skip_dates=(list[date], Field(default_factory=list)),
        # Team text a ritual keeps (the retro's agreements), absent unless given.
        **{r.team_text.key: r.team_text.field for r in registry.all_rituals()
           if r.team_text})


def ritual_spec_of(team: TeamSpec, kind: str) -> RitualSpec | None:
    """A ritual's spec in a team, wherever its key is (under `rituals:` or beside it)."""
    ritual = registry.find(kind)
    if ritual is None:
        return None
    found: RitualSpec | None = getattr(team if ritual.team_level_key else team.rituals,
                                       kind, None)
    return found


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
