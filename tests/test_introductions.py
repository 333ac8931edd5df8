"""The introduction: one DM to each person first added to a team, before their first
prompt there (the real tick, the real WebClient against the stand-in, signed requests)."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from bot.storage.models import Introduction
from tests.goldens import assert_matches_golden
from tests.harness import World
from tests.test_forgetting import confirm_forget_me
from tests.test_tend_command import submit_setup
from tests.test_weekly_checkin import TEAM

# Monday 23 November 2026, 10:00 in Amsterdam (09:00 UTC): U001's and U0MGR's check-in.
MONDAY_10 = "2026-11-23T09:00:30+00:00"
NEXT_MONDAY_10 = "2026-11-30T09:00:30+00:00"
WELCOME = "Welcome to tend"


def add_people(world: World) -> None:
    for user, zone in (("U0MGR", "Europe/Amsterdam"), ("U0COACH", "Europe/Amsterdam"),
                       ("U001", "Europe/Amsterdam"), ("U002", "America/New_York"),
                       ("U003", "Asia/Kolkata"), ("U004", "Asia/Tokyo")):
        world.standin.add_user(user, tz=zone)


def posts_in_order(world: World) -> list[tuple[set[str], str]]:
    """Each top-level post the stand-in received, in the order it received them: who is
    in its conversation, and its fallback text."""
    return [(world.standin.conversation_members(str(call.params["channel"])),
             str(call.params.get("text", "")))
            for call in world.standin.calls_to("chat.postMessage")
            if not call.params.get("thread_ts")]


def introductions_to(world: World) -> list[str]:
    """Who got an introduction DM, one entry per DM."""
    return sorted(next(iter(members)) for members, text in posts_in_order(world)
                  if "tend" in text and "runs a few short rituals" in text)


def test_each_new_person_gets_one_introduction_before_their_first_prompt(world: World) -> None:
    """Members and the manager are introduced once, at the first tick after they were
    added, and each one's introduction reaches Slack before any prompt naming them.
    Catches the introduction step run after planning (mutation: `queue_introductions`
    after `plan_due` in the tick: the check-in is posted first), an introduction sent on
    every tick (mutation: `mark_sent` not called: two DMs each)."""
    add_people(world)
    world.load(TEAM, now="2026-11-23T08:59:00+00:00", introduced=False)
    world.tick(MONDAY_10)
    world.tick(NEXT_MONDAY_10)
    posts = posts_in_order(world)
    assert introductions_to(world) == ["U001", "U002", "U003", "U0MGR"]
    for person in ("U001", "U0MGR"):
        firsts = [i for i, (members, _text) in enumerate(posts) if person in members]
        assert WELCOME not in posts[firsts[1]][1]
        assert "runs a few short rituals" in posts[firsts[0]][1], (person, posts)
    assert [members for members, text in posts if "check-in" in text.lower()][:1] == [
        {"U001", "U0MGR"}]
    welcome = next(m for m in world.standin.messages()
                   if world.standin.conversation_members(m.channel) == {"U002"})
    text = json.dumps(welcome.blocks)
    # which rituals and when, at their time; who sees what; proposing; a week off
    assert "Weekly check-in" in text and "America/New_York" in text
    assert "/tend propose" in text and "/tend away" in text and "Skip me this week" in text
    assert "Nobody gets a figure about you" in text
    pinned = json.dumps({"text": welcome.text, "blocks": welcome.blocks}, indent=2,
                        ensure_ascii=False) + "\n"
    assert_matches_golden("introduction", pinned)


def test_a_re_import_and_a_rejoin_send_no_introduction(world: World) -> None:
    """Re-importing the same file, or a member removed and added back, sends nothing
    again. Catches an addition that starts the introduction afresh (mutation: the
    team's rows set waiting again in `want_introductions`: four more DMs)."""
    add_people(world)
    world.load(TEAM, now="2026-11-22T12:00:00+00:00", introduced=False)
    world.tick("2026-11-22T12:00:00+00:00")
    assert len(introductions_to(world)) == 4
    world.load(TEAM, now="2026-11-22T12:10:00+00:00", introduced=False)
    world.load(TEAM.replace("U001, ", ""), now="2026-11-22T12:20:00+00:00", introduced=False)
    world.load(TEAM, now="2026-11-22T12:30:00+00:00", introduced=False)
    world.tick(MONDAY_10)
    assert len(introductions_to(world)) == 4
    assert world.checkin_posts()  # the check-ins themselves went out


def test_a_person_added_later_in_the_setup_modal_is_introduced(world: World) -> None:
    """The setup modal (signed view submission) adds U004: the next tick introduces them
    alone, in their own zone. Catches introductions only written by `tend import`."""
    add_people(world)
    world.load(TEAM, now="2026-11-20T12:00:00+00:00")  # introduced already
    world.tick("2026-11-20T12:00:00+00:00")
    assert introductions_to(world) == []
    assert submit_setup(world, "U0COACH", "platform",
                        team_members=["U001", "U002", "U003", "U004"]) == {}
    world.tick("2026-11-20T12:05:00+00:00")
    assert introductions_to(world) == ["U004"]
    welcome = next(m for m in world.standin.messages()
                   if world.standin.conversation_members(m.channel) == {"U004"})
    assert "Asia/Tokyo" in json.dumps(welcome.blocks)


def test_forget_me_deletes_their_introductions_and_export_user_lists_them(
        world: World) -> None:
    """`/tend my-data`'s source (export-user) names when they were introduced; forget-me
    deletes the rows. Catches forget-me leaving them (mutation: the
    `forget_introductions` call removed)."""
    from bot.core.export_user import export_user

    add_people(world)
    world.load(TEAM, now="2026-11-22T12:00:00+00:00", introduced=False)
    world.tick("2026-11-22T12:00:00+00:00")
    with world.db.scope() as session:
        mine = export_user(session, world.workspace_id, "U002")["introduced"]
    assert mine == [{"team": "platform", "added_at": "2026-11-22T12:00:00+00:00",
                     "introduced_at": "2026-11-22T12:00:00+00:00"}]
    confirm_forget_me(world, "U002")

    def rows(user: str) -> int:
        with world.db.scope() as session:
            return session.scalar(select(func.count()).select_from(Introduction)
                                  .where(Introduction.user_id == user)) or 0

    assert (rows("U002"), rows("U001")) == (0, 1)
