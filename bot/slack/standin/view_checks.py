"""Slack's refusal of a view whose preselected options are not among its options, or
whose text input starts with more text than it may hold.

A `static_select` (or `multi_static_select`, `checkboxes`, `radio_buttons`) may say which
of its options start selected (`initial_option` / `initial_options`). Slack accepts that
only when each is exactly one of the element's options, from `options` or from
`option_groups`; otherwise `views.open`, `views.push`, `views.update` and `views.publish`
answer `invalid_arguments`. Elements whose options come from elsewhere
(`external_select`, the user and conversation pickers) carry neither list and are not
checked.

A `plain_text_input` holds at most `max_length` characters (3000 at most): an
`initial_value` longer than that is refused the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

JSON = dict[str, Any]


def preselection_problems(view: JSON) -> list[str]:
    """Each preselected option of `view` that is not one of its element's options."""
    problems = []
    for element in _elements(view.get("blocks")):
        if "options" not in element and "option_groups" not in element:
            continue
        offered = _offered(element)
        chosen = element.get("initial_options")
        if "initial_option" in element:
            chosen = [element["initial_option"]]
        for option in chosen if isinstance(chosen, list) else []:
            if option not in offered:
                problems.append(f"{element.get('action_id', '?')}: {option!r} is not an option")
    return problems


MAX_INPUT_LENGTH = 3000


def text_input_problems(view: JSON) -> list[str]:
    """Each text input of `view` whose initial value is longer than it may hold."""
    problems = []
    for element in _elements(view.get("blocks")):
        if element.get("type") != "plain_text_input":
            continue
        limit = min(int(element.get("max_length") or MAX_INPUT_LENGTH), MAX_INPUT_LENGTH)
        if len(str(element.get("initial_value") or "")) > limit:
            problems.append(f"{element.get('action_id', '?')}: initial_value is longer "
                            f"than {limit} characters")
    return problems


def _offered(element: JSON) -> list[object]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        if isinstance(group, dict):
            options += group.get("options") or []
    return options


def _elements(blocks: object) -> Iterator[JSON]:
    """Every interactive element of `blocks`: inputs, accessories, actions, nested ones."""
    for block in blocks if isinstance(blocks, list) else []:
        if not isinstance(block, dict):
            continue
        for key in ("element", "accessory"):
            if isinstance(block.get(key), dict):
                yield block[key]
        for element in block.get("elements") or []:
            if isinstance(element, dict):
                yield element
