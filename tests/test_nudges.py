"""One private reminder for an unanswered prompt (P5), end to end: the real tick, the
stand-in, signed HTTP for the "Turn reminders off" button."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from bot.core.nudges import nudge_key, plan_nudges, set_reminders
from bot.platform.context import Caller
from bot.rituals.common.nudge_rules import Waiting, is_waking, next_waking_moment, nudge_due
from bot.slack.standin.state import Message
from bot.storage.models import Occurrence, OutboxMessage, Person, Reply
from tests.harness import World, at
from tests.test_weekly_checkin import setup_team

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
FRIDAY_TEAM = """
teams:
  - key: platform
    name: Platform
    channel: C0PLATFORM
    timezone: Europe/Amsterdam
    managers: [U0MGR]
    members: [U001]
    rituals:
      weekly_feedback:
        cadence: {every: week, day: fri, time: "10:00"}
"""
QUAD_MEMBERS = ["U001", "U002", "U003", "U004"]
QUAD_TEAM = """
teams:
  - key: platform
    name: Platform
    channel: C0PLATFORM
    timezone: Europe/Amsterdam
    managers: [U0MGR]
    coaches: [U0COACH]
    members: [U001, U002, U003, U004]
    rituals:
      quads:
        cadence: {every: week, day: thu, time: "15:00"}
"""


def nudges(world: World) -> list[Message]:
    """Every reminder tend sent, told apart by the outbox key in the message metadata."""
    return [m for m in world.standin.messages()
            if ":nudge:" in (m.metadata or {}).get("event_payload", {}).get("key", "")]


def nudged(world: World) -> list[str]:
    """Who got each reminder, checking that each went to a DM of that person alone."""
    people = []
    for message in nudges(world):
        (person,) = world.standin.conversation_members(message.channel)
        assert message.channel.startswith("D")
        people.append(person)
    return people


def mentioned(message: Message) -> set[str]:
    return set(re.findall(r"U0?[0-9A-Z]{3,}", f"{message.text} {message.blocks}"))


def assert_no_reminder_outside_dms(world: World) -> None:
    for message in world.standin.messages():
        if not message.channel.startswith("D"):
            assert "remind" not in f"{message.text} {message.blocks}".lower()


def checkin_of(world: World, member: str) -> Message:
    return next(m for m in reversed(world.checkin_posts())
                if world.standin.conversation_members(m.channel) == {"U0MGR", member})


def test_an_unanswered_checkin_gets_one_private_reminder_a_day_later(world: World) -> None:
    setup_team(world)
    world.tick("2026-11-23T09:00:00+00:00")  # U001's check-in, Monday 10:00 in Amsterdam
    world.tick("2026-11-24T08:59:00+00:00")
    assert nudges(world) == []
    world.tick("2026-11-24T09:00:00+00:00")  # 24 h later, Tuesday 10:00 local
    assert nudged(world) == ["U001"]
    (reminder,) = nudges(world)
    assert "your weekly check-in with <@U0MGR>" in reminder.text
    assert "Only you got this reminder." in str(reminder.blocks)
    assert "reminders_off" in str(reminder.blocks)
    for when in ("2026-11-24T09:00:00+00:00", "2026-11-24T12:00:00+00:00",
                 "2026-11-26T09:00:00+00:00"):
        world.tick(when)
    assert nudged(world).count("U001") == 1
    assert_no_reminder_outside_dms(world)


def test_a_delay_ending_on_saturday_waits_for_monday_morning(world: World) -> None:
    world.standin.add_user("U0MGR", tz="Europe/Amsterdam")
    world.standin.add_user("U001", tz="Europe/Amsterdam")
    world.load(FRIDAY_TEAM)
    world.tick("2026-11-27T09:00:00+00:00")  # Friday 10:00 in Amsterdam
    for when in ("2026-11-28T09:00:00+00:00", "2026-11-29T12:00:00+00:00",
                 "2026-11-30T07:59:00+00:00"):  # Saturday, Sunday, Monday 08:59 local
        world.tick(when)
        assert nudges(world) == []
    world.tick("2026-11-30T08:00:00+00:00")  # Monday 09:00 local
    assert nudged(world) == ["U001"]


def test_those_who_answered_and_managers_get_none_and_no_one_else_is_named(
        world: World) -> None:
    setup_team(world)
    for when in ("2026-11-23T04:30:00+00:00", "2026-11-23T09:00:00+00:00",
                 "2026-11-23T15:00:00+00:00"):  # Kolkata, Amsterdam, New York
        world.tick(when)
    post = checkin_of(world, "U001")
    world.reply(channel=post.channel, user="U001", text="Shipped the importer",
                thread_ts=post.ts)
    for when in ("2026-11-24T05:00:00+00:00", "2026-11-24T09:00:00+00:00",
                 "2026-11-24T15:00:00+00:00", "2026-11-25T10:00:00+00:00"):
        world.tick(when)
    assert sorted(nudged(world)) == ["U002", "U003"]
    for reminder in nudges(world):
        (person,) = world.standin.conversation_members(reminder.channel)
        assert mentioned(reminder) <= {person, "U0MGR"}
    # The manager, who answered nothing either, is never reminded by tend.
    assert not any(world.standin.conversation_members(m.channel) == {"U0MGR"}
                   for m in world.standin.messages())
    assert_no_reminder_outside_dms(world)


def test_no_reminder_once_the_next_checkin_has_come(world: World) -> None:
    setup_team(world)
    world.tick("2026-11-23T09:00:00+00:00")
    # The clock was down for a week: last week's check-in is no longer worth a reminder.
    world.tick("2026-11-30T09:00:00+00:00")
    assert nudges(world) == []
    world.tick("2026-12-01T09:00:00+00:00")  # only this week's one is reminded
    (reminder,) = nudges(world)
    latest = max(o.id for o in world.occurrences() if o.subject_id == "U001")
    assert reminder.metadata is not None
    assert reminder.metadata["event_payload"]["key"] == f"occurrence:{latest}:nudge:U001"


def test_a_delay_that_reaches_the_next_checkin_sends_nothing(world: World) -> None:
    setup_team(world)
    world.services.nudge_after = timedelta(hours=168)
    world.tick("2026-11-23T09:00:00+00:00")
    world.tick("2026-11-30T09:00:00+00:00")
    world.tick("2026-11-30T12:00:00+00:00")
    assert nudges(world) == []


def test_quads_remind_only_the_members_who_have_not_answered_each_privately(
        world: World) -> None:
    for user in [*QUAD_MEMBERS, "U0MGR", "U0COACH"]:
        world.standin.add_user(user, tz="Europe/Amsterdam")
    world.load(QUAD_TEAM)
    world.tick("2026-12-03T14:00:00+00:00")  # Thursday 15:00 in Amsterdam
    (post,) = world.checkin_posts()
    assert world.standin.conversation_members(post.channel) == set(QUAD_MEMBERS)
    for user in ("U001", "U003"):
        world.reply(channel=post.channel, user=user, text="commit: draft the RFC by fri",
                    thread_ts=post.ts)
    world.tick("2026-12-04T13:59:00+00:00")
    assert nudges(world) == []
    world.tick("2026-12-04T14:00:00+00:00")
    world.tick("2026-12-04T14:30:00+00:00")
    assert sorted(nudged(world)) == ["U002", "U004"]
    for reminder in nudges(world):
        assert "your quad's cycle" in reminder.text
        (person,) = world.standin.conversation_members(reminder.channel)
        assert mentioned(reminder) <= {person}
    assert_no_reminder_outside_dms(world)


def test_the_button_turns_reminders_off_and_the_command_turns_them_on(world: World) -> None:
    setup_team(world)
    world.tick("2026-11-23T09:00:00+00:00")
    world.tick("2026-11-24T09:00:00+00:00")
    (reminder,) = nudges(world)
    status = world.click(user="U001", action_id="reminders_off", value="off",
                         channel=reminder.channel, message_ts=reminder.ts)
    assert status == 200
    assert _reminders_off(world, "U001") is True
    (updated,) = [m for m in world.standin.messages(reminder.channel) if m.ts == reminder.ts]
    assert "Reminders are off. `/tend reminders on` turns them back on." in updated.text
    assert "reminders_off" not in str(updated.blocks)  # the button is gone
    world.tick("2026-11-30T09:00:00+00:00")
    world.tick("2026-12-01T09:00:00+00:00")
    assert len(nudges(world)) == 1
    # `/tend reminders on` (wired elsewhere) calls this.
    assert "Reminders are on" in set_reminders(world.services, Caller(world.workspace_id, "U001"),
                                               True)
    world.tick("2026-12-07T09:00:00+00:00")
    world.tick("2026-12-08T09:00:00+00:00")
    assert nudged(world) == ["U001", "U001"]


def test_no_reminder_while_away(world: World) -> None:
    setup_team(world)
    world.tick("2026-11-23T09:00:00+00:00")
    assert checkin_of(world, "U001")
    with world.db.scope() as session:  # `/tend away` after the check-in came
        session.get_one(Person, (world.workspace_id, "U001")).away_until = date(2026, 11, 24)
    world.tick("2026-11-24T09:00:00+00:00")  # away until the end of Tuesday, local
    world.tick("2026-11-24T15:00:00+00:00")
    assert nudges(world) == []
    world.tick("2026-11-25T09:00:00+00:00")  # back, and the check-in is still current
    assert nudged(world) == ["U001"]


def test_concurrent_ticks_send_a_reminder_once(world: World) -> None:
    setup_team(world)
    world.tick("2026-11-23T09:00:00+00:00")
    world.standin.latency = 0.002
    world.tick_twice_at_once("2026-11-24T09:00:00+00:00")
    assert nudged(world) == ["U001"]


def test_planning_reminders_does_not_grow_with_answered_prompts(world: World) -> None:
    """Answered and already-reminded check-ins are left out in SQL, not loaded and listed
    in an IN clause: a large workspace stays far below PostgreSQL's 65,535 parameters."""
    setup_team(world)
    world.tick("2026-11-23T09:00:00+00:00")
    (prompt,) = [o for o in world.occurrences() if o.status == "sent"]
    with world.db.scope() as session:
        _past_prompts(session, prompt, count=1200, workspace_id=world.workspace_id)
    widest: list[int] = []

    def listener(_conn: Any, _cursor: Any, _statement: str, parameters: Any,
                 _context: Any, many: bool) -> None:
        widest.append(sum(map(len, parameters)) if many else len(parameters or ()))

    event.listen(world.db.engine, "before_cursor_execute", listener)
    try:
        with world.db.scope() as session:
            queued = plan_nudges(session, now=at("2026-11-24T09:00:00+00:00"),
                                 nudge_after=timedelta(hours=24))
    finally:
        event.remove(world.db.engine, "before_cursor_execute", listener)
    assert queued == 1  # the one unanswered, unreminded check-in
    assert max(widest) < 50


def _past_prompts(session: Session, prompt: Occurrence, *, count: int, workspace_id: str
                  ) -> None:
    """Earlier prompts of the same check-in: half answered, half already reminded."""
    for n in range(count):
        past = Occurrence(ritual_id=prompt.ritual_id, subject_id=prompt.subject_id,
                          counterpart_id=prompt.counterpart_id, status="sent",
                          scheduled_at=prompt.scheduled_at - timedelta(minutes=30 * (n + 1)),
                          channel_id=prompt.channel_id, message_ts=f"1700000000.{n:06d}",
                          details={}, created_at=prompt.created_at)
        session.add(past)
        session.flush()
        if n % 2:
            session.add(Reply(occurrence_id=past.id, channel_id=past.channel_id,
                              ts=f"1700000001.{n:06d}", user_id=past.subject_id,
                              text="Done", created_at=past.scheduled_at))
        else:
            session.add(OutboxMessage(
                key=nudge_key(past.id, past.subject_id), workspace_id=workspace_id,
                payload={"text": "reminder"}, users=past.subject_id, status="sent",
                attempts=1, next_attempt_at=past.scheduled_at, created_at=past.scheduled_at))


def _reminders_off(world: World, user: str) -> bool:
    with world.db.scope() as session:
        return bool(session.scalar(select(Person.reminders_off).where(Person.user_id == user)))


# -- waking hours (pure) ---------------------------------------------------------------

def test_waking_hours_are_weekdays_nine_to_six_local() -> None:
    assert is_waking(at("2026-11-24T08:00:00+00:00"), AMSTERDAM)  # Tue 09:00 CET
    assert not is_waking(at("2026-11-24T07:59:00+00:00"), AMSTERDAM)
    assert not is_waking(at("2026-11-24T17:00:00+00:00"), AMSTERDAM)  # 18:00 CET
    assert not is_waking(at("2026-11-28T10:00:00+00:00"), AMSTERDAM)  # Saturday
    # Friday 19:00 local waits until Monday 09:00 local.
    assert next_waking_moment(at("2026-11-27T18:00:00+00:00"), AMSTERDAM) == at(
        "2026-11-30T08:00:00+00:00")


def test_a_late_tick_after_hours_waits_for_the_morning() -> None:
    waiting = Waiting(occurrence_id=1, user_id="U001", timezone="Europe/Amsterdam",
                      prompted_at=at("2026-11-23T09:00:00+00:00"),
                      next_prompt_at=at("2026-11-30T09:00:00+00:00"))
    day = timedelta(hours=24)
    assert nudge_due(waiting, now=at("2026-11-24T09:00:00+00:00"), delay=day)
    assert not nudge_due(waiting, now=at("2026-11-24T20:00:00+00:00"), delay=day)
    assert nudge_due(waiting, now=at("2026-11-25T08:00:00+00:00"), delay=day)
    assert not nudge_due(waiting, now=at("2026-11-30T09:00:00+00:00"), delay=day)
