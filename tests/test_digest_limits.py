"""Slack's limits on a digest's size, and escaping that survives clipping (items 11, 17)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.messages.render import block_text_length, escape_clipped, render_message
from bot.rituals.digest.flows import BLOCK_TEXT_BUDGET, _chart, render_digest
from bot.rituals.digest.period import Window
from bot.rituals.digest.policy import DigestView, Figure, SharedView
from bot.slack.standin import SlackStandIn
from bot.storage import outbox
from bot.storage.models import OutboxMessage
from tests.harness import World, at
from tests.test_digest import (
    DIGEST_TIME,
    MEMBERS,
    MONDAYS,
    digest_posts,
    hold_checkins,
    setup_team,
    share,
)

LONG = "We shipped the new deploy pipeline & cut the wait <a lot>. " * 60  # ~3,600


def share_as(world: World, user: str, channel: str, ts: str, kind: str = "highlight",
             named: bool = False) -> None:
    share(world, user, channel, ts)
    values = {"share_kind": {"value": {"type": "radio_buttons",
                                       "selected_option": {"value": kind}}},
              "share_named": {"value": {"type": "checkboxes", "selected_options":
                                        [{"value": "named"}] if named else []}}}
    assert world.submit_view(user=user, callback_id="share_modal", values=values,
                             private_metadata=world.standin.opened_views()[-1][
                                 "private_metadata"])[1] == {}


def test_a_digest_full_of_long_highlights_is_posted_within_slacks_limit(world: World) -> None:
    """Kills: rendering every shared item at 2,800 characters (neither `_fit_shared`'s
    budget nor the check after rendering): the stand-in then answers
    msg_blocks_too_long and no digest is posted."""
    setup_team(world)
    hold_checkins(world, MEMBERS, MONDAYS[:1])
    for post in world.checkin_posts():
        member = next(iter(world.standin.conversation_members(post.channel) - {"U0MGR"}))
        for n in range(2):
            _, ts = world.reply(channel=post.channel, user=member, thread_ts=post.ts,
                                text=f"{n}: {LONG}")
            share_as(world, member, post.channel, ts, named=n == 1)
    hold_checkins(world, MEMBERS, MONDAYS[1:])
    world.tick(DIGEST_TIME)
    (post,) = digest_posts(world)
    assert block_text_length(post.blocks) <= BLOCK_TEXT_BUDGET
    body = json.dumps(post.blocks)
    # the figures are kept
    assert "held their weekly check-in" in body.lower() and "all or nearly all" in body
    assert "more were shared than fit in this message" in body
    assert "&amp;" in body and "&am…" not in body and "&amp…" not in body


def _view(shared: list[SharedView]) -> DigestView:
    figures = tuple(Figure(f"k{n}", f"figure number {n}", True, f"about {5 * n}", 5 * n)
                    for n in range(1, 13))
    return DigestView("2026-11", "Platform & Co", figures, tuple(shared), (), ())


@pytest.mark.parametrize("text", ["x" * 3000, "&" * 3000, "<@U001> " * 400])
def test_twenty_four_items_of_the_longest_kind_fit_and_the_figures_stay(text: str) -> None:
    """Kills: rendering without a budget (neither the fitting nor the check after it),
    and any change that cuts the figures to make room."""
    shared = [SharedView(kind, text, "U0123456789" if n % 2 else None)
              for kind in ("highlight", "ask") for n in range(12)]
    view = _view(shared)
    window = Window("2026-11", datetime(2026, 10, 30, tzinfo=UTC),
                    datetime(2026, 11, 27, tzinfo=UTC))
    message = render_digest(view, window, ZoneInfo("UTC"), 3, _chart(view))
    assert block_text_length(message.blocks) <= BLOCK_TEXT_BUDGET
    body = json.dumps(message.blocks)
    assert all(f"Figure number {n}: *about {5 * n}*" in body for n in range(1, 13))
    assert "were shared than fit in this message" in body
    assert "Platform &amp; Co" in message.text  # the fallback escapes the team name


@pytest.mark.parametrize(("text", "limit"), [
    ("a&b", 5), ("&" * 10, 12), ("<<<<", 9), ("plain text", 5), ("fits & ok", 13)])
def test_clipping_comes_before_escaping_so_no_entity_is_cut(text: str, limit: int) -> None:
    """Kills: escaping first and clipping after (`&amp;` cut to `&am…`)."""
    clipped = escape_clipped(text, limit)
    assert len(clipped) <= limit
    body = clipped.removesuffix("…")
    for entity in ("&amp;", "&lt;", "&gt;"):
        body = body.replace(entity, "")
    assert not {"&", "<", ">"} & set(body)


def test_a_commitment_of_ampersands_is_clipped_whole_entities() -> None:
    """Kills: `| esc | clip(2400)` in the templates (the old order)."""
    message = render_message("commitment_recorded.json.j2", owner_id="U001",
                             what="&" * 3000, due_date=datetime(2026, 11, 27).date())
    section = message.blocks[0]["text"]["text"]
    assert "&amp;…*" in section and len(section) < 2600


def test_team_names_are_escaped_in_channel_post_fallbacks() -> None:
    """Kills: the plain team name in the goal session's fallback text."""
    message = render_message("goals_session.json.j2", team_name="R&D <ops>",
                             month_label="December 2026", occurrence_id=9, max_goals=3,
                             prompts=["What next?"], first=False)
    assert "R&amp;D &lt;ops&gt;" in message.text and "<ops>" not in message.text


# -- the stand-in answers like Slack --------------------------------------------------------
def _blocks(characters: int) -> list[dict[str, object]]:
    per = 2500
    return [{"type": "section", "text": {"type": "mrkdwn",
                                         "text": "x" * min(per, characters - n * per)}}
            for n in range((characters + per - 1) // per)]


def test_the_standin_refuses_blocks_over_13000_characters_on_each_method() -> None:
    """Kills: a stand-in with no msg_blocks_too_long (or the check on one method only)."""
    with SlackStandIn() as slack:
        slack.add_user("U1")
        slack.add_channel("C1", name="general", bot_is_member=True, members={"U1"})
        client = WebClient(token=slack.bot_token, base_url=slack.api_url)
        ok = client.chat_postMessage(channel="C1", text="t", blocks=_blocks(13_000))
        calls = {
            "chat.postMessage": lambda b: client.chat_postMessage(channel="C1", text="t",
                                                                  blocks=b),
            "chat.update": lambda b: client.chat_update(channel="C1", ts=ok["ts"], text="t",
                                                        blocks=b),
            "chat.postEphemeral": lambda b: client.chat_postEphemeral(
                channel="C1", user="U1", text="t", blocks=b),
        }
        for method, send in calls.items():
            with pytest.raises(SlackApiError) as refused:
                send(_blocks(13_001))
            assert refused.value.response["error"] == "msg_blocks_too_long", method
            assert send(_blocks(12_999))["ok"]


def test_msg_blocks_too_long_is_permanent_so_the_sender_does_not_retry(world: World) -> None:
    """Kills: msg_blocks_too_long missing from PERMANENT_ERRORS (the sender would retry
    it for about 8 minutes before marking the message failed)."""
    world.standin.add_channel("C1", name="general", bot_is_member=True)
    with world.db.scope() as session:
        outbox.enqueue(session, workspace_id=world.workspace_id, key="too-long",
                       payload={"text": "t", "blocks": _blocks(14_000)}, channel_id="C1",
                       now=at("2026-11-02T09:00:00+00:00"))
    world.tick("2026-11-02T09:00:00+00:00")
    with world.db.scope() as session:
        message = session.scalars(select(OutboxMessage)).one()
        assert (message.status, message.attempts, message.last_error) == (
            "failed", 1, "msg_blocks_too_long")
