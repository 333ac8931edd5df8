"""Monthly goal sharing end to end: the session, the modal, the thread, the private review."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from bot.rituals.monthly_goals.rules import suggested_carry_date
from bot.storage.models import Goal, Reply
from tests.goldens import assert_matches_golden
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


def _review_after_january(world: World) -> Any:
    """U001 shares three goals in December (one due 31 Jan), U002 one; January's session
    sends each their review. Returns U001's review."""
    setup_team(world)
    world.tick(DECEMBER)
    december = world.occurrences()[0]
    submit_goals(world, "U001", december.id, slots(
        ("Onboarding takes one day", "Two new joiners say so", "2027-01-15"),
        ("Faster deploys", "Under ten minutes", "2027-01-31"),
        ("Fewer pages", "Half of last month", "2027-01-20")))
    submit_goals(world, "U002", december.id, slots(
        ("The runbook is complete", "No page goes unanswered", "2027-01-29"),))
    world.tick(JANUARY)
    return _review_of(world, "U001")


def _review_of(world: World, user: str) -> Any:
    (review,) = [m for m in world.standin.messages() if m.channel.startswith("D")
                 and world.standin.conversation_members(m.channel) == {user}]
    return review


def _current(world: World, review: Any) -> Any:
    """The review as it reads now in Slack (updates happen in place)."""
    return next(m for m in world.standin.messages(review.channel) if m.ts == review.ts)


def _golden_review(name: str, message: Any) -> None:
    assert_matches_golden(name, json.dumps({"text": message.text, "blocks": message.blocks},
                                           indent=2, ensure_ascii=False) + "\n")


def _carry_values(picked: str | None) -> dict[str, Any]:
    return {"carry_due": {"value": {"type": "datepicker", "selected_date": picked}}}


def _submit_carry(world: World, user: str, picked: str | None,
                  metadata: str | None = None) -> tuple[int, dict[str, Any]]:
    """Submit the carry-over form last opened (its own private_metadata, unless given)."""
    if metadata is None:
        opened = [v for v in world.standin.opened_views()
                  if v.get("callback_id") == "goal_carry_modal"]
        metadata = str(opened[-1]["private_metadata"])
    return world.submit_view(user=user, callback_id="goal_carry_modal",
                             values=_carry_values(picked), private_metadata=metadata)


def _goal_rows(world: World) -> list[tuple[str, str, str, str]]:
    with world.db.scope() as session:
        return [(g.owner_id, g.what, g.status, g.due_date.isoformat())
                for g in session.scalars(select(Goal).order_by(Goal.id))]


def test_last_months_goals_come_back_privately_to_be_closed_or_carried(world: World) -> None:
    """After every click the review still names January (the month the goals move into)
    and is pinned by a golden file: catches the re-render with the goal's own month
    (mutation: `_into_month` returning the origin's month -> "December 2026"), and any
    change to the message after Done, Partly, Not done or Carry over."""
    review = _review_after_january(world)
    assert "January 2027" in review.text + str(review.blocks)
    assert world.standin.conversation_members(review.channel) == {"U001"}
    onboarding, deploys, pages, runbook = _goal_ids(world)
    # Someone else cannot close U001's goal (a forged click: they cannot see the DM).
    assert world.click(user="U002", action_id="goal_done", value=str(onboarding),
                       channel=review.channel, message_ts=review.ts) == 200
    assert goals(world)[0][2] == "open"
    world.click(user="U001", action_id="goal_done", value=str(onboarding),
                channel=review.channel, message_ts=review.ts)
    after_done = _current(world, review)
    assert "January 2027" in str(after_done.blocks) and "December" not in str(after_done.blocks)
    _golden_review("goals_review_after_done", after_done)
    world.click(user="U001", action_id="goal_partly", value=str(pages),
                channel=review.channel, message_ts=review.ts)
    _golden_review("goals_review_after_partly", _current(world, review))
    # Carry over: a form, not a change yet.
    world.click(user="U001", action_id="goal_carry", value=str(deploys),
                channel=review.channel, message_ts=review.ts)
    assert goals(world)[1][2] == "open"
    submitted = _submit_carry(world, "U001", "2027-02-26")
    assert submitted == (200, {})
    assert _goal_rows(world) == [
        ("U001", "Onboarding takes one day", "done", "2027-01-15"),
        ("U001", "Faster deploys", "carried", "2027-01-31"),
        ("U001", "Fewer pages", "partly", "2027-01-20"),
        ("U002", "The runbook is complete", "open", "2027-01-29"),
        ("U001", "Faster deploys", "open", "2027-02-26")]
    after_carry = _current(world, review)
    assert "January 2027" in str(after_carry.blocks) and "December" not in str(after_carry.blocks)
    _golden_review("goals_review_after_carry", after_carry)
    january_post = session_post(world)
    carried = world.standin.messages("C0PLATFORM")[-1]
    assert carried.thread_ts == january_post.ts and "Faster deploys" in str(carried.blocks)
    assert "26 Feb" in str(carried.blocks) and "January 2027" in carried.text
    # U002's review: Not done.
    other = _review_of(world, "U002")
    world.click(user="U002", action_id="goal_not_done", value=str(runbook),
                channel=other.channel, message_ts=other.ts)
    assert goals(world)[3][2] == "not_done"
    _golden_review("goals_review_after_not_done", _current(world, other))


def test_carry_over_asks_for_a_date_a_month_on_and_stores_the_picked_one(world: World) -> None:
    """The datepicker starts on the same day of the next month, clamped (31 Jan -> 28 Feb),
    a date in the past is refused on the field with nothing changed, and the carried
    goal's date is the picked one. Catches the old `max(due_date, today + 1)` (mutation:
    carrying with `today + 1 day` -> due 2027-01-05), an unclamped suggestion, and a past
    date accepted (mutation: the `due_date <= today` check removed)."""
    review = _review_after_january(world)
    _, deploys, _, _ = _goal_ids(world)
    assert world.click(user="U001", action_id="goal_carry", value=str(deploys),
                       channel=review.channel, message_ts=review.ts) == 200
    modal = world.standin.opened_views()[-1]
    assert modal["callback_id"] == "goal_carry_modal"
    (picker,) = [b["element"] for b in modal["blocks"] if b.get("type") == "input"]
    assert picker["type"] == "datepicker" and picker["initial_date"] == "2027-02-28"
    assert "January 2027" in str(modal["blocks"])
    _golden("goals_carry_modal", {k: v for k, v in modal.items()
                                  if k in ("type", "callback_id", "title", "submit", "close",
                                           "blocks")})
    before = _goal_rows(world)
    for picked, error in (("2027-01-04", "in the future"), ("2026-12-31", "in the future"),
                          ("2028-06-01", "within the next year"),
                          ("not-a-date", "from the calendar"), (None, "Pick a date")):
        status, body = _submit_carry(world, "U001", picked)
        assert status == 200 and body["response_action"] == "errors", picked
        assert error in body["errors"]["carry_due"], (picked, body)
    assert _goal_rows(world) == before
    assert all("carries a goal over" not in str(m.blocks)
               for m in world.standin.messages("C0PLATFORM"))
    _submit_carry(world, "U001", picker["initial_date"])
    assert _goal_rows(world)[-1] == ("U001", "Faster deploys", "open", "2027-02-28")
    # The same form again (a twin, or a second tab): refused, nothing carried twice.
    _, body = _submit_carry(world, "U001", "2027-03-01")
    assert "already marked carried over" in body["errors"]["carry_due"]
    assert len(_goal_rows(world)) == 5


def test_a_tampered_or_foreign_carry_form_changes_nothing(world: World) -> None:
    """Forged private_metadata is refused with a field error, never a 5xx; someone else's
    goal cannot be carried. Catches a missing owner check on the form's submit."""
    review = _review_after_january(world)
    _, deploys, _, _ = _goal_ids(world)
    before = _goal_rows(world)
    for metadata in ("", "{", "[]", '{"goal": "1e9"}', '{"goal": -1, "channel": "D", '
                     '"ts": "1", "listed": []}', json.dumps({"goal": deploys})):
        status, body = _submit_carry(world, "U001", "2027-02-26", metadata)
        assert status in (200, 400) and status < 500, metadata
        if status == 200:
            assert "expired" in body["errors"]["carry_due"], metadata
    forged = json.dumps({"goal": deploys, "channel": review.channel, "ts": review.ts,
                         "listed": [deploys]})
    _, body = _submit_carry(world, "U002", "2027-02-26", forged)
    assert "owner" in body["errors"]["carry_due"]
    assert _goal_rows(world) == before


def _goal_ids(world: World) -> list[int]:
    with world.db.scope() as session:
        return list(session.scalars(select(Goal.id).order_by(Goal.id)))


def _golden(name: str, document: dict[str, Any]) -> None:
    assert_matches_golden(name, json.dumps(document, indent=2, ensure_ascii=False) + "\n")


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


@pytest.mark.parametrize(("due", "today", "suggested"), [
    (date(2027, 1, 31), date(2027, 1, 4), date(2027, 2, 28)),   # clamped to February's end
    (date(2028, 1, 31), date(2028, 1, 4), date(2028, 2, 29)),   # a leap year
    (date(2026, 12, 15), date(2026, 12, 1), date(2027, 1, 15)),  # across the year
    (date(2027, 3, 30), date(2027, 4, 2), date(2027, 4, 30)),   # a month on is still ahead
    (date(2026, 11, 10), date(2027, 1, 4), date(2027, 2, 4)),   # late: a month from today
])
def test_the_carry_date_is_the_same_day_a_month_on(due: date, today: date,
                                                   suggested: date) -> None:
    """Catches an unclamped day (ValueError on 31 Feb), a December that does not roll
    into January, and a suggestion in the past for a review answered late."""
    assert suggested_carry_date(due, today=today) == suggested
