"""A Monday fan-out limited only by chat.postMessage: check-in pairs' group DMs opened
ahead of time, in the background of the clock and paced, and time zones from users.list
pages rather than one users.info per person."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.platform.pacing import TokenBucket
from bot.slack import gateway
from bot.storage.conversations import remember_conversation
from bot.storage.models import ConversationToOpen, Person
from tests.harness import World, at

MEMBERS = [f"U1{n:02d}" for n in range(25)]
TEAM = f"""
teams:
  - key: big
    name: Big
    channel: C0BIG
    timezone: Europe/Amsterdam
    managers: [U0MGR]
    members: [{", ".join(MEMBERS)}]
    rituals:
      weekly_feedback:
        cadence: {{every: week, day: mon, time: "10:00"}}
"""
LOADED = "2026-11-18T12:00:00+00:00"  # a Wednesday: the first check-in is Monday 23rd
MONDAY = "2026-11-23T09:00:00+00:00"  # 10:00 in Amsterdam


class Seconds:
    """A monotonic clock for the token bucket, moved by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _team(world: World, *, members: list[str] = MEMBERS) -> None:
    world.standin.add_user("U0MGR", tz="Europe/Amsterdam")
    for member in members:
        world.standin.add_user(member, tz="Europe/Amsterdam")
    world.load(TEAM.replace(", ".join(MEMBERS), ", ".join(members)), now=LOADED)


def _opens(world: World) -> Counter[str]:
    return Counter(",".join(sorted(str(c.params["users"]).split(",")))
                   for c in world.standin.calls_to("conversations.open"))


def _key(*users: str) -> str:
    return ",".join(sorted(users))


def _waiting(world: World) -> int:
    with world.db.scope() as session:
        return len(session.scalars(select(ConversationToOpen)).all())


def _zones(world: World) -> dict[str, str | None]:
    with world.db.scope() as session:
        return {p.user_id: p.tz for p in session.scalars(select(Person))}


def test_a_pre_opened_pairs_first_checkin_makes_no_conversations_open(world: World) -> None:
    """Catches the opening step left out of the tick (every open would then happen at
    the cadence time, 25 of them at Tier 3 before the last check-in could go out)."""
    seconds = Seconds()
    world.services.open_bucket = TokenBucket(clock=seconds)
    _team(world)
    assert _waiting(world) == 25  # marked as the team file was applied
    started = at(LOADED)
    for minute in range(0, 10):  # the clock's ticks in the days before
        seconds.now = minute * 60.0
        world.tick(started + timedelta(minutes=minute))
    assert _waiting(world) == 0
    assert _opens(world) == {_key(m, "U0MGR"): 1 for m in MEMBERS}
    opened_before = len(world.standin.calls_to("conversations.open"))

    report = world.tick(MONDAY)

    assert report.send.sent == 25
    assert len(world.standin.calls_to("conversations.open")) == opened_before
    posted = {frozenset(world.standin.conversation_members(m.channel))
              for m in world.checkin_posts()}
    assert posted == {frozenset({m, "U0MGR"}) for m in MEMBERS}


def test_opens_ahead_are_paced_to_the_bucket(world: World) -> None:
    """Catches opens not paced (all 25 in the first tick: a burst past Tier 3's bucket)
    and a bucket that never refills (the rest never opened)."""
    seconds = Seconds()
    world.services.open_bucket = TokenBucket(clock=seconds)  # 40 a minute, 10 at once
    _team(world)
    world.tick(LOADED)
    assert len(world.standin.calls_to("conversations.open")) == 10
    world.tick("2026-11-18T12:00:01+00:00")  # no time passed for the bucket
    assert len(world.standin.calls_to("conversations.open")) == 10
    seconds.now = 6.0  # 40 a minute: 4 more
    world.tick("2026-11-18T12:00:02+00:00")
    assert len(world.standin.calls_to("conversations.open")) == 14
    seconds.now = 60.0
    world.tick("2026-11-18T12:00:03+00:00")
    world.tick("2026-11-18T12:00:04+00:00")
    assert len(world.standin.calls_to("conversations.open")) == 24
    seconds.now = 120.0
    world.tick("2026-11-18T12:00:05+00:00")
    assert _opens(world) == {_key(m, "U0MGR"): 1 for m in MEMBERS}
    assert _waiting(world) == 0


def test_a_rate_limited_open_is_retried_after_retry_after(world: World) -> None:
    """Slack's 429 on an open ahead: slack_sdk waits Retry-After and asks again, and the
    conversation is opened once. Catches the gateway's 429 retry dropped."""
    _team(world, members=MEMBERS[:2])
    world.standin.fail("conversations.open", error="ratelimited", status=429, retry_after=1)
    world.tick(LOADED)
    calls = world.standin.calls_to("conversations.open")
    assert [c.error for c in calls] == ["ratelimited", None, None]
    assert _waiting(world) == 0


def test_a_pair_that_cannot_be_opened_is_left_to_its_first_checkin(world: World) -> None:
    """A permanent error (a deactivated member) drops that pair from the list rather
    than asking again every tick; the others are opened."""
    _team(world, members=MEMBERS[:3])
    world.standin.add_user(MEMBERS[1], tz="Europe/Amsterdam", deleted=True)
    world.tick(LOADED)
    world.tick("2026-11-18T12:01:00+00:00")
    assert _opens(world) == {_key(m, "U0MGR"): 1 for m in MEMBERS[:3]}  # one try each
    assert _waiting(world) == 0


def test_time_zones_come_from_users_list_pages(world: World,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """26 newcomers: three users.list pages of 10 (Slack's cursor, followed by
    slack_sdk), not 26 users.info calls. Catches per-person users.info for a crowd."""
    monkeypatch.setattr(gateway, "USERS_PAGE", 10)
    _team(world)
    world.standin.add_user(MEMBERS[0], tz="Asia/Kolkata")
    world.tick(LOADED)
    pages = world.standin.calls_to("users.list")
    assert [c.params.get("limit") for c in pages] == ["10", "10", "10"]
    assert [bool(c.params.get("cursor")) for c in pages] == [False, True, True]
    assert world.standin.calls_to("users.info") == []
    zones = _zones(world)
    assert zones[MEMBERS[0]] == "Asia/Kolkata"
    assert set(zones.values()) == {"Asia/Kolkata", "Europe/Amsterdam"}


def test_a_newcomer_between_refreshes_gets_users_info(world: World) -> None:
    """One person added to a team whose zones are fresh: one users.info, no users.list.
    Catches a whole users.list pass for every newcomer."""
    _team(world)
    world.tick(LOADED)
    lists = len(world.standin.calls_to("users.list"))
    world.standin.add_user("U0NEW", tz="America/New_York")
    world.load(TEAM.replace("U124]", "U124, U0NEW]"), now="2026-11-18T13:00:00+00:00")
    world.tick("2026-11-18T13:00:00+00:00")
    assert [c.params["user"] for c in world.standin.calls_to("users.info")] == ["U0NEW"]
    assert len(world.standin.calls_to("users.list")) == lists
    assert _zones(world)["U0NEW"] == "America/New_York"


def test_zones_are_refreshed_daily_from_users_list(world: World) -> None:
    """A day later every zone is asked again, in one users.list pass: a traveller's
    check-in follows them. Catches the daily refresh going back to users.info."""
    _team(world)
    world.tick(LOADED)
    world.standin.add_user(MEMBERS[3], tz="America/Los_Angeles")  # they moved
    lists = len(world.standin.calls_to("users.list"))
    world.tick("2026-11-19T12:30:00+00:00")
    assert len(world.standin.calls_to("users.list")) == lists + 1
    assert world.standin.calls_to("users.info") == []
    assert _zones(world)[MEMBERS[3]] == "America/Los_Angeles"


def test_a_deleted_user_in_users_list_gets_no_checkin(world: World) -> None:
    """users.list names deactivated accounts too (`deleted`): that member is recorded
    unreachable and skipped, everyone else is planned. Catches a deleted account's
    zone recorded as if they were active."""
    _team(world)
    world.standin.add_user(MEMBERS[5], tz="Europe/Amsterdam", deleted=True)
    world.tick(LOADED)
    assert world.standin.calls_to("users.info") == []
    with world.db.scope() as session:
        person = session.get_one(Person, (world.workspace_id, MEMBERS[5]))
        assert person.unreachable_reason == "account_inactive"
    world.tick(MONDAY)
    members = {frozenset(world.standin.conversation_members(m.channel))
               for m in world.checkin_posts()}
    assert len(members) == 24
    assert frozenset({MEMBERS[5], "U0MGR"}) not in members


def test_a_member_who_left_before_their_dm_was_opened_is_not_opened(world: World) -> None:
    """The team file applied again without a member drops their pair from the list.
    Catches a departed member's group DM opened all the same."""
    _team(world, members=MEMBERS[:3])
    assert _waiting(world) == 3
    world.load(TEAM.replace(", ".join(MEMBERS), ", ".join(MEMBERS[:2])),
               now="2026-11-18T12:30:00+00:00")
    assert _waiting(world) == 2
    world.tick(LOADED)
    assert _opens(world) == {_key(m, "U0MGR"): 1 for m in MEMBERS[:2]}


def _teams_yaml(count: int) -> str:
    return "teams:\n" + "".join(f"""
  - key: t{t}
    name: Team {t}
    channel: C0T{t}
    timezone: Europe/Amsterdam
    managers: [U0MGR]
    members: [{", ".join(f"U{t}{n:02d}" for n in range(5))}]
    rituals:
      weekly_feedback:
        cadence: {{every: week, day: mon, time: "10:00"}}
""" for t in range(count))


def _mark_as_the_clock_starts(world: World) -> None:
    from bot.core.opening_ahead import mark_conversations_to_open

    mark_conversations_to_open(world.db, now=at(LOADED))


def test_the_clock_start_marks_every_pair_of_every_team(world: World) -> None:
    """Teams set up before tend opened conversations ahead: the clock's start
    (`mark_conversations_to_open`, reading one team at a time) marks each pair of every
    team not yet cached and drops a mark no longer wanted. Catches a team left out as
    the teams are read one by one (mutation: `_conversations_team_by_team` stopping
    after the first team), a stale mark kept (mutation: no delete of `marked - keys`)
    and a cached conversation marked again (mutation: `to_mark` not filtered by
    `cached`)."""
    world.standin.add_user("U0MGR", tz="Europe/Amsterdam")
    for count in (1, 6):
        world.load(_teams_yaml(count), now=LOADED)
        with world.db.scope() as session:  # as before opening ahead existed
            session.execute(ConversationToOpen.__table__.delete())
            session.add(ConversationToOpen(workspace_id=world.workspace_id,
                                           users_key=_key("U0MGR", "U0GONE"),
                                           created_at=at(LOADED)))
        _mark_as_the_clock_starts(world)
        with world.db.scope() as session:
            waiting = set(session.scalars(select(ConversationToOpen.users_key)))
        assert waiting == {_key("U0MGR", f"U{t}{n:02d}") for t in range(count)
                           for n in range(5)}
    # A pair already open is not marked again.
    with world.db.scope() as session:
        remember_conversation(session, workspace_id=world.workspace_id,
                              users=["U0MGR", "U000"], channel_id="G0OPEN", now=at(LOADED))
    _mark_as_the_clock_starts(world)
    with world.db.scope() as session:
        assert _key("U0MGR", "U000") not in set(
            session.scalars(select(ConversationToOpen.users_key)))
