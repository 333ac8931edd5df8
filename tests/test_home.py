"""The App Home tab per role, end to end: app_home_opened over signed HTTP, views.publish
into the stand-in, clicks in the Home, and the privacy promise on what each role sees."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from slack_sdk.models.views import View
from sqlalchemy import select

from bot.core.home import managers_of_new_digests
from bot.core.tend_command import stored_digest
from bot.messages.render import MAX_VIEW_BLOCKS, validate_blocks
from bot.rituals.common.commitment_rules import CommitmentDraft
from bot.rituals.common.commitments import record_commitment
from bot.rituals.monthly_goals.rules import GoalDraft
from bot.rituals.weekly_feedback.ritual import COMMITMENTS as CHECKIN_COMMITMENTS
from bot.storage.goals import add_goal
from bot.storage.models import Commitment, Digest, Occurrence, Team
from bot.storage.teams import team_by_key
from tests.harness import World, at
from tests.test_digest import DIGEST_TIME, MEMBERS, hold_checkins
from tests.test_digest import setup_team as setup_digest_team

TEAM = """
teams:
  - key: platform
    name: Platform
    channel: C0PLATFORM
    timezone: Europe/Amsterdam
    managers: [U0MGR]
    coaches: [U0COACH]
    members: [U001, U002, U003, U004]
    rituals:
      weekly_feedback:
        cadence: {every: week, day: mon, time: "10:00"}
      monthly_goals:
        cadence: {every: month, day: 1st mon, time: "09:30"}
      quads:
        cadence: {every: week, day: thu, time: "15:00"}
    digest:
      to: U0MGR
      cadence: {every: month, day: last fri, time: "16:00"}
      min_group: 3
"""
PRIVATE_WORDS = ["Shipped the importer", "onboarding guide reviewed", "pair on the flaky test",
                 "Went well: the demo"]


def home(world: World, user: str, *, tab: str = "home") -> dict[str, Any] | None:
    """Open `user`'s App Home as Slack would, and return what tend published there."""
    status, _ = world.standin.deliver_event(world.url, {
        "type": "app_home_opened", "user": user, "tab": tab, "channel": "D0" + user[1:],
        "event_ts": world.standin.next_ts()})
    assert status == 200
    world.settle()  # the Home is published after the ack
    view = world.standin.home_view(user)
    if view is not None:  # as Slack would check it (the harness checks only messages, modals)
        View(**view).validate_json()
        validate_blocks(view["blocks"], limit=MAX_VIEW_BLOCKS, where="home")
    return view


def text_of(view: dict[str, Any]) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


def buttons(view: dict[str, Any], commitment_id: int) -> list[str]:
    return [e["action_id"] for b in view["blocks"] if b["type"] == "actions"
            for e in b["elements"] if e.get("value") == str(commitment_id)]


def click_in_home(world: World, user: str, action_id: str, value: str,
                  view: dict[str, Any] | None = None) -> None:
    view = view or world.standin.home_view(user)
    payload = world.standin.block_actions_payload(user, action_id, value, view=view)
    status, _ = world.standin.deliver_action(world.url, payload)
    assert status == 200
    world.settle()


def thread_of(world: World, members: set[str]) -> Any:
    return [m for m in world.checkin_posts()
            if world.standin.conversation_members(m.channel) == members][-1]


def setup_team(world: World) -> None:
    """Four weeks of a team's life: a missed week, a goal session, check-ins, a quad."""
    for user in ("U0MGR", "U0COACH", "U001", "U003", "U004", "U0NOBODY"):
        world.standin.add_user(user, tz="Europe/Amsterdam")
    world.standin.add_user("U002", tz="America/New_York")
    world.standin.add_channel("C0PLATFORM", name="platform")
    world.load(TEAM, now="2026-10-25T00:00:00+00:00")
    world.tick("2026-10-26T20:00:00+00:00")  # the clock was down: that week is missed
    world.tick("2026-11-02T08:30:00+00:00")  # goal sharing, 09:30 in Amsterdam
    session = [m for m in world.standin.messages("C0PLATFORM") if not m.thread_ts][-1]
    world.reply(channel=session.channel, user="U001", thread_ts=session.ts,
                text="goal: onboarding takes one day | two new joiners say so | by 18 dec")
    world.tick("2026-11-02T09:00:00+00:00")  # check-ins, 10:00 in Amsterdam
    checkin = thread_of(world, {"U0MGR", "U001"})
    world.reply(channel=checkin.channel, user="U001", thread_ts=checkin.ts,
                text="Shipped the importer")
    world.reply(channel=checkin.channel, user="U0MGR", thread_ts=checkin.ts,
                text="Went well: the demo")
    world.reply(channel=checkin.channel, user="U001", thread_ts=checkin.ts,
                text="commit: onboarding guide reviewed by 2026-12-04")
    world.tick("2026-11-05T14:00:00+00:00")  # a quad of four, 15:00 in Amsterdam
    quad = world.checkin_posts()[-1]
    world.reply(channel=quad.channel, user="U001", thread_ts=quad.ts,
                text="commit: pair on the flaky test by fri")
    world.tick("2026-11-09T09:00:00+00:00")  # week two lists the commitment again


def commitment_ids(world: World, owner: str) -> dict[str, int]:
    with world.db.scope() as session:
        return {c.text: c.id for c in session.scalars(
            select(Commitment).where(Commitment.owner_id == owner))}


def test_a_member_sees_their_next_checkins_commitments_goals_and_who_sees_what(
        world: World) -> None:
    setup_team(world)
    view = home(world, "U001")
    assert view is not None and view["type"] == "home"
    body = text_of(view)
    # Next check-ins, soonest first: in their own time zone, team rituals in the team's.
    assert ("*Quad cycle* · Platform — Thu 12 Nov, 15:00 (Europe/Amsterdam)" in body
            and "*Weekly check-in* with <@U0MGR> · Platform — Mon 16 Nov, 10:00 your time "
                "(Europe/Amsterdam)" in body
            and "Goal sharing* in <#C0PLATFORM> · Platform — Mon 7 Dec, 09:30" in body)
    assert body.index("Quad cycle") < body.index("Weekly check-in") < body.index("Mon 7 Dec")
    # Their own open commitments, each with the buttons of the ritual it belongs to.
    ids = commitment_ids(world, "U001")
    checkin_id, quad_id = ids["onboarding guide reviewed"], ids["pair on the flaky test"]
    assert buttons(view, checkin_id) == ["commitment_done", "commitment_not_yet",
                                         "commitment_drop"]
    assert buttons(view, quad_id) == ["quad_kept", "quad_partly", "quad_missed"]
    # Their open goals: what, how we will know, by when.
    assert "onboarding takes one day" in body and "two new joiners say so" in body
    assert "Fri 18 Dec" in body
    # What others can see, in plain words, and how to take their data.
    assert "What your manager and coach can see" in body and "at least 3 people" in body
    assert "/tend my-data" in body and "/tend forget-me" in body
    # Their words stay theirs: nothing of the manager's, no coach or manager section.
    assert "Went well" not in body and "Teams you coach" not in body
    # Their own team's digest section: the team sees its own output.
    assert "Your teams' digests" in body and "No digest yet for *Platform*" in body
    # Another member sees their own time zone and none of U001's things.
    other = text_of(home(world, "U002") or {})
    assert "Mon 9 Nov, 10:00 your time (America/New_York)" in other
    assert "onboarding" not in other and "flaky" not in other


def test_a_coach_sees_configuration_and_team_level_health_only(world: World) -> None:
    setup_team(world)
    view = home(world, "U0COACH")
    assert view is not None
    body = text_of(view)
    assert "Teams you coach" in body and "*Platform* · 4 members, 1 manager" in body
    assert ("every week on Monday at 10:00, in each member's own time zone — next e.g. "
            "Mon 16 Nov, 10:00 in Europe/Amsterdam") in body
    assert "every month on the 1st Monday at 09:30 (Europe/Amsterdam) — next Mon 7 Dec" in body
    assert "every month on the last Friday at 16:00" in body
    (edit,) = [b["accessory"] for b in view["blocks"]
               if b.get("accessory", {}).get("action_id") == "home_edit_team"]
    assert edit["value"] == "platform"
    # Sent / not sent per run, one outcome per week for the team ("held" is the digest's
    # word for a check-in both sides answered: mutation, the old legend, fails here).
    assert "✅ sent · ✗ not sent" in body and " held" not in body
    assert "*Weekly check-ins*: ✗ wk 26 Oct · ✅ wk 2 Nov · ✅ wk 9 Nov" in body
    assert "*Goal sharing*: ✅ Nov" in body  # October's session was before the team existed
    # The clock was down for Thursday's quads and Friday's digest in that first week.
    assert "*Quads*: ✗ 29 Oct · ✅ 5 Nov" in body and "*Digest*: ✗ Oct" in body
    # No conversation content and no member named (P1, P7).
    for words in [*PRIVATE_WORDS, "onboarding takes one day"]:
        assert words not in body
    for member in ("U001", "U002", "U003", "U004"):
        assert member not in body
    assert "Your conversations" not in body  # a coach only is not a member


def test_a_manager_sees_each_teams_latest_digest_and_nothing_per_person(world: World) -> None:
    setup_digest_team(world)
    hold_checkins(world, MEMBERS)
    world.tick(DIGEST_TIME)
    with world.db.scope() as session:  # whose Homes a tick should refresh for it
        assert managers_of_new_digests(session, now=at(DIGEST_TIME)) == [
            (world.workspace_id, "U0MGR")]
    view = home(world, "U0MGR")
    assert view is not None
    body = text_of(view)
    assert "Your teams' digests" in body and "Team digest · Platform · November 2026" in body
    # Exactly the stored digest, as `/tend digest` shows it: Home adds nothing to it.
    with world.db.scope() as session:
        team = team_by_key(session, world.workspace_id, "platform")
        assert team is not None
        stored = session.scalars(select(Digest)).one()
        digest_blocks = stored_digest(team, stored.view).blocks
    start = view["blocks"].index(digest_blocks[0])
    assert view["blocks"][start:start + len(digest_blocks)] == digest_blocks
    # No member's words and no member named: no per-person figure can be there.
    assert "Shipped things" not in body and "next step" not in body and "Went well" not in body
    for member in MEMBERS:
        assert member not in body
    # The coach of the same team: still no reply text and no member ids.
    coach = text_of(home(world, "U0COACH") or {})
    assert "*Digest*: ✗ Oct · ✅ Nov" in coach  # no tick at October's digest time
    assert "Shipped things" not in coach and "Went well" not in coach
    for member in MEMBERS:
        assert member not in coach


def test_a_manager_without_a_digest_yet_is_told_so(world: World) -> None:
    setup_team(world)
    body = text_of(home(world, "U0MGR") or {})
    assert "No digest yet for *Platform*." in body
    assert "Your conversations" not in body  # not listed as a member


def test_someone_with_no_role_gets_a_welcome(world: World) -> None:
    setup_team(world)
    body = text_of(home(world, "U0NOBODY") or {})
    assert "Welcome to tend" in body and "/tend setup" in body
    assert "Platform" not in body


def test_the_messages_tab_publishes_nothing(world: World) -> None:
    setup_team(world)
    world.standin.reset_calls()
    home(world, "U003", tab="messages")
    assert world.standin.calls_to("views.publish") == []


def test_clicks_in_the_home_close_commitments_and_republish_it(world: World) -> None:
    setup_team(world)
    home(world, "U001")
    ids = commitment_ids(world, "U001")
    checkin_id, quad_id = ids["onboarding guide reviewed"], ids["pair on the flaky test"]
    week_two = thread_of(world, {"U0MGR", "U001"})
    # "Not yet" carries it once, from the check-in that lists it, which is updated too.
    click_in_home(world, "U001", "commitment_not_yet", str(checkin_id))
    view = world.standin.home_view("U001") or {}
    assert buttons(view, checkin_id) == ["commitment_done", "commitment_drop"]
    assert "carried over* to the next check-in" in text_of(view)
    (update,) = world.standin.calls_to("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (week_two.channel, week_two.ts)
    assert "carried over" in json.dumps(update.params["blocks"])
    # Done (a check-in's and a quad's) closes them; the Home no longer lists them.
    click_in_home(world, "U001", "commitment_done", str(checkin_id))
    click_in_home(world, "U001", "quad_kept", str(quad_id))
    assert {c: s for c, s in _statuses(world).items() if c in (checkin_id, quad_id)} == {
        checkin_id: "done", quad_id: "kept"}
    body = text_of(world.standin.home_view("U001") or {})
    assert "onboarding guide reviewed" not in body and "flaky" not in body
    assert "*Your open commitments* — none right now." in body
    # A stale button (an older copy of the Home) is refused on the Home itself.
    click_in_home(world, "U001", "commitment_drop", str(checkin_id), view=view)
    assert "already marked done" in text_of(world.standin.home_view("U001") or {})
    assert _statuses(world)[checkin_id] == "done"
    assert world.standin.ephemerals() == []  # a Home click has no conversation to answer in


def test_only_the_owner_closes_a_commitment_from_a_home(world: World) -> None:
    setup_team(world)
    mine = home(world, "U001") or {}
    checkin_id = commitment_ids(world, "U001")["onboarding guide reviewed"]
    home(world, "U0MGR")
    # The manager replays U001's button: refused, shown on the manager's own Home.
    click_in_home(world, "U0MGR", "commitment_done", str(checkin_id), view=mine)
    assert _statuses(world)[checkin_id] == "open"
    assert "Only its owner can close" in text_of(world.standin.home_view("U0MGR") or {})


def test_clicks_in_a_message_still_go_to_the_checkin(world: World) -> None:
    setup_team(world)
    checkin_id = commitment_ids(world, "U001")["onboarding guide reviewed"]
    week_two = thread_of(world, {"U0MGR", "U001"})
    assert world.click(user="U001", action_id="commitment_done", value=str(checkin_id),
                       channel=week_two.channel, message_ts=week_two.ts) == 200
    assert _statuses(world)[checkin_id] == "done"
    (update,) = world.standin.calls_to("chat.update")  # the check-in's own path
    assert (update.params["channel"], update.params["ts"]) == (week_two.channel, week_two.ts)


def _statuses(world: World) -> dict[int, str]:
    with world.db.scope() as session:
        return {c.id: c.status for c in session.scalars(select(Commitment))}


# -- a person with everything: still within 100 blocks ------------------------------------
MANY = 14


def many_teams_yaml() -> str:
    teams = "\n".join(f"""
  - key: team{n}
    name: Team {n}
    channel: C0TEAM{n}
    timezone: Europe/Amsterdam
    managers: [U0MGR, U0BIG]
    coaches: [U0BIG]
    members: [U0BIG, U0A{n}, U0B{n}, U0C{n}]
    rituals:
      weekly_feedback:
        cadence: {{every: week, day: mon, time: "10:00"}}
      monthly_goals:
        cadence: {{every: month, day: 1st mon, time: "09:30"}}
      quads:
        cadence: {{every: week, day: thu, time: "15:00"}}
    digest:
      to: U0MGR
      cadence: {{every: month, day: last fri, time: "16:00"}}""" for n in range(MANY))
    return "teams:" + teams + "\n"


def big_digest(team_name: str) -> dict[str, Any]:
    """A stored digest as large as the policy allows: every shared slot filled."""
    shared = [{"kind": kind, "text": f"{kind} {i}", "author_id": None}
              for kind in ("highlight", "ask") for i in range(14)]
    return {"policy": {"period": "2026-11", "team_name": team_name,
                       "figures": [{"key": "checkins_held", "label": "weekly check-ins held",
                                    "shown": True, "display": "about 10", "rounded": 10}],
                       "shared": shared, "trend": [], "notes": ["A note."]},
            "start": "2026-10-30T15:00:00+00:00", "end": "2026-11-27T15:00:00+00:00",
            "min_group": 3}


def test_a_person_in_many_teams_with_many_commitments_stays_within_100_blocks(
        world: World) -> None:
    world.standin.add_user("U0BIG", tz="Europe/Amsterdam")
    world.load(many_teams_yaml())
    now = world.clock.set("2026-11-23T08:00:00+00:00")
    with world.db.scope() as session:
        teams = list(session.scalars(select(Team).order_by(Team.id)))
        for team in teams:
            checkins = next(r for r in team.rituals if r.kind == "weekly_feedback")
            goals = next(r for r in team.rituals if r.kind == "monthly_goals")
            occurrence = Occurrence(ritual_id=checkins.id, subject_id="U0BIG",
                                    counterpart_id="U0MGR", scheduled_at=now, status="sent",
                                    details={}, created_at=now)
            goal_session = Occurrence(ritual_id=goals.id, subject_id="", scheduled_at=now,
                                      status="sent", details={}, created_at=now)
            session.add_all([occurrence, goal_session])
            session.flush()
            for i in range(3):
                record_commitment(session, occurrence=occurrence, owner_id="U0BIG", now=now,
                                  policy=CHECKIN_COMMITMENTS,
                                  draft=CommitmentDraft(f"result {team.key}-{i} " + "x" * 400,
                                                        date(2026, 12, 1) + timedelta(i)))
            add_goal(session, session_occurrence=goal_session, owner_id="U0BIG", now=now,
                     draft=GoalDraft("g" * 300, "m" * 300, date(2026, 12, 18)))
            session.add(Digest(team_id=team.id, period="2026-11", view=big_digest(team.name),
                               created_at=at("2026-11-27T15:00:00+00:00")))
    view = home(world, "U0BIG")
    assert view is not None
    assert len(view["blocks"]) <= MAX_VIEW_BLOCKS
    body = text_of(view)
    assert "…and 34 more open commitments" in body and "…and 9 more open goals" in body
    assert f"…and {MANY - 8} more teams you coach" in body
    assert "more teams: `/tend digest`" in body and "Team digest · Team 0" in body
