"""Write a configuration back out in the file's own format (`tend export`).

The output is built as a YAML node tree so each part gets the style admins write by
hand: block mappings for teams, flow lists for ids, a one-line flow mapping for each
cadence with its time always quoted. PyYAML still decides quoting of everything else,
so names like `yes` or `123` survive the round trip as text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml
from pydantic import BaseModel
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.config.schema import CadenceSpec, MemberSpec, RitualSpec, TeamSpec, TendConfig
from bot.rituals import registry

_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_BOOL = "tag:yaml.org,2002:bool"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"


class _Dumper(yaml.SafeDumper):
    """Indents list items under their key (`  - key: …`), as in the documented format."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def dump_config(config: TendConfig) -> str:
    root = _mapping([("teams", _sequence([_team(t) for t in config.teams]))])
    text: str = yaml.serialize(root, Dumper=_Dumper, allow_unicode=True, width=100)
    # A blank line between teams; only team entries start at this indent.
    return text.replace("\n  - ", "\n\n  - ").replace("teams:\n\n", "teams:\n", 1)


def _team(team: TeamSpec) -> Node:
    pairs: list[tuple[str, Node]] = [
        ("key", _scalar(team.key)),
        ("name", _scalar(team.name)),
        ("channel", _scalar(team.channel)),
        ("timezone", _scalar(team.timezone)),
        ("managers", _sequence([_scalar(m) for m in team.managers], flow=True)),
    ]
    if team.coaches:
        pairs.append(("coaches", _sequence([_scalar(c) for c in team.coaches], flow=True)))
    pairs.append(("members", _members(team.members)))
    rituals = _rituals(team.rituals)
    if rituals.value:
        pairs.append(("rituals", rituals))
    for ritual in registry.all_rituals():  # keys beside `rituals` (the digest)
        spec = getattr(team, ritual.kind, None) if ritual.team_level_key else None
        if spec is not None:
            pairs.append((ritual.kind, _ritual(spec)))
    if team.skip_dates:
        dates = [ScalarNode(_TIMESTAMP, d.isoformat()) for d in team.skip_dates]
        pairs.append(("skip_dates", _sequence(dates, flow=True)))
    for ritual in registry.all_rituals():  # team text a ritual keeps (agreements)
        kept = ritual.team_text
        texts = getattr(team, kept.key, None) if kept else None
        if kept and texts is not None:
            pairs.append((kept.key, _sequence([_scalar(t) for t in texts])))
    return _mapping(pairs)


def _members(members: list[MemberSpec]) -> Node:
    """A flow list of ids, unless someone has a line manager of their own."""
    if all(m.manager is None for m in members):
        return _sequence([_scalar(m.id) for m in members], flow=True)
    return _sequence([_member(m) for m in members])


def _member(member: MemberSpec) -> Node:
    if member.manager is None:
        return _scalar(member.id)
    return _mapping([("id", _scalar(member.id)), ("manager", _scalar(member.manager))], flow=True)


def _rituals(rituals: Any) -> MappingNode:
    specs = ((name, getattr(rituals, name)) for name in type(rituals).model_fields)
    return _mapping([(name, _ritual(spec)) for name, spec in specs if spec is not None])


# Switches written only when they differ from their default, to keep files short.
_OMIT_WHEN_DEFAULT = frozenset({"managers_with_reports"})
# The digest's target first, as people write it.
_FIELD_ORDER = {"to": -1}


def _ritual(spec: RitualSpec) -> Node:
    """Fields in schema order, `enabled` last and only when the ritual is paused; a field
    left unset (prompts left to the defaults, no `trial`) is left out, as in the file it
    came from."""
    fields = type(spec).model_fields
    pairs = [
        (name, _prompts(value) if name == "prompts" else _value(value))
        for name in sorted(fields, key=lambda n: _FIELD_ORDER.get(n, 0))
        if name != "enabled" and (value := getattr(spec, name)) is not None
        and not (name in _OMIT_WHEN_DEFAULT and value == fields[name].default)
    ]
    if not spec.enabled:
        pairs.append(("enabled", _scalar(False)))
    return _mapping(pairs)


def _cadence(spec: CadenceSpec) -> Node:
    canonical = spec.cadence.as_dict()  # a day of the month as a number
    return _mapping(
        [
            ("every", _scalar(canonical["every"])),
            ("day", _scalar(canonical["day"])),
            ("time", ScalarNode(_STR, str(canonical["time"]), style='"')),
        ],
        flow=True,
    )


def _prompts(value: Any) -> Node:
    """A team's prompts, one per line: a list, or a mapping of lists by role."""
    if isinstance(value, BaseModel):
        fields = type(value).model_fields
        return _mapping([(name, _prompts(getattr(value, name))) for name in fields
                         if getattr(value, name) is not None])
    return _sequence([_scalar(text) for text in value])


def _value(value: Any) -> Node:
    """Any ritual field: a cadence, a list of ids, or a scalar."""
    if isinstance(value, CadenceSpec):
        return _cadence(value)
    if isinstance(value, list):
        return _sequence([_value(v) for v in value], flow=True)
    if isinstance(value, BaseModel):
        fields = type(value).model_fields
        return _mapping([(name, _value(getattr(value, name))) for name in fields])
    return _scalar(value)


def _scalar(value: str | int | bool) -> ScalarNode:
    if isinstance(value, bool):
        return ScalarNode(_BOOL, "true" if value else "false")
    if isinstance(value, int):
        return ScalarNode(_INT, str(value))
    # PyYAML can misread its own plain or single-quoted output around control and line
    # separator characters (e.g. NEL); double quotes escape them all.
    return ScalarNode(_STR, value, style=None if value.isprintable() else '"')


def _sequence(items: Sequence[Node], flow: bool = False) -> SequenceNode:
    return SequenceNode(_SEQ, items, flow_style=flow)


def _mapping(pairs: list[tuple[str, Node]], flow: bool = False) -> MappingNode:
    return MappingNode(_MAP, [(_scalar(k), v) for k, v in pairs], flow_style=flow)
