"""The team sees its own output: its digest in the team channel by default, `/tend
digest` and the Home for its members, `share:` lines, and people-figures that never read
as more than the team (the real tick, signed requests, the stand-in, a real database)."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.storage.models import SharedReply
from tests.harness import World
from tests.test_tend_command import exported

MEMBERS = [f"U00{n}" for n in range(1, 9)]  # eight members: the team
TEAM = f"""
teams:
  - key: platform
    name: Platform
    channel: C0PLATFORM
    timezone: Europe/Amsterdam
    managers: [U0MGR]
    coaches: [U0COACH]
    members: [{", ".join(MEMBERS)}]
    rituals:
      weekly_feedback:
        cadence: {{every: week, day: mon, time: "10:00"}}
    digest:
      cadence: {{every: week, day: fri, time: "16:00"}}
  - key: infra
    name: Infra
    channel: C0INFRA
    timezone: Europe/Amsterdam
    managers: [U0BOSS]
    members: [U0INF1, U0INF2, U0INF3]
    rituals:
      weekly_feedback:
        cadence: {{every: week, day: mon, time: "10:00"}}
    digest:
      to: U0BOSS
      cadence: {{every: week, day: fri, time: "16:00"}}
"""
MONDAY = "2026-11-23T09:00:00+00:00"  # 10:00 in Amsterdam
FRIDAY = "2026-11-27T15:00:00+00:00"  # 16:00 in Amsterdam: the weekly digest


def setup_teams(world: World) -> None:
    for user in ["U0MGR", "U0COACH", "U0BOSS", "U0INF1", "U0INF2", "U0INF3", *MEMBERS]:
        world.standin.add_user(user, tz="Europe/Amsterdam")
    world.standin.add_channel("C0PLATFORM", name="platform", bot_is_member=True,
                              members={"U0MGR", *MEMBERS})
    world.load(TEAM, now="2026-11-01T00:00:00+00:00")


def checkin_of(world: World, member: str) -> tuple[str, str]:
    post = next(p for p in world.checkin_posts()
                if world.standin.conversation_members(p.channel) == {"U0MGR", member})
    return post.channel, post.ts


def hold_the_week(world: World, lines: dict[str, str] | None = None) -> None:
    """Monday's check-ins, both sides answering; `lines`: a member's reply instead."""
    world.tick(MONDAY)
    for member in MEMBERS:
        channel, ts = checkin_of(world, member)
        world.reply(channel=channel, user=member, thread_ts=ts,
                    text=(lines or {}).get(member, "Shipped the importer."))
        world.reply(channel=channel, user="U0MGR", thread_ts=ts, text="Went well: the demo.")


def team_digest(world: World) -> str:
    (post,) = [m for m in world.standin.messages("C0PLATFORM") if "Team digest" in m.text]
    return json.dumps(post.blocks)


def test_the_digest_goes_to_the_team_channel_and_no_people_figure_exceeds_the_team(
        world: World) -> None:
    """No `to`: the digest is posted in the team's own channel, and the eight members who
    held their check-in read as the team, not "about 10". The other team's `to` still
    sends its digest to a person. Export leaves the omitted `to` out. Catches the old
    default (mutation: `digest_target` returning the first manager: no post in
    C0PLATFORM), the check-in counted as a number (mutation: `count=len(held)` back in
    the check-in's measure: "about 10"), and an export that writes the omitted `to`
    out (mutation: the None test removed from `dump._ritual`)."""
    setup_teams(world)
    hold_the_week(world)
    world.tick(FRIDAY)
    body = team_digest(world)
    assert "Members who held their weekly check-in" in body
    assert "all or nearly all of the team" in body and "about 10" not in body
    assert "Ritual activity" in body and "not what the team produced" in body
    infra = [m for m in world.standin.messages() if "Team digest" in m.text
             and world.standin.conversation_members(m.channel) == {"U0BOSS"}]
    assert len(infra) == 1  # a `to` naming a person still sends it as a DM
    text = exported(world)
    platform = text[text.index("key: platform"):text.index("key: infra")]
    assert "to:" not in platform and "to: U0BOSS" in text[text.index("key: infra"):]


def test_tend_digest_shows_a_member_their_own_team_s_digest_and_no_other(
        world: World) -> None:
    """A member of Platform reads Platform's digest; a member of Infra reads Infra's and
    never Platform's, even though both were posted. Catches `/tend digest` for every team
    of the workspace (mutation: `own_teams` returning `all_teams`)."""
    setup_teams(world)
    hold_the_week(world, {"U001": "share: the Platform-only secret sauce"})
    world.tick(FRIDAY)

    def digest_for(user: str) -> str:
        status, body = world.standin.deliver_command(world.url, command="/tend",
                                                     text="digest", user_id=user)
        assert status == 200
        return body

    mine = digest_for("U002")
    assert "Platform" in mine and "secret sauce" in mine and "Infra" not in mine
    theirs = digest_for("U0INF1")
    assert "Infra" in theirs and "Platform" not in theirs and "secret sauce" not in theirs
    # The member's Home shows their team's latest digest too (refreshed when opened).
    status = world.standin.deliver_event(world.url, {"type": "app_home_opened",
                                                     "user": "U0INF2", "tab": "home"})[0]
    assert status == 200
    world.settle()
    home = json.dumps(world.standin.home_view("U0INF2"))
    assert "Your teams' digests" in home and "Infra" in home and "secret sauce" not in home


def test_share_lines_reach_the_digest_unnamed_or_signed_and_nothing_else_does(
        world: World) -> None:
    """`share:` offers only its words, unnamed; `share named:` signs them; the rest of
    the reply, an empty share, and a line edited away reach nothing. The author is told
    privately. Catches the whole reply shown (mutation: `shared_words` not applied in
    `period_input`), a share signed without `named` (mutation: `named=True` in `_share`),
    an edit that does not withdraw (mutation: `withdraw_keyword_share` a no-op), and an
    empty share stored (mutation: `not shares.words` test removed)."""
    setup_teams(world)
    hold_the_week(world, {
        "U001": "Private: my knee surgery went fine.\nshare: we halved the deploy time",
        "U002": "share named: thanks to the support team for the weekend cover",
        "U003": "share:   ",
        "U004": "share: <!channel> <@U0MGR> *hostile* " + "x" * 5000,
        "U005": "share: I will withdraw this",
    })
    channel, ts = checkin_of(world, "U005")
    reply_ts = next(m.ts for m in world.standin.messages(channel) if m.thread_ts == ts
                    and m.user == "U005")
    edit = world.standin.message_changed_event(channel, reply_ts, "Never mind.", "U005",
                                               thread_ts=ts)
    assert world.standin.deliver_event(world.url, edit)[0] == 200
    world.settle()
    notes = {e.user: e.text for e in world.standin.ephemerals()}
    assert "unnamed" in notes["U001"] and "signed with your name" in notes["U002"]
    assert "Nothing was shared" in notes["U003"]
    assert "U006" not in notes  # no share line, no note
    world.tick(FRIDAY)
    body = team_digest(world)
    assert "we halved the deploy time" in body and "knee surgery" not in body
    assert "thanks to the support team" in body and body.count("<@U002>") == 1
    assert "<@U001>" not in body and "I will withdraw this" not in body
    assert "<!channel>" not in body and "&lt;!channel&gt;" in body  # escaped, not a ping
    with world.db.scope() as session:
        shared = session.scalars(select(SharedReply.author_id)).all()
    assert sorted(shared) == ["U001", "U002", "U004"]


def test_a_share_line_works_in_a_team_session_thread_beside_goal_lines(
        world: World) -> None:
    """`share:` is not the check-in's alone: in the goal session's thread (the team
    channel), beside a `goal:` reply, a `share:` reply offers its words and the goal is
    still recorded. Catches share lines read only where a ritual has no lines of its
    own (mutation: `shares = None` when `lines` is not None)."""
    from tests.test_monthly_goals import DECEMBER, goals, session_post
    from tests.test_monthly_goals import setup_team as setup_goals

    setup_goals(world)
    world.tick(DECEMBER)
    post = session_post(world)
    world.reply(channel=post.channel, user="U002", thread_ts=post.ts,
                text="goal: runbook done | no page unanswered | by 2027-01-29")
    world.reply(channel=post.channel, user="U002", thread_ts=post.ts,
                text="share: the on-call runbook is finally written down")
    assert goals(world) == [("U002", "runbook done", "open")]
    with world.db.scope() as session:
        row = session.scalars(select(SharedReply)).one()
        assert (row.author_id, row.named, row.by_keyword) == ("U002", False, True)
    (note,) = [e for e in world.standin.ephemerals("U002") if "team digest" in e.text]
    assert "unnamed" in note.text and note.thread_ts == post.ts
