"""One vocabulary for "how did this end" (issue 15, section 9), read from what Slack got.

Each ritual's outcome buttons, in its messages and on the owner's Home, and the note a
closed item reads with after a click, are read back from the stand-in: the words are
*Done · Partly · Not done*, then *Carry over* or *Drop*, whatever each ritual stores.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests import test_ack_first as ack_test
from tests.harness import World

VOCABULARY = {"Done", "Partly", "Not done", "Carry over", "Drop"}
# Each outcome button (its action id, a contract kept as it was) and its one word.
WORDS = {"commitment_done": "Done", "commitment_not_yet": "Carry over",
         "commitment_drop": "Drop", "quad_kept": "Done", "quad_partly": "Partly",
         "quad_missed": "Not done", "goal_done": "Done", "goal_partly": "Partly",
         "goal_not_done": "Not done", "goal_carry": "Carry over"}
OLD_WORDS = ("Kept", "Missed", "Not yet", "*kept*", "*missed*", "*not yet*")

# (how the scene is set up, the button clicked, the note the item then reads with,
#  every outcome button the ritual offers)
SCENES: dict[str, tuple[Callable[[World, str, str], Any], str, str, set[str]]] = {
    "check-in done": (ack_test._checkin_click, "commitment_done", "✅ *done*",
                      {"commitment_done", "commitment_not_yet", "commitment_drop"}),
    "check-in carry over": (ack_test._checkin_click, "commitment_not_yet",
                            "🔁 *carried over* to the next check-in",
                            {"commitment_done", "commitment_not_yet", "commitment_drop"}),
    "quad done": (ack_test._quad_click, "quad_kept", "✅ *done*",
                  {"quad_kept", "quad_partly", "quad_missed"}),
    "quad not done": (ack_test._quad_click, "quad_missed", "✗ *not done*",
                      {"quad_kept", "quad_partly", "quad_missed"}),
    "goal not done": (ack_test._goal_click, "goal_not_done", "✗ *not done*",
                      {"goal_done", "goal_partly", "goal_not_done", "goal_carry"}),
}


def _buttons(blocks: list[dict[str, Any]]) -> Iterator[tuple[str, str]]:
    for block in blocks:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("type") == "button" and element.get("action_id") in WORDS:
                yield element["action_id"], element["text"]["text"]


def _everything_shown(world: World, owner: str) -> tuple[list[tuple[str, str]], str]:
    """The outcome buttons in every message and on the owner's Home, and all their text."""
    messages = world.standin.messages()
    home = world.standin.home_view(owner) or {"blocks": []}
    buttons = [b for m in messages for b in _buttons(m.blocks or [])]
    buttons += list(_buttons(home["blocks"]))
    return buttons, " ".join(f"{m.text} {m.blocks}" for m in messages) + str(home)


@pytest.mark.parametrize("scene", list(SCENES))
def test_every_ritual_answers_in_one_vocabulary(world: World, scene: str) -> None:
    """Catches a ritual's button or closed note in words of its own (mutations: a quad's
    "Done" label back to "Kept" in outcomes.py, the carried note back to "not yet", the
    status note of `missed` back to "*missed*")."""
    set_up, action, note, offered = SCENES[scene]
    click = set_up(world, action, "")
    owner = click.payload["user"]["id"]
    before, _ = _everything_shown(world, owner)
    assert {a for a, _ in before} == offered  # the ritual's whole set is there
    world.standin.deliver_action(world.url, click.payload)
    world.settle()
    after, shown = _everything_shown(world, owner)
    for action_id, label in before + after:
        assert label == WORDS[action_id] and label in VOCABULARY, (action_id, label)
    assert note in shown
    for old in OLD_WORDS:
        assert old not in shown, old
