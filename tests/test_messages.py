"""Rendered messages and views: pinned by golden files, valid Block Kit, within limits.

Regenerate the golden files after an intended change with UPDATE_GOLDEN=1 pytest (see
tests/goldens.py: a run that rewrites one fails).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.messages.render import (
    MAX_MESSAGE_BLOCKS,
    RenderError,
    Template,
    render_message,
    render_view,
    validate_blocks,
)
from bot.platform.prompts import MAX_PROMPT_CHARS, MAX_PROMPTS
from bot.rituals.common.commitment_view import MAX_LISTED_COMMITMENTS
from bot.rituals.monthly_goals.config import PROMPTS as GOALS_PROMPTS
from bot.rituals.quads.config import PROMPTS as QUADS_PROMPTS
from bot.rituals.weekly_feedback.config import PROMPTS as CHECKIN_PROMPTS
from tests.goldens import assert_matches_golden
from tests.properties import examples


def _commitment(n: int, **overrides: Any) -> dict[str, Any]:
    item = {"id": n, "owner_id": "U001" if n % 2 else "U0MGR",
            "text": f"Result number {n} <shipped> & reviewed", "due_date": date(2026, 12, n),
            "open": True, "status_note": "", "carried_here": False}
    return {**item, **overrides}


def _checkin_prompts(round_index: int) -> dict[str, Any]:
    """The default questions of a pair's check-in number `round_index` (0: the first)."""
    asked = CHECKIN_PROMPTS.resolve(None, round_index=round_index)
    return dict(first=round_index == 0, member_prompts=asked.of("member"),
                manager_prompts=asked.of("manager"), upward_prompts=asked.of("upward"),
                rotating_prompt=asked.rotating)


CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "checkin_first_week": ("checkin.json.j2", dict(
        member_id="U001", manager_id="U0MGR", week_label="week of 23 Nov",
        occurrence_id=7, commitments=[], hidden_commitments=0, **_checkin_prompts(0))),
    "checkin_with_commitments": ("checkin.json.j2", dict(
        member_id="U001", manager_id="U0MGR", week_label="week of 30 Nov", occurrence_id=8,
        commitments=[
            _commitment(1),
            _commitment(2, open=False, status_note="  ✅ *done*"),
            _commitment(3, carried_here=True,
                        status_note="  🔁 *carried over* to the next check-in"),
        ], hidden_commitments=0, **_checkin_prompts(1))),
    "goals_session": ("goals_session.json.j2", dict(
        team_name="Platform & Co", month_label="December 2026", occurrence_id=9, max_goals=3,
        first=False, prompts=GOALS_PROMPTS.resolve(None, round_index=2).of())),
    "goals_session_first": ("goals_session.json.j2", dict(
        team_name="Platform & Co", month_label="December 2026", occurrence_id=9, max_goals=3,
        first=True, prompts=GOALS_PROMPTS.resolve(None, round_index=0).of())),
    "goals_shared": ("goals_shared.json.j2", dict(
        owner_id="U001", month_label="December 2026", heading_emoji=":dart:",
        heading="— goals for December 2026:",
        goals=[{"what": "Onboarding takes one day", "measure": "Two joiners <say so>",
                "due_date": date(2027, 1, 15)}])),
    "goals_review": ("goals_review.json.j2", dict(month_label="January 2027", goals=[
        {"id": 1, "what": "Onboarding takes one day", "measure": "Two joiners say so",
         "due_date": date(2027, 1, 15), "open": True, "status_note": ""},
        {"id": 2, "what": "Faster deploys", "measure": "Under ten minutes",
         "due_date": date(2027, 1, 20), "open": False,
         "status_note": "  🔁 *carried over*"}])),
    "quad_cycle": ("quad_cycle.json.j2", dict(
        members=["U001", "U002", "U003", "U004"], cycle=2, fresh=False, occurrence_id=11,
        next_cycle=date(2026, 12, 17), commitments=[
            _commitment(1), _commitment(2, open=False, status_note="  ✅ *done*")],
        first=False, prompts=QUADS_PROMPTS.resolve(None, round_index=1).of())),
    "quad_cycle_first": ("quad_cycle.json.j2", dict(
        members=["U001", "U002", "U003", "U004"], cycle=1, fresh=True, occurrence_id=10,
        next_cycle=date(2026, 12, 10), commitments=[], first=True,
        prompts=QUADS_PROMPTS.resolve(None, round_index=0).of())),
    "commitment_recorded": ("commitment_recorded.json.j2", dict(
        owner_id="U0MGR", what="Unblock the <staging> budget", due_date=date(2026, 11, 27))),
}


def _golden(name: str, document: dict[str, Any]) -> None:
    rendered = json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"
    assert_matches_golden(name, rendered)


@pytest.mark.parametrize("name", sorted(CASES))
def test_messages_match_their_golden_files(name: str) -> None:
    template, context = CASES[name]
    _golden(name, render_message(template, **context).as_dict())


def test_the_commitment_modal_matches_its_golden_file() -> None:
    view = render_view("commitment_modal.json.j2", occurrence_id=7,
                       initial_due=date(2026, 11, 30), min_length=3, max_length=500)
    _golden("commitment_modal", view)


def test_the_goals_modal_matches_its_golden_file() -> None:
    view = render_view("goals_modal.json.j2", occurrence_id=9, slots=[1, 2, 3],
                       month_label="December 2026", initial_due=date(2027, 1, 4),
                       max_length=300)
    _golden("goals_modal", view)


def test_the_setup_modal_matches_its_golden_file() -> None:
    from bot.core.setup import _context

    view = render_view("setup_modal.json.j2", **_context(None, "U0COACH"))
    assert len(view["blocks"]) <= 100
    _golden("setup_modal_new_team", view)


def test_user_text_is_escaped_so_it_cannot_mention_or_link() -> None:
    message = render_message("commitment_recorded.json.j2", owner_id="U1",
                             what="<!channel> <https://evil|click> & co",
                             due_date=date(2026, 12, 1))
    body = json.dumps(message.blocks)
    assert "<!channel>" not in body and "&lt;!channel&gt;" in body and "&amp; co" in body


@settings(max_examples=examples(60), deadline=None)
@given(count=st.integers(0, MAX_LISTED_COMMITMENTS),
       text=st.text(min_size=3, max_size=500), hidden=st.integers(0, 200),
       prompt=st.sampled_from(["&" * MAX_PROMPT_CHARS, "<" * MAX_PROMPT_CHARS, "ok"]))
def test_any_checkin_is_valid_block_kit_within_the_limit(count: int, text: str,
                                                         hidden: int, prompt: str) -> None:
    """Kills: the team's longest prompts, escaped (an `&` is five characters), taking a
    section over Slack's 3000 characters."""
    commitments = [_commitment(n % 28 + 1, id=n + 1, text=text) for n in range(count)]
    most = [prompt] * MAX_PROMPTS
    message = render_message("checkin.json.j2", member_id="U001", manager_id="U0MGR",
                             week_label="week of 23 Nov", occurrence_id=1,
                             commitments=commitments, hidden_commitments=hidden, first=False,
                             member_prompts=most, manager_prompts=most, upward_prompts=most,
                             rotating_prompt=prompt)
    assert len(message.blocks) <= MAX_MESSAGE_BLOCKS
    assert message.text


def test_more_than_fifty_blocks_is_refused() -> None:
    blocks = [{"type": "divider"}] * (MAX_MESSAGE_BLOCKS + 1)
    with pytest.raises(RenderError):
        validate_blocks(blocks, limit=MAX_MESSAGE_BLOCKS, where="test")


def test_every_shared_template_name_is_a_template_file() -> None:
    """Kills: a Template member misspelt or left behind after its file was renamed (the
    enum is the one place code names a shared template)."""
    from pathlib import Path

    import bot.messages.render as render

    folder = Path(render.__file__).parent / "templates"
    assert {t.value for t in Template} <= {p.name for p in folder.glob("*.json.j2")}


def test_a_shared_template_renders_by_its_enum_member_first() -> None:
    """Kills: a Template member handed to Jinja as is (it compiles the name's repr into
    Python, a SyntaxError when the member is the first to load the template)."""
    from bot.messages.render import environment

    environment.cache_clear()
    assert "waiting for your answer" in render_message(Template.NUDGE, what="x", where="y").text
