"""The daily zone refresh reads a few users.list pages a tick and goes on at the next
tick from the cursor kept in the database, so no tick waits on a whole workspace's list
(~250 Tier 2 pages at 50,000 members)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.slack import gateway
from bot.storage.models import Person, Ritual, UsersListPass
from tests.harness import World, at

MEMBERS = [f"U1{n:02d}" for n in range(25)]  # with U0MGR, 26 people: 6 pages of 5
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
A_DAY_LATER = at("2026-11-19T12:30:00+00:00")  # every zone is stale again
PAGES = 2  # users.list pages a tick reads, here


@pytest.fixture
def paged(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    """26 people known with their zones, in users.list pages of 5."""
    monkeypatch.setattr(gateway, "USERS_PAGE", 5)
    world.standin.add_user("U0MGR", tz="Europe/Amsterdam")
    for member in MEMBERS:
        world.standin.add_user(member, tz="Europe/Amsterdam")
    world.load(TEAM, now=LOADED)
    world.services.users_list_pages = 6
    world.tick(LOADED)  # the newcomers' pass: all 6 pages
    world.tick(at(LOADED) + timedelta(minutes=1))  # what is due computed with their zones
    world.services.users_list_pages = PAGES
    return world


def _cursors(world: World, since: int) -> list[bool]:
    """Whether each users.list call from the `since`th on carried a cursor."""
    return [bool(c.params.get("cursor")) for c in world.standin.calls_to("users.list")[since:]]


def _lists(world: World) -> int:
    return len(world.standin.calls_to("users.list"))


def _zone(world: World, user: str) -> str | None:
    with world.db.scope() as session:
        return session.get_one(Person, (world.workspace_id, user)).tz


def _next_due(world: World) -> datetime | None:
    with world.db.scope() as session:
        return session.scalar(select(Ritual.next_due_at))


def test_the_daily_pass_reads_a_few_pages_a_tick_from_the_saved_cursor(paged: World) -> None:
    """Six pages at two a tick: three ticks, each going on from the cursor the last one
    saved, and a zone that changed on the last page moves the check-in's next due
    instant. Catches the whole list read in one tick (6 calls at once: the page budget
    ignored) and the saved cursor ignored (mutation: `_read_pages` starting every tick
    from the first page: the last pages, and U124's move, are never read)."""
    assert _next_due(paged) == at("2026-11-23T09:00:00+00:00")  # 10:00 in Amsterdam
    paged.standin.add_user(MEMBERS[24], tz="Pacific/Auckland")  # they moved; last page
    before = _lists(paged)

    paged.tick(A_DAY_LATER)
    assert _cursors(paged, before) == [False, True]  # the first two pages only
    paged.tick(A_DAY_LATER + timedelta(minutes=1))
    assert _cursors(paged, before) == [False, True, True, True]  # on from the cursor
    assert _zone(paged, MEMBERS[24]) == "Europe/Amsterdam"  # not read yet
    paged.tick(A_DAY_LATER + timedelta(minutes=2))
    assert _cursors(paged, before) == [False, True, True, True, True, True]
    assert _zone(paged, MEMBERS[24]) == "Pacific/Auckland"
    with paged.db.scope() as session:
        assert session.get_one(UsersListPass, paged.workspace_id).cursor is None  # done

    paged.tick(A_DAY_LATER + timedelta(minutes=3))  # nobody stale: no new pass
    assert _lists(paged) == before + 6
    assert paged.standin.calls_to("users.info") == []
    assert _next_due(paged) == at("2026-11-22T21:00:00+00:00")  # Monday 10:00 in Auckland


def test_a_refused_cursor_restarts_the_pass(paged: World) -> None:
    """Slack refuses the saved cursor (`invalid_cursor`, say it expired): the pass starts
    again from the first page at once, and ends. Catches the refusal taken as a failed
    list (every person then asked by users.info, and the dead cursor kept forever)."""
    before = _lists(paged)
    paged.tick(A_DAY_LATER)
    paged.standin.fail("users.list", error="invalid_cursor",
                       match=lambda params: bool(params.get("cursor")))
    paged.tick(A_DAY_LATER + timedelta(minutes=1))
    calls = paged.standin.calls_to("users.list")[before:]
    assert [(bool(c.params.get("cursor")), c.error) for c in calls] == [
        (False, None), (True, None), (True, "invalid_cursor"), (False, None), (True, None)]
    for minute in (2, 3):
        paged.tick(A_DAY_LATER + timedelta(minutes=minute))
    assert _lists(paged) == before + 2 + 1 + 6
    assert paged.standin.calls_to("users.info") == []
    with paged.db.scope() as session:
        assert session.get_one(UsersListPass, paged.workspace_id).cursor is None
        checked = set(session.scalars(select(Person.tz_checked_at)))
    assert checked == {A_DAY_LATER + timedelta(minutes=m) for m in (1, 2, 3)}


def test_someone_the_finished_pass_did_not_name_is_asked_alone(paged: World) -> None:
    """A member users.list no longer names (here: gone from the workspace) is left as
    they were while the pass runs, then asked by users.info, alone, once it ends; while
    users.info fails for them (Slack's trouble, asked again next tick) no new pass
    starts. Catches a whole pass restarted every tick for someone it cannot name
    (mutation: `_wants_the_list` without its once-a-day test)."""
    hidden = MEMBERS[7]
    del paged.standin.state.users[hidden]
    paged.standin.fail("users.info", error="internal_error", times=2)
    before = _lists(paged)
    paged.tick(A_DAY_LATER)
    paged.tick(A_DAY_LATER + timedelta(minutes=1))
    assert paged.standin.calls_to("users.info") == []
    with paged.db.scope() as session:
        person = session.get_one(Person, (paged.workspace_id, hidden))
        assert (person.tz_checked_at, person.unreachable_reason) == (at(LOADED), None)
    for minute in range(2, 6):
        paged.tick(A_DAY_LATER + timedelta(minutes=minute))
    assert _lists(paged) == before + 6  # one pass
    assert [(c.params["user"], c.error) for c in paged.standin.calls_to("users.info")] == [
        (hidden, "internal_error"), (hidden, "internal_error"), (hidden, "user_not_found")]
    with paged.db.scope() as session:
        person = session.get_one(Person, (paged.workspace_id, hidden))
        assert person.unreachable_reason == "user_not_found"


def test_a_coach_s_first_zone_moves_nothing_due(paged: World) -> None:
    """A coach added to the team is first named by the daily pass, after the tick's
    planning: their zone cannot move a check-in, so the ritual's next due instant stays
    computed. Catches every newly listed zone marking its teams for recomputing
    (mutation: `record_listed_timezones` without its `_zone_matters` filter)."""
    paged.standin.add_user("U0COACH", tz="America/Chicago")
    paged.load(TEAM.replace("managers: [U0MGR]", "managers: [U0MGR]\n    coaches: [U0COACH]"),
               now="2026-11-18T13:00:00+00:00")
    paged.tick("2026-11-18T13:00:00+00:00")
    monday = at("2026-11-23T09:00:00+00:00")
    assert (_next_due(paged), _zone(paged, "U0COACH")) == (monday, None)
    paged.services.users_list_pages = 6
    paged.tick(A_DAY_LATER)
    assert (_next_due(paged), _zone(paged, "U0COACH")) == (monday, "America/Chicago")
