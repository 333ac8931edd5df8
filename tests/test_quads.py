"""Peer quads end to end: grouping, the cycle prompt, commitments kept, joiners and leavers."""

from __future__ import annotations

from itertools import combinations

from sqlalchemy import select

from bot.storage.models import Commitment, QuadGroup
from tests.harness import World

A_REPORTS = ["U1A1", "U1A2", "U1A3", "U1A4"]
B_REPORTS = ["U1B1", "U1B2", "U1B3", "U1B4"]


def team_yaml(members: list[str], *, extra: str = "") -> str:
    lines = "\n".join(
        f"      - {{id: {m}, manager: {'U0MA' if m.startswith('U1A') else 'U0MB'}}}"
        if m.startswith("U1") else f"      - {m}" for m in members)
    return f"""
teams:
  - key: platform
    name: Platform
    channel: C0PLATFORM
    timezone: Europe/Amsterdam
    managers: [U0MA, U0MB]
    coaches: [U0COACH]
    members:
{lines}
    rituals:
      quads:
        cadence: {{every: week, day: thu, time: "15:00"}}
        regroup_every: 4
{extra}"""


EVERYONE = ["U0MA", "U0MB", *A_REPORTS, *B_REPORTS]
# Thursdays at 15:00 in Amsterdam (CET) are 14:00 UTC.
CYCLES = ["2026-12-03", "2026-12-10", "2026-12-17", "2026-12-24", "2026-12-31", "2027-01-07"]


def at_cycle(n: int) -> str:
    return f"{CYCLES[n]}T14:00:00+00:00"


def setup_team(world: World, members: list[str] = EVERYONE) -> None:
    for user in [*EVERYONE, "U0COACH", "U1NEW"]:
        world.standin.add_user(user, tz="Europe/Amsterdam")
    world.load(team_yaml(members))


def quad_posts(world: World, since: int = 0) -> list:  # type: ignore[type-arg]
    return [m for m in world.checkin_posts()[since:]]


def groups_of(world: World, posts: list) -> list[set[str]]:  # type: ignore[type-arg]
    return [world.standin.conversation_members(p.channel) for p in posts]


def test_a_cycle_groups_everyone_in_threes_to_fives_keeping_managers_apart(
        world: World) -> None:
    setup_team(world)
    world.tick(at_cycle(0))
    groups = groups_of(world, quad_posts(world))
    assert sorted(len(g) for g in groups) == [3, 3, 4]
    assert sorted(u for g in groups for u in g) == sorted(EVERYONE)
    for group in groups:
        assert not ({"U0MA"} <= group and group & set(A_REPORTS))
        assert not ({"U0MB"} <= group and group & set(B_REPORTS))
    world.tick(at_cycle(0))
    assert len(quad_posts(world)) == 3  # a repeated tick sends nothing twice


def test_commitments_come_back_next_cycle_and_only_their_owner_marks_them(
        world: World) -> None:
    setup_team(world)
    world.tick(at_cycle(0))
    post = quad_posts(world)[0]
    members = sorted(world.standin.conversation_members(post.channel))
    owner, peer = members[0], members[1]
    world.reply(channel=post.channel, user=owner, thread_ts=post.ts,
                text="commit: publish the API guide by 2026-12-09")
    world.reply(channel=post.channel, user=owner, thread_ts=post.ts,
                text="commit: pair with a new joiner by 2026-12-09")
    world.reply(channel=post.channel, user=owner, thread_ts=post.ts,
                text="commit: a third one by 2026-12-09")
    assert "One or two commitments" in world.standin.ephemerals(owner)[-1].text
    world.reply(channel=post.channel, user=peer, thread_ts=post.ts, text="Go for it!")
    with world.db.scope() as session:
        rows = session.scalars(select(Commitment).order_by(Commitment.id)).all()
        assert [(c.owner_id, c.text) for c in rows] == [
            (owner, "publish the API guide"), (owner, "pair with a new joiner")]
        first = rows[0].id

    world.tick(at_cycle(1))
    week2 = next(p for p in quad_posts(world, 3) if p.channel == post.channel)
    assert "publish the API guide" in str(week2.blocks)
    world.click(user=peer, action_id="quad_kept", value=str(first), channel=week2.channel,
                message_ts=week2.ts)
    assert world.standin.ephemerals(peer)[-1].text == "Only its owner can close a commitment."
    world.click(user=owner, action_id="commitment_done", value=str(first),
                channel=week2.channel, message_ts=week2.ts)  # a check-in button: refused
    world.click(user=owner, action_id="quad_kept", value=str(first), channel=week2.channel,
                message_ts=week2.ts)
    with world.db.scope() as session:
        assert session.get_one(Commitment, first).status == "kept"
    updated = next(m for m in world.standin.messages(week2.channel) if m.ts == week2.ts)
    assert "✅ *done*" in str(updated.blocks)


def test_groups_stay_until_the_regroup_and_then_change(world: World) -> None:
    setup_team(world)
    draws = []
    for n in range(5):
        before = len(world.checkin_posts())
        world.tick(at_cycle(n))
        draws.append(sorted(sorted(g) for g in groups_of(world, quad_posts(world, before))))
    assert draws[0] == draws[1] == draws[2] == draws[3]
    assert draws[4] != draws[3]  # cycle 5 starts the second draw
    first_pairs = {frozenset(p) for g in draws[0] for p in combinations(g, 2)}
    second_pairs = {frozenset(p) for g in draws[4] for p in combinations(g, 2)}
    # Mostly new colleagues: with managers kept from their reports, an exhaustive search
    # shows no second draw of this team can repeat fewer than 3 of the first draw's pairs.
    assert len(first_pairs & second_pairs) <= 3


def test_leavers_leave_and_newcomers_join_at_the_next_cycle(world: World) -> None:
    setup_team(world)
    world.tick(at_cycle(0))
    leaver = "U1A4"
    world.load(team_yaml([m for m in EVERYONE if m != leaver] + ["U1NEW"]),
               now="2026-12-05T00:00:00+00:00")
    before = len(world.checkin_posts())
    world.tick(at_cycle(1))
    groups = groups_of(world, quad_posts(world, before))
    everyone = {u for g in groups for u in g}
    assert leaver not in everyone and "U1NEW" in everyone
    assert all(3 <= len(g) <= 5 for g in groups)


def test_a_team_too_small_for_quads_tells_its_coach_once(world: World) -> None:
    setup_team(world, ["U0MA", "U1A1"])
    world.tick(at_cycle(0))
    world.tick(at_cycle(1))
    assert quad_posts(world) == []
    notices = [m for m in world.standin.messages() if m.channel.startswith("D")]
    assert len(notices) == 1
    assert world.standin.conversation_members(notices[0].channel) == {"U0COACH"}
    assert "at least 3" in notices[0].text


def test_managers_may_join_their_reports_when_the_file_says_so(world: World) -> None:
    for user in ["U0MA", *A_REPORTS, "U0COACH"]:
        world.standin.add_user(user, tz="Europe/Amsterdam")
    world.load(team_yaml(["U0MA", *A_REPORTS], extra="        managers_with_reports: true\n"))
    world.tick(at_cycle(0))
    (group,) = groups_of(world, quad_posts(world))
    assert group == {"U0MA", *A_REPORTS}


def test_export_user_includes_goals_and_quad_commitments(world: World) -> None:
    import json

    from bot.core.export_user import export_user

    setup_team(world)
    world.tick(at_cycle(0))
    post = quad_posts(world)[0]
    owner = sorted(world.standin.conversation_members(post.channel))[0]
    world.reply(channel=post.channel, user=owner, thread_ts=post.ts,
                text="commit: publish the API guide by 2026-12-09")
    with world.db.scope() as session:
        data = export_user(session, world.workspace_id, owner)
        groups = session.scalars(select(QuadGroup)).all()
    assert data["commitments"][0]["ritual"] == "quads"
    assert data["commitments"][0]["status"] == "open"
    assert "goals" in data and "quads" in data
    assert any(owner in g.members["ids"] for g in groups)
    json.dumps(data)


def test_commitments_never_reach_people_outside_the_quad_they_were_made_in(
        world: World) -> None:
    for user in [*EVERYONE, "U0COACH"]:
        world.standin.add_user(user, tz="Europe/Amsterdam")
    world.load(team_yaml(EVERYONE).replace("regroup_every: 4", "regroup_every: 1"))
    world.tick(at_cycle(0))
    origin = {}
    for post in quad_posts(world):
        members = world.standin.conversation_members(post.channel)
        for member in members:
            world.reply(channel=post.channel, user=member, thread_ts=post.ts,
                        text=f"commit: secret plan of {member} by 2026-12-09")
            origin[member] = members
    before = len(world.checkin_posts())
    world.tick(at_cycle(1))  # a fresh draw: new group-mates
    for post in quad_posts(world, before):
        audience = world.standin.conversation_members(post.channel)
        for member, made_among in origin.items():
            if f"secret plan of {member}" in str(post.blocks):
                assert audience <= made_among
