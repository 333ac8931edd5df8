"""The weekly check-in end to end: ticks, the stand-in, signed requests into Bolt."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from bot.storage.models import Commitment, Reply
from tests.harness import World

TEAM = """
teams:
  - key: platform
    name: Platform
    channel: C0PLATFORM
    timezone: Europe/Amsterdam
    managers: [U0MGR]
    coaches: [U0COACH]
    members: [U001, U002, U003, U0MGR]
    rituals:
      weekly_feedback:
        cadence: {every: week, day: mon, time: "10:00"}
"""


def setup_team(world: World, *, loaded_at: str = "2026-11-01T00:00:00+00:00") -> None:
    world.standin.add_user("U0MGR", tz="Europe/Amsterdam")
    world.standin.add_user("U0COACH", tz="Europe/Amsterdam")
    world.standin.add_user("U001", tz="Europe/Amsterdam")
    world.standin.add_user("U002", tz="America/New_York")
    world.standin.add_user("U003", tz="Asia/Kolkata")
    world.load(TEAM, now=loaded_at)


# The three pairs' group DMs: each opened once, ahead of its first check-in or by it.
PAIRS = {"U001,U0MGR", "U002,U0MGR", "U003,U0MGR"}


def opens(world: World) -> Counter[str]:
    """conversations.open calls, by the users they named."""
    return Counter(",".join(sorted(str(c.params["users"]).split(",")))
                   for c in world.standin.calls_to("conversations.open"))


def posted_to(world: World) -> list[set[str]]:
    return [world.standin.conversation_members(m.channel) for m in world.checkin_posts()]


def test_each_member_gets_the_checkin_at_their_own_local_time(world: World) -> None:
    setup_team(world)
    # Monday 23 November 2026: 10:00 in Kolkata is 04:30 UTC.
    world.tick("2026-11-23T04:00:00+00:00")
    assert world.checkin_posts() == []
    world.tick("2026-11-23T04:30:00+00:00")
    assert posted_to(world) == [{"U0MGR", "U003"}]
    # 10:00 in Amsterdam (CET) is 09:00 UTC.
    world.tick("2026-11-23T09:00:30+00:00")
    assert posted_to(world) == [{"U0MGR", "U003"}, {"U0MGR", "U001"}]
    # 10:00 in New York (EST) is 15:00 UTC.
    world.tick("2026-11-23T15:01:00+00:00")
    assert posted_to(world)[-1] == {"U0MGR", "U002"}
    # The manager, also listed as a member, never gets a check-in with themself.
    assert len(world.checkin_posts()) == 3
    post = world.checkin_posts()[-1]
    assert "<@U002>" in post.text and "<@U0MGR>" in post.text
    assert post.metadata["event_type"] == "tend_outbox"


def test_a_daylight_saving_week_follows_local_time(world: World) -> None:
    setup_team(world, loaded_at="2026-01-01T00:00:00+00:00")
    # Amsterdam springs forward on Sunday 29 March 2026: Monday 10:00 moves to 08:00 UTC.
    world.tick("2026-03-23T09:00:00+00:00")
    assert {"U0MGR", "U001"} in posted_to(world)
    count = len(world.checkin_posts())
    world.tick("2026-03-30T07:59:00+00:00")
    assert len(world.checkin_posts()) == count
    world.tick("2026-03-30T08:00:00+00:00")
    assert posted_to(world)[-1] == {"U0MGR", "U001"}
    # New York sprang forward on 8 March: Monday 9 March 10:00 EDT is 14:00 UTC.
    world.tick("2026-03-09T14:00:00+00:00")
    assert posted_to(world)[-1] == {"U0MGR", "U002"}


def test_a_repeated_tick_sends_nothing_twice(world: World) -> None:
    setup_team(world)
    for _ in range(3):
        world.tick("2026-11-23T09:05:00+00:00")
    assert posted_to(world) == [{"U0MGR", "U001"}]  # Kolkata's 04:30 was too long ago
    assert opens(world) == dict.fromkeys(PAIRS, 1)
    assert len(world.standin.calls_to("chat.postMessage")) == 1


def test_a_checkin_older_than_the_catchup_window_is_missed_not_sent(world: World) -> None:
    setup_team(world)
    report = world.tick("2026-11-23T13:30:00+00:00")  # Amsterdam's 09:00 UTC is 4.5 h ago
    # Amsterdam and Kolkata today, and New York's last fire time (Monday 16th).
    assert report.plan.missed == 3
    assert world.checkin_posts() == []
    assert [o.status for o in world.occurrences()] == ["missed"] * 3
    world.tick("2026-11-23T15:00:00+00:00")  # New York, on time
    assert posted_to(world) == [{"U0MGR", "U002"}]


def test_a_new_team_starts_at_its_next_fire_time(world: World) -> None:
    world.standin.add_user("U0MGR", tz="Europe/Amsterdam")
    world.standin.add_user("U001", tz="Europe/Amsterdam")
    world.load(TEAM.replace(", U002, U003", ""), now="2026-11-23T09:30:00+00:00")
    world.tick("2026-11-23T09:45:00+00:00")
    assert world.checkin_posts() == []
    world.tick("2026-11-30T09:00:00+00:00")
    assert posted_to(world) == [{"U0MGR", "U001"}]


def test_conversation_ids_are_cached_across_weeks(world: World) -> None:
    setup_team(world)
    world.tick("2026-11-23T09:00:00+00:00")
    assert opens(world) == dict.fromkeys(PAIRS, 1)
    world.tick("2026-11-30T09:00:00+00:00")
    assert posted_to(world) == [{"U0MGR", "U001"}] * 2
    assert opens(world) == dict.fromkeys(PAIRS, 1)


def test_a_slack_error_for_one_person_skips_only_them(world: World) -> None:
    setup_team(world)
    world.standin.add_user("U001", tz="Europe/Amsterdam", deleted=True)
    world.tick("2026-11-23T04:30:00+00:00")
    world.tick("2026-11-23T09:00:00+00:00")
    assert posted_to(world) == [{"U0MGR", "U003"}]
    assert "U001" not in {o.subject_id for o in world.occurrences()}


def test_a_failed_post_is_recorded_with_its_reason(world: World) -> None:
    setup_team(world)
    world.standin.fail("chat.postMessage", error="channel_not_found", times=1)
    world.tick("2026-11-23T04:30:00+00:00")
    (occurrence,) = [o for o in world.occurrences() if o.status != "missed"]
    assert (occurrence.subject_id, occurrence.status, occurrence.reason) == (
        "U003", "failed", "channel_not_found")
    world.tick("2026-11-23T09:00:00+00:00")
    assert posted_to(world) == [{"U0MGR", "U001"}]


def _checkin(world: World, member: str):  # type: ignore[no-untyped-def]
    return next(m for m in world.checkin_posts()
                if world.standin.conversation_members(m.channel) == {"U0MGR", member})


def _replies(world: World) -> list[tuple[str, str]]:
    with world.db.scope() as session:
        return [(r.user_id, r.text) for r in session.scalars(select(Reply).order_by(Reply.id))]


def test_both_sides_replies_are_kept_and_retries_store_nothing_twice(world: World) -> None:
    setup_team(world)
    world.tick("2026-11-23T09:00:00+00:00")
    post = _checkin(world, "U001")
    status, _ = world.reply(channel=post.channel, user="U001", text="Shipped the importer",
                            thread_ts=post.ts, event_id="Ev1")
    assert status == 200
    world.reply(channel=post.channel, user="U0MGR", text="Went well: the demo",
                thread_ts=post.ts, event_id="Ev2")
    # Slack retries Ev1 (same event_id, X-Slack-Retry-Num): stored once.
    world.reply(channel=post.channel, user="U001", text="Shipped the importer",
                thread_ts=post.ts, event_id="Ev1", retry_num=1)
    # Somebody else, a bot, and a top-level message are ignored.
    world.reply(channel=post.channel, user="U002", text="not mine", thread_ts=post.ts)
    event = world.standin.message_event(post.channel, "U001", "from a bot",
                                        thread_ts=post.ts)
    event["bot_id"] = "B0OTHER"
    world.standin.deliver_event(world.url, event)
    world.standin.deliver_event(world.url, world.standin.message_event(
        post.channel, "U001", "top level"))
    assert _replies(world) == [("U001", "Shipped the importer"),
                               ("U0MGR", "Went well: the demo")]


def test_edits_update_and_deletions_remove_replies(world: World) -> None:
    setup_team(world)
    world.tick("2026-11-23T09:00:00+00:00")
    post = _checkin(world, "U001")
    _, ts = world.reply(channel=post.channel, user="U001", text="draft", thread_ts=post.ts)
    edit = world.standin.message_changed_event(post.channel, ts, "final words", "U001",
                                               thread_ts=post.ts)
    world.standin.deliver_event(world.url, edit)
    assert _replies(world) == [("U001", "final words")]
    deletion = world.standin.message_deleted_event(post.channel, ts, thread_ts=post.ts)
    world.standin.deliver_event(world.url, deletion)
    assert _replies(world) == []


def _commitments(world: World) -> list[tuple[str, str, str]]:
    with world.db.scope() as session:
        return [(c.owner_id, c.text, c.status) for c in
                session.scalars(select(Commitment).order_by(Commitment.id))]


def test_commitments_carry_over_and_only_their_owner_closes_them(world: World) -> None:
    setup_team(world)
    world.tick("2026-11-23T09:00:00+00:00")
    post = _checkin(world, "U001")
    occurrence = next(o for o in world.occurrences() if o.subject_id == "U001")
    # The member writes one in the thread; the manager uses the modal.
    _, ts = world.reply(channel=post.channel, user="U001",
                        text="commit: onboarding guide reviewed by 2026-12-04",
                        thread_ts=post.ts)
    assert world.standin.calls_to("reactions.add")[-1].params["timestamp"] == ts
    assert world.click(user="U0MGR", action_id="commitment_add", value=str(occurrence.id),
                       channel=post.channel, message_ts=post.ts) == 200
    assert world.standin.opened_views()[-1]["callback_id"] == "commitment_modal"
    status, body = world.submit_commitment(user="U0MGR", occurrence_id=occurrence.id,
                                           what="Unblock the staging budget", due="2026-11-27")
    assert (status, body) == (200, {})
    assert _commitments(world) == [
        ("U001", "onboarding guide reviewed", "open"),
        ("U0MGR", "Unblock the staging budget", "open"),
    ]
    confirmation = world.standin.messages(post.channel)[-1]
    assert confirmation.thread_ts == post.ts and "Unblock the staging budget" in confirmation.text

    # Next week's check-in opens with both sides' open commitments and their buttons.
    world.tick("2026-11-30T09:00:00+00:00")
    week2 = [m for m in world.checkin_posts() if m.channel == post.channel][-1]
    shown = str(week2.blocks)
    assert "onboarding guide reviewed" in shown and "Unblock the staging budget" in shown
    commitment_id = _commitment_id(world, "U001")
    # The manager cannot close the member's commitment: a private refusal, no change.
    world.click(user="U0MGR", action_id="commitment_done", value=str(commitment_id),
                channel=week2.channel, message_ts=week2.ts)
    assert world.standin.ephemerals("U0MGR")[-1].text == "Only its owner can close a commitment."
    assert _commitments(world)[0][2] == "open"
    # The owner closes it; the message is updated in place.
    world.click(user="U001", action_id="commitment_done", value=str(commitment_id),
                channel=week2.channel, message_ts=week2.ts)
    assert _commitments(world)[0][2] == "done"
    updated = world.standin.messages(week2.channel)
    assert "done" in str(next(m for m in updated if m.ts == week2.ts).blocks)
    # "Not yet" keeps the manager's one open and carries it to the next check-in.
    manager_commitment = _commitment_id(world, "U0MGR")
    world.click(user="U0MGR", action_id="commitment_not_yet", value=str(manager_commitment),
                channel=week2.channel, message_ts=week2.ts)
    world.tick("2026-12-07T09:00:00+00:00")
    week3 = [m for m in world.checkin_posts() if m.channel == post.channel][-1]
    assert "Unblock the staging budget" in str(week3.blocks)
    assert "onboarding guide reviewed" not in str(week3.blocks)


def _commitment_id(world: World, owner: str) -> int:
    with world.db.scope() as session:
        return session.scalars(select(Commitment.id).where(Commitment.owner_id == owner)).one()


def test_bad_commitments_get_a_clear_message_and_change_nothing(world: World) -> None:
    setup_team(world)
    world.clock.set("2026-11-23T09:00:00+00:00")
    world.tick("2026-11-23T09:00:00+00:00")
    post = _checkin(world, "U001")
    occurrence = next(o for o in world.occurrences() if o.subject_id == "U001")
    status, body = world.submit_commitment(user="U001", occurrence_id=occurrence.id,
                                           what="Write the guide", due="2026-11-01")
    assert status == 200
    assert body["response_action"] == "errors" and "commitment_due" in body["errors"]
    _status, body = world.submit_commitment(user="U002", occurrence_id=occurrence.id,
                                           what="Not my check-in", due="2026-12-01")
    assert body["response_action"] == "errors"
    world.reply(channel=post.channel, user="U001", text="commit: write the guide someday",
                thread_ts=post.ts)
    assert "nothing was recorded" in world.standin.ephemerals("U001")[-1].text
    assert _commitments(world) == []
    assert len(_replies(world)) == 1  # the words themselves are kept


def test_forged_and_stale_requests_get_401_and_change_nothing(world: World) -> None:
    setup_team(world)
    world.tick("2026-11-23T09:00:00+00:00")
    post = _checkin(world, "U001")
    event = world.standin.message_event(post.channel, "U001", "forged", thread_ts=post.ts)
    status, _ = world.standin.deliver_event(world.url, event, signature="v0=deadbeef")
    assert status == 401
    import time

    stale = int(time.time()) - 6 * 60
    status, _ = world.standin.deliver_event(world.url, event, timestamp=stale)
    assert status == 401
    assert _replies(world) == []


def test_a_configuration_change_takes_effect_at_the_next_tick(world: World) -> None:
    setup_team(world)
    world.load(TEAM.replace('time: "10:00"', 'time: "08:00"'), now="2026-11-20T00:00:00+00:00")
    world.tick("2026-11-23T07:00:00+00:00")  # 08:00 in Amsterdam
    assert posted_to(world) == [{"U0MGR", "U001"}]
    world.load(TEAM.replace("mon", "tue"), now="2026-11-24T00:00:00+00:00")
    world.tick("2026-11-30T09:00:00+00:00")
    assert len(world.checkin_posts()) == 1
    world.tick("2026-12-01T09:00:00+00:00")
    assert posted_to(world)[-1] == {"U0MGR", "U001"}


def test_a_failing_acknowledgement_still_keeps_the_reply(world: World) -> None:
    setup_team(world)
    world.tick("2026-11-23T09:00:00+00:00")
    post = _checkin(world, "U001")
    world.standin.fail("reactions.add", error="missing_scope")
    status, _ = world.reply(channel=post.channel, user="U001",
                            text="commit: draft the plan by tomorrow", thread_ts=post.ts)
    assert status == 200
    assert _commitments(world) == [("U001", "draft the plan", "open")]


def test_a_new_line_manager_does_not_see_commitments_made_with_the_old_one(
        world: World) -> None:
    setup_team(world)
    world.standin.add_user("U0MGR2", tz="Europe/Amsterdam")
    world.tick("2026-11-23T09:00:00+00:00")
    post = _checkin(world, "U001")
    world.reply(channel=post.channel, user="U001", thread_ts=post.ts,
                text="commit: the private thing we discussed by 2026-11-27")
    world.load(TEAM.replace("managers: [U0MGR]", "managers: [U0MGR, U0MGR2]")
               .replace("members: [U001,", "members: [{id: U001, manager: U0MGR2},"),
               now="2026-11-25T00:00:00+00:00")
    world.tick("2026-11-30T09:00:00+00:00")
    new_pair = [m for m in world.checkin_posts()
                if world.standin.conversation_members(m.channel) == {"U0MGR2", "U001"}]
    assert len(new_pair) == 1
    assert "the private thing" not in str(new_pair[0].blocks)
