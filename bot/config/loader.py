"""Load the configuration file, reporting every problem with the line it is on.

Validation itself is the schema's job; this module adds what pydantic cannot know:
YAML syntax, duplicate keys (PyYAML silently keeps the last one), and line numbers,
found by walking each error's location through the composed YAML node tree.

Every error is one line: ``line N: <path>: <message>``, e.g.
``line 7: teams[0].timezone: unknown time zone 'Europe/Amsterdm'``.

Hostile or odd YAML is refused before it can cost much (see docs/decisions.md):
nesting deeper than `MAX_DEPTH`, aliases that expand the document by more than
`ALIAS_BUDGET` values (a "billion laughs"), recursive aliases, and text that is not
UTF-8. Unquoted `10:00` stays the text "10:00" (YAML 1.1 would read the number 600),
so a bare number such as `time: 1000` can be refused instead of read as 16:40.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from yaml.events import AliasEvent, Event
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.config.schema import FROM_FILE, Loc, TendConfig

# A teams file nests 7 deep (teams, a team, rituals, a ritual, cadence, time); far more is
# an attack on the (recursive) composer, not a configuration.
MAX_DEPTH = 20
# Values that aliases may add beyond what the file writes out: ample for sharing a cadence
# between teams, far below what exhausts memory (nine nested aliases of nine make 9**9).
ALIAS_BUDGET = 10_000


class ConfigError(Exception):
    """The file cannot be used; `errors` lists every problem, one line each, by line."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("\n".join(errors))


def decode(data: bytes) -> str:
    """The file's text; text that is not UTF-8 is refused with the line it is on."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError([f"line {line}: not UTF-8 text (byte {data[exc.start]:#04x}): "
                           "save the file as UTF-8"]) from None


def load_config(text: str) -> TendConfig:
    root, data, errors = _parse(text)
    try:
        config = TendConfig.model_validate(data, context=FROM_FILE)
    except ValidationError as exc:
        errors += [_describe(error, root) for error in exc.errors()]
    else:
        if not errors:
            return config
    unique = dict.fromkeys(errors)  # an alias can repeat a problem; keep the first
    raise ConfigError(sorted(unique, key=_line_number))


def _line_number(error: str) -> int:
    return int(error.split(":", 1)[0].removeprefix("line "))


# --- YAML -------------------------------------------------------------------------------


_INT, _FLOAT, _STR = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:str"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


def _event_line(event: Event) -> int:
    """The 1-based line an event starts on (0 if the parser gave no position)."""
    return event.start_mark.line + 1 if event.start_mark else 0


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, bounded in depth, with times of day kept as text."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.depth = 0
        self.first_alias_line = 0

    # `index` is an int in a sequence but the key's Node in a mapping (the stub says int).
    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            self.first_alias_line = self.first_alias_line or _event_line(event)
            return super().compose_node(parent, index)
        if self.depth >= MAX_DEPTH:
            raise ConfigError([f"line {_event_line(event)}: nested more than "
                               f"{MAX_DEPTH} levels deep; a teams file needs 7"])
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        tag: str = super().resolve(kind, value, implicit)
        if tag in (_INT, _FLOAT) and ":" in str(value):  # YAML 1.1 base 60: 10:00 is 600
            return _STR
        return tag

    def construct_yaml_timestamp(self, node: ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:  # shaped like a date, not on the calendar: the schema says so
            return node.value


_Loader.add_constructor(_TIMESTAMP, _Loader.construct_yaml_timestamp)


def _parse(text: str) -> tuple[Node | None, Any, list[str]]:
    """The node tree, the plain data, and any duplicate-key errors."""
    loader: _Loader | None = None
    try:
        loader = _Loader(text)  # rejects unprintable characters up front
        root = loader.get_single_node()
        if root is not None and loader.first_alias_line:
            _check_expansion(root, loader.first_alias_line)
        # Before constructing: resolving `<<` merge keys rewrites mappings in place.
        errors = list(_duplicate_keys(root, "")) if root is not None else []
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as exc:
        raise ConfigError([_yaml_error(exc, text)]) from None
    finally:
        if loader is not None:
            loader.dispose()
    return root, data, errors


def _check_expansion(root: Node, alias_line: int) -> None:
    """Refuse aliases that are recursive, or expand the document beyond the budget.

    Counts each node at its full, expanded size, once per distinct node (memoised), in
    a loop rather than by recursion, since aliases can chain into any depth.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        children = _children(node)
        if children_done:
            size[id(node)] = 1 + sum(size[id(c)] for c in children)
            depth[id(node)] = 1 + max((depth[id(c)] for c in children), default=0)
            continue
        if id(node) in size:
            continue
        if id(node) in depth:  # entered and not finished: it contains itself
            raise ConfigError([f"line {alias_line}: a recursive alias (an anchor used "
                               "inside itself) cannot be loaded"])
        depth[id(node)] = -1  # entered
        stack.append((node, True))
        stack += [(child, False) for child in children if id(child) not in size]
    distinct = len(size)
    if size[id(root)] - distinct > ALIAS_BUDGET or depth[id(root)] > MAX_DEPTH:
        raise ConfigError([f"line {alias_line}: aliases expand this file far beyond what "
                           f"it writes out (more than {ALIAS_BUDGET:,} values or "
                           f"{MAX_DEPTH} levels): write the values out instead"])


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _yaml_error(exc: yaml.YAMLError, text: str) -> str:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        line, problem = exc.problem_mark.line + 1, exc.problem
        if exc.context and exc.context_mark and exc.context_mark.line + 1 != line:
            problem = f"{exc.context} (line {exc.context_mark.line + 1}), {problem}"
        elif exc.context:
            problem = f"{exc.context}, {problem}"
        return f"line {line}: not valid YAML: {problem}"
    if isinstance(exc, yaml.reader.ReaderError):
        line = text.count("\n", 0, exc.position) + 1
        return f"line {line}: not valid YAML: {exc.reason} (character {exc.character!r})"
    return f"line 1: not valid YAML: {exc}"


def _duplicate_keys(node: Node, path: str, seen: set[int] | None = None) -> Iterator[str]:
    seen = set() if seen is None else seen
    if id(node) in seen:  # an alias (possibly recursive) already checked
        return
    seen.add(id(node))
    if isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            yield from _duplicate_keys(item, f"{path}[{index}]", seen)
    elif isinstance(node, MappingNode):
        first: dict[str, int] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, ScalarNode) else None
            if name is not None and name in first:
                yield (
                    f"line {_line(key)}: {_prefix(path)}duplicate key {name!r} "
                    f"(first given on line {first[name]})"
                )
            elif name is not None:
                first[name] = _line(key)
            yield from _duplicate_keys(value, _join(path, name or "?"), seen)


# --- pydantic errors -> lines -----------------------------------------------------------


def _describe(error: ErrorDetails, root: Node | None) -> str:
    loc, kind = error["loc"], error["type"]
    line, path = _locate(root, loc)
    if kind in ("missing", "extra_forbidden", "invalid_key"):
        parent_line, path = _locate(root, loc[:-1])  # the key itself is in the message
        if kind == "missing":
            line = parent_line  # the key is absent: point at the mapping lacking it
    return f"line {line}: {_prefix(path)}{_message(error)}"


def _locate(root: Node | None, loc: Loc) -> tuple[int, str]:
    """The line and display path of `loc`: a key's line, else the value's first line."""
    if root is None:
        return 1, _path_of(loc)
    line, path, node = _line(root), "", root
    for depth, part in enumerate(loc):
        found = _child(node, part)
        if found is None:  # not in the file (a missing key): stop at the deepest node
            return line, path + _path_of(loc[depth:], bool(path))
        key, node = found
        path = f"{path}[{part}]" if isinstance(part, int) and key is None else _join(path, part)
        line = _line(key if key is not None else node)
    return line, path


def _child(node: Node, part: str | int) -> tuple[Node | None, Node] | None:
    """(key node or None, value node) for `part` under `node`."""
    if isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        return None, node.value[part]
    if isinstance(node, MappingNode):
        name = str(part)
        matches = [(k, v) for k, v in node.value if isinstance(k, ScalarNode) and k.value == name]
        return matches[-1] if matches else None  # PyYAML keeps the last duplicate
    return None


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _join(path: str, part: str | int) -> str:
    return f"{path}.{part}" if path else str(part)


def _prefix(path: str) -> str:
    return f"{path}: " if path else ""


def _path_of(loc: Loc, dotted: bool = False) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text or dotted else part)
    return text


# What a wrong-type error means to someone editing YAML.
_EXPECTED = {
    "string_type": "text",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "bool_type": "true or false",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
}


def _message(error: ErrorDetails) -> str:
    loc, kind, value = error["loc"], error["type"], error["input"]
    if kind == "missing":
        return f"missing required key {loc[-1]!r}"
    if kind in ("extra_forbidden", "invalid_key"):  # the latter: a key that is not text
        model = _model_at(loc[:-1])
        allowed = f" (allowed: {', '.join(model.model_fields)})" if model else ""
        return f"unknown key {loc[-1]!r}{allowed}"
    if kind in ("model_type", "dict_type") and not loc:
        return f"the file must be a mapping with a 'teams' list, not {_shown(value)}"
    if kind == "string_too_long":
        return (f"too long: {len(value)} characters, at most "
                f"{(error.get('ctx') or {}).get('max_length')}")
    if kind in ("date_parsing", "date_from_datetime_parsing", "date_type"):
        return f"not a date on the calendar: {_shown(value)} (expected YYYY-MM-DD)"
    if kind in _EXPECTED:
        hint = " (put it in quotes)" if kind == "string_type" and _is_scalar(value) else ""
        return f"expected {_EXPECTED[kind]}, not {_shown(value)}{hint}"
    return error["msg"].removeprefix("Value error, ")


def _is_scalar(value: object) -> bool:
    return isinstance(value, bool | int | float)


def _shown(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        return str(value)
    return repr(value)


def _model_at(loc: Loc) -> type[BaseModel] | None:
    """The schema model validating the value at `loc` (to list its allowed keys)."""
    annotation: Any = TendConfig
    for part in loc:
        annotation = _unwrap(annotation)
        if isinstance(part, int):
            args = get_args(annotation)
            annotation = args[0] if get_origin(annotation) is list and args else None
        elif _is_model(annotation) and part in annotation.model_fields:
            annotation = annotation.model_fields[part].annotation
        else:
            return None
    annotation = _unwrap(annotation)
    return annotation if _is_model(annotation) else None


def _unwrap(annotation: Any) -> Any:
    """`X | None` -> X and `Annotated[X, ...]` -> X."""
    while True:
        origin, args = get_origin(annotation), get_args(annotation)
        if origin is Annotated:
            annotation = args[0]
        elif origin in (Union, types.UnionType):
            rest = [a for a in args if a is not type(None)]
            if len(rest) != 1:
                return annotation
            annotation = rest[0]
        else:
            return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)
