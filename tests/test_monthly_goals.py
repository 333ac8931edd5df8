"""Monthly goal sharing end to end: the session, the modal, the thread, the private review."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.storage.models import Goal, Reply
from tests.harness import World

TEAM = """
teams:
  - key: platform
    name: Platform
    channel: C0PLATFORM
    timezone: Europe/Amsterdam
    managers: [U0MGR]
    coaches: [U0COACH]
    members: [U001, U002, U003]
    rituals:
      monthly_goals:
        cadence: {every: month, day: 1st mon, time: "09:30"}
"""
# The first Monday of December 2026 is the 7th: 09:30 in Amsterdam (CET) is 08:30 UTC.
DECEMBER = "2026-12-07T08:30:00+00:00"
JANUARY = "2027-01-04T08:30:00+00:00"


def setup_team(world: World, team: str = TEAM, *, channel: str = "C0PLATFORM",
               private: bool = False) -> None:
    for user in ("U0MGR", "U0COACH", "U001", "U002", "U003", "U0OUT"):
        world.standin.add_user(user, tz="Europe/Amsterdam")
    world.standin.add_channel(channel, name="platform", private=private)
    world.load(team)


def session_post(world: World, channel: str = "C0PLATFORM"):  # type: ignore[no-untyped-def]
    return [m for m in world.standin.messages(channel) if not m.thread_ts][-1]


def goals(world: World) -> list[tuple[str, str, str]]:
    with world.db.scope() as session:
        return [(g.owner_id, g.what, g.status)
                for g in session.scalars(select(Goal).order_by(Goal.id))]


def slots(*goals_: tuple[str, str, str | None]) -> dict[str, dict[str, dict[str, object]]]:
    values: dict[str, dict[str, dict[str, object]]] = {}
    for n, (what, measure, due) in enumerate(goals_, start=1):
        values[f"goal{n}_what"] = {"value": {"type": "plain_text_input", "value": what}}
        values[f"goal{n}_measure"] = {"value": {"type": "plain_text_input", "value": measure}}
        values[f"goal{n}_due"] = {"value": {"type": "datepicker", "selected_date": due}}
    return values


def submit_goals(world: World, user: str, occurrence_id: int,
                 values: dict[str, Any]) -> dict[str, Any]:
    return world.submit_view(user=user, callback_id="goals_modal", values=values,
                             private_metadata=str(occurrence_id))[1]


def test_the_session_is_posted_in_the_team_channel_at_the_team_time(world: World) -> None:
    setup_team(world)
    world.tick("2026-12-07T08:29:00+00:00")
    assert world.standin.messages("C0PLATFORM") == []
    world.tick(DECEMBER)
    post = session_post(world)
    assert "Goal sharing" in post.text and "December 2026" in str(post.blocks)
    assert world.standin.calls_to("conversations.join")[0].params["channel"] == "C0PLATFORM"
    world.tick(DECEMBER)  # repeated: nothing twice
    assert len(world.standin.messages("C0PLATFORM")) == 1


def test_goals_shared_by_modal_and_thread_appear_under_their_owner(world: World) -> None:
    setup_team(world)
    world.tick(DECEMBER)
    post = session_post(world)
    occurrence = world.occurrences()[0]
    assert world.click(user="U001", action_id="goals_share", value=str(occurrence.id),
                       channel=post.channel, message_ts=post.ts) == 200
    modal = world.standin.opened_views()[-1]
    assert modal["callback_id"] == "goals_modal"
    # One bad slot rejects the whole submission, with the error on the right field.
    body = submit_goals(world, "U001", occurrence.id, slots(
        ("Onboarding takes one day", "Two new joiners say so", "2027-01-15"),
        ("Faster deploys", "Under ten minutes", "2026-11-01")))
    assert body["response_action"] == "errors" and list(body["errors"]) == ["goal2_due"]
    body = submit_goals(world, "U001", occurrence.id, slots(
        ("Onboarding takes one day", "Two new joiners say so", "2027-01-15"),
        ("Faster deploys", "", "2027-01-20")))
    assert list(body["errors"]) == ["goal2_measure"]
    assert goals(world) == []
    body = submit_goals(world, "U001", occurrence.id, slots(
        ("Onboarding takes one day", "Two new joiners say so", "2027-01-15"),
        ("Faster deploys", "Under ten minutes", "2027-01-20")))
    assert body == {}
    shared = world.standin.messages("C0PLATFORM")[-1]
    assert shared.thread_ts == post.ts and "<@U001>" in shared.text
    assert "Faster deploys" in str(shared.blocks)
    # In the thread: a goal line, a teammate's response, and an outsider (ignored).
    world.reply(channel=post.channel, user="U002", thread_ts=post.ts,
                text="goal: the on-call runbook is complete | no page goes unanswered"
                     " | by 2027-01-29")
    world.reply(channel=post.channel, user="U003", thread_ts=post.ts,
                text="Love the onboarding goal, happy to pair on it")
    world.reply(channel=post.channel, user="U0OUT", thread_ts=post.ts, text="drive-by")
    assert goals(world) == [("U001", "Onboarding takes one day", "open"),
                            ("U001", "Faster deploys", "open"),
                            ("U002", "the on-call runbook is complete", "open")]
    with world.db.scope() as session:
        authors = [r.user_id for r in session.scalars(select(Reply).order_by(Reply.id))]
    assert authors == ["U002", "U003"]


def test_a_fourth_goal_is_refused(world: World) -> None:
    setup_team(world)
    world.tick(DECEMBER)
    occurrence = world.occurrences()[0]
    three = [(f"Goal number {n}", "we will see it", "2027-01-15") for n in range(3)]
    assert submit_goals(world, "U001", occurrence.id, slots(*three)) == {}
    post = session_post(world)
    world.reply(channel=post.channel, user="U001", thread_ts=post.ts,
                text="goal: a fourth | we will see | by 2027-01-20")
    assert "Up to 3 goals" in world.standin.ephemerals("U001")[-1].text
    assert len(goals(world)) == 3


def test_last_months_goals_come_back_privately_to_be_closed_or_carried(world: World) -> None:
    setup_team(world)
    world.tick(DECEMBER)
    december = world.occurrences()[0]
    submit_goals(world, "U001", december.id, slots(
        ("Onboarding takes one day", "Two new joiners say so", "2027-01-15"),
        ("Faster deploys", "Under ten minutes", "2027-01-20")))
    world.tick(JANUARY)
    reviews = [m for m in world.standin.messages() if m.channel.startswith("D")]
    assert len(reviews) == 1  # only U001 had goals
    review = reviews[0]
    assert world.standin.conversation_members(review.channel) == {"U001"}
    first, second = (g for g in _goal_ids(world))
    # Someone else cannot close U001's goal (a forged click: they cannot see the DM).
    assert world.click(user="U002", action_id="goal_done", value=str(first),
                       channel=review.channel, message_ts=review.ts) == 200
    assert goals(world)[0][2] == "open"
    world.click(user="U001", action_id="goal_done", value=str(first), channel=review.channel,
                message_ts=review.ts)
    world.click(user="U001", action_id="goal_carry", value=str(second),
                channel=review.channel, message_ts=review.ts)
    assert goals(world) == [("U001", "Onboarding takes one day", "done"),
                            ("U001", "Faster deploys", "carried"),
                            ("U001", "Faster deploys", "open")]
    updated = next(m for m in world.standin.messages(review.channel) if m.ts == review.ts)
    assert "done" in str(updated.blocks) and "carried over" in str(updated.blocks)
    january_post = session_post(world)
    carried = world.standin.messages("C0PLATFORM")[-1]
    assert carried.thread_ts == january_post.ts and "Faster deploys" in str(carried.blocks)


def _goal_ids(world: World) -> list[int]:
    with world.db.scope() as session:
        return list(session.scalars(select(Goal.id).order_by(Goal.id)))


def test_a_channel_tend_cannot_join_is_reported_to_the_coach(world: World) -> None:
    setup_team(world, TEAM.replace("C0PLATFORM", "G0PRIVATE"), channel="G0PRIVATE",
               private=True)
    world.tick(DECEMBER)
    assert world.standin.messages("G0PRIVATE") == []
    (notice,) = [m for m in world.standin.messages() if m.channel.startswith("D")]
    assert world.standin.conversation_members(notice.channel) == {"U0COACH"}
    assert "/invite @tend" in notice.text
    assert world.occurrences()[0].status == "failed"


def test_a_day_31_cadence_falls_on_the_last_day_of_a_short_month(world: World) -> None:
    setup_team(world, TEAM.replace("day: 1st mon", "day: 31"))
    world.tick("2026-11-30T08:30:00+00:00")  # November has 30 days
    assert "November 2026" in str(session_post(world).blocks)


def test_last_friday(world: World) -> None:
    setup_team(world, TEAM.replace("day: 1st mon", "day: last fri"))
    world.tick("2026-11-27T08:30:00+00:00")
    assert len(world.standin.messages("C0PLATFORM")) == 1


def test_editing_or_deleting_a_goal_reply_updates_or_removes_the_goal(world: World) -> None:
    setup_team(world)
    world.tick(DECEMBER)
    post = session_post(world)
    _, ts = world.reply(channel=post.channel, user="U002", thread_ts=post.ts,
                        text="goal: runbook done | no page unanswered | by 2027-01-29")
    edit = world.standin.message_changed_event(
        post.channel, ts, "goal: runbook reviewed | two on-callers sign off | by 2027-01-29",
        "U002", thread_ts=post.ts)
    world.standin.deliver_event(world.url, edit)
    assert goals(world) == [("U002", "runbook reviewed", "open")]
    world.standin.deliver_event(world.url, world.standin.message_deleted_event(
        post.channel, ts, thread_ts=post.ts))
    assert goals(world) == []
    world.reply(channel=post.channel, user="U002", thread_ts=post.ts,
                text="goal: no date | at all")
    assert "three parts" in world.standin.ephemerals("U002")[-1].text
    assert goals(world) == []
