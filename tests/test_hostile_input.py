"""Malformed and unexpected payloads, properly signed: no 5xx, and nothing stored."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.storage.models import Commitment, Goal, ProcessedEvent, Reply, SharedReply
from tests.harness import World
from tests.properties import examples
from tests.test_weekly_checkin import setup_team

ids = st.sampled_from(["U001", "U0MGR", "UNOBODY", "", "G123", "C0PLATFORM", "D999"])
scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**12),
                    st.text(max_size=40), ids)
junk = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=12)
events = st.fixed_dictionaries({
    "type": st.sampled_from(["message", "app_home_opened", "reaction_added", "weird"]),
}, optional={
    "subtype": st.sampled_from(["message_changed", "message_deleted", "bot_message",
                                "thread_broadcast", "channel_join", "???"]),
    "channel": ids, "user": ids, "text": st.text(max_size=200), "ts": scalars,
    "thread_ts": scalars, "message": junk, "deleted_ts": scalars, "bot_id": scalars,
    "tab": st.sampled_from(["home", "messages", ""]), "extra": junk,
})
actions = st.fixed_dictionaries({
    "type": st.sampled_from(["block_actions", "view_submission", "message_action",
                             "shortcut", "view_closed", "nonsense"]),
}, optional={
    "user": st.one_of(st.fixed_dictionaries({"id": ids}), junk),
    "actions": st.lists(st.fixed_dictionaries({
        "action_id": st.sampled_from(["commitment_done", "commitment_add", "goal_carry",
                                      "quad_kept", "goals_share", "forget_me_confirm",
                                      "reminders_off", "home_edit_team", "skip_me_this_week",
                                      "unknown"]),
        "value": scalars}), max_size=2),
    "view": st.one_of(junk, st.fixed_dictionaries({
        "callback_id": st.sampled_from(["commitment_modal", "goals_modal", "share_modal",
                                        "setup_modal", "other"]),
        "private_metadata": scalars, "state": junk})),
    "callback_id": st.sampled_from(["share_in_digest", "other"]),
    "container": junk, "channel": junk, "message": junk, "trigger_id": scalars,
})
commands = st.fixed_dictionaries({"text": st.text(max_size=80), "user_id": ids})

SETTINGS = settings(max_examples=examples(80), deadline=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture])


def _stored(world: World) -> tuple[int, ...]:
    with world.db.scope() as session:
        return tuple(session.scalar(select(func.count()).select_from(model)) or 0
                     for model in (Reply, Commitment, Goal, SharedReply))


def _harmless(world: World, deliver: Callable[[], tuple[int, str]]) -> None:
    """Whatever arrives, signed: no 5xx, and nothing a listener could store is stored."""
    if not world.checkin_posts():
        setup_team(world)
        world.tick("2026-11-23T09:00:00+00:00")
    before = _stored(world)
    status, _ = deliver()
    assert status < 500
    assert _stored(world) == before


def _plain(payload: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(payload, default=str))


@SETTINGS
@given(event=events)
# Found by earlier runs (issue 16, item 7): a 500 on a signed change with no message.
@example(event={"type": "message", "subtype": "message_changed", "channel": "D999",
                "message": None})
@example(event={"type": "message", "subtype": "message_deleted", "channel": "D999",
                "deleted_ts": None, "previous_message": None})
def test_odd_events_get_no_5xx_and_store_nothing(world: World, event: dict[str, Any]) -> None:
    _harmless(world, lambda: world.standin.deliver_event(world.url, _plain(event)))


@SETTINGS
@given(payload=actions)
def test_odd_interactions_get_no_5xx_and_store_nothing(world: World,
                                                       payload: dict[str, Any]) -> None:
    _harmless(world, lambda: world.standin.deliver_action(world.url, _plain(payload)))


@SETTINGS
@given(command=commands)
def test_odd_commands_get_no_5xx_and_store_nothing(world: World,
                                                   command: dict[str, str]) -> None:
    _harmless(world, lambda: world.standin.deliver_command(
        world.url, command="/tend", text=command["text"], user_id=command["user_id"]))


def test_oversized_text_is_kept_whole_and_never_breaks_a_message(world: World) -> None:
    setup_team(world)
    world.tick("2026-11-23T09:00:00+00:00")
    post = world.checkin_posts()[0]
    huge = "x" * 40_000
    status, _ = world.reply(channel=post.channel, user="U001", text=huge, thread_ts=post.ts)
    assert status == 200
    with world.db.scope() as session:
        assert session.scalars(select(Reply.text)).one() == huge  # nothing a user wrote is lost
        assert session.scalar(select(func.count()).select_from(ProcessedEvent)) == 1
