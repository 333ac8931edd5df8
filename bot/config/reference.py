"""The configuration reference (docs/configuration.md), generated from the code.

Settings come from `bot.settings.Settings` (names, defaults, descriptions); the YAML
keys from the pydantic models in `bot.config.schema` (names, requiredness, defaults)
with a description for each here. A test regenerates the page and fails when it is
stale, and another fails when a schema field has no description below.

    python -m bot.config.reference > docs/configuration.md
"""

from __future__ import annotations

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from bot.config.loader import ALIAS_BUDGET, MAX_DEPTH
from bot.config.schema import (
    KEY_MAX,
    NAME_MAX,
    CadenceSpec,
    MemberSpec,
    RitualsSpec,
    TeamSpec,
    TendConfig,
)
from bot.rituals import registry
from bot.settings import Settings

DESCRIPTIONS: dict[str, str] = {
    "teams": "The teams, each a mapping as below.",
    "team.key": "Stable id used by the CLI: lowercase letters, digits, `-` and `_`; at "
    f"most {KEY_MAX} characters.",
    "team.name": f"The team's name, as people see it in messages; at most {NAME_MAX} "
    "characters.",
    "team.channel": "The team's Slack channel id (`C…` public, `G…` private).",
    "team.timezone": "IANA zone for team-wide rituals (goal sharing, quads), such as "
    "`Europe/Amsterdam` (not `localtime`, which follows the server). Check-ins use each "
    "member's own Slack time zone.",
    "team.managers": "Slack user ids of the team's line managers.",
    "team.coaches": "Slack user ids of the coaches; told when a team post fails or a team "
    "is too small for quads.",
    "team.members": "Members: a user id, or `{id: U…, manager: U…}` to name the line "
    "manager (default: the first of `managers`). A manager may be a member too.",
    "team.rituals": "The team's rituals; a ritual left out is not run.",
    "team.skip_dates": "Local dates (`2026-12-25`) on which none of the team's rituals "
    "run, e.g. holidays. `/tend skip` adds to it.",
    "member.id": "The member's Slack user id.",
    "member.manager": "Their line manager: one of the team's `managers`.",
    "ritual.cadence": "When it runs: `{every, day, time}`, see below.",
    "ritual.enabled": "`false` pauses the ritual and keeps its settings.",
    "ritual.trial": "Run it as a trial of this many cycles (1–52): after the last one "
                    "the team votes *keep*, *change* or *drop* (docs/proposals.md). Left "
                    "out once the team has decided.",
    "cadence.every": "`week`, `2 weeks` or `month`.",
    "cadence.day": "A weekday `mon` … `sun` for weekly cadences; for monthly ones "
    "`1st mon` … `4th fri`, `last fri`, or a day of the month `1` … `31` (29–31 fall on "
    "the last day of shorter months).",
    "cadence.time": "`\"HH:MM\"`, 24-hour, in the ritual's time zone (the team's, for "
    "everything but check-ins). Quotes are optional; a bare number such as `1000` is "
    "refused.",
}

# Each ritual describes its own keys (its package's definition, in the registry).
for _ritual in registry.all_rituals():
    DESCRIPTIONS.update(_ritual.config_descriptions)

SECTIONS: list[tuple[str, str, type[BaseModel]]] = [
    ("Top level", "", TendConfig),
    ("A team (`teams[]`)", "team", TeamSpec),
    ("A member (`members[]`, mapping form)", "member", MemberSpec),
    ("Rituals (`rituals`)", "rituals", RitualsSpec),
    *((f"`{r.kind}`" + (" (a team key, beside `rituals`)" if r.team_level_key else ""),
       r.kind, r.config_spec) for r in registry.all_rituals()),
    ("A cadence (`cadence`)", "cadence", CadenceSpec),
]
_RITUAL_PREFIXES = frozenset(registry.kinds())


def description_key(prefix: str, field: str) -> str:
    if prefix in _RITUAL_PREFIXES and field in ("cadence", "enabled", "trial"):
        prefix = "ritual"  # what every ritual has is described once
    return f"{prefix}.{field}" if prefix else field


def _default(model: type[BaseModel], name: str) -> str:
    info = model.model_fields[name]
    if info.is_required():
        return "required"
    default = info.get_default(call_default_factory=True)
    if default is None or default == [] or isinstance(default, BaseModel):
        return "optional"
    return f"default `{str(default).lower() if isinstance(default, bool) else default}`"


def _yaml_section(title: str, prefix: str, model: type[BaseModel]) -> list[str]:
    rows = [f"### {title}", "", "| key | | meaning |", "|---|---|---|"]
    for name in model.model_fields:
        rows.append(f"| `{name}` | {_default(model, name)} | "
                    f"{DESCRIPTIONS[description_key(prefix, name)]} |")
    return [*rows, ""]


def _settings_section() -> list[str]:
    rows = ["| setting | default | meaning |", "|---|---|---|"]
    for name, info in Settings.model_fields.items():
        default = info.default
        shown = "—" if default in (None, PydanticUndefined) else f"`{default}`"
        rows.append(f"| `{name.upper()}` | {shown} | {info.description} |")
    return rows


def render_reference() -> str:
    lines = [
        "# Configuration reference",
        "",
        "Generated from the code by `python -m bot.config.reference`; a test fails when "
        "this page is stale.",
        "",
        "## Settings (environment)",
        "",
        *_settings_section(),
        "",
        "A missing or malformed setting stops the command with one line naming it. "
        "Settings may also be put in a `.env` file in the working directory.",
        "",
        "## The teams file (`tend import FILE`, `tend export`)",
        "",
        "UTF-8 YAML. A file with any problem is refused whole, each problem on a line "
        "with its line number, and nothing changes. Anchors and aliases (`&name`, "
        f"`*name`, `<<: *name`) may add at most {ALIAS_BUDGET:,} values to what the file "
        f"writes out, and nothing may nest deeper than {MAX_DEPTH} levels (a "
        "\"billion laughs\" is refused before it is expanded). Text values are limited to "
        "the size of the column that stores them.",
        "",
    ]
    for title, prefix, model in SECTIONS:
        lines += _yaml_section(title, prefix, model)
    return "\n".join(lines)


if __name__ == "__main__":
    print(render_reference())
