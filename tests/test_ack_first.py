"""Acknowledge first, work after (issue 16, items 13, 14, 15 and 18's refusal).

Slack waits 3 s for an answer. Against a stand-in that answers every Web API call in
0.3 s, and rate-limits each Slack write once (429, Retry-After: 30), the setup save for a
40-person team, a `commit:` reply and each button that changes state must answer within
3 s, with their work stored; the Slack calls that follow (Homes, the pushpin, updates in
place, private notes) must still happen, after the Retry-After.

slack_sdk's rate-limit retry sleeps the Retry-After in the thread that made the call.
`RetryAfterSleeps` stands in for that sleep so that no test waits 30 s: it records the
wait slack_sdk asked for and holds the thread until the test lets it go (or for HOLD
seconds, so that code sleeping *before* the ack answers late, not never).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from slack_sdk.http_retry import builtin_handlers
from sqlalchemy import select

from bot.storage.models import Commitment, Goal, Person, Reply
from tests import test_home as home_test
from tests import test_monthly_goals as goals_test
from tests import test_nudges as nudges_test
from tests import test_quads as quads_test
from tests import test_weekly_checkin as checkin_test
from tests.harness import World, wait_for
from tests.test_tend_command import setup_values

LATENCY = 0.3  # seconds per Web API call
ACK_LIMIT = 3.0  # Slack's timeout
RETRY_AFTER = 30
HOLD = 5.0  # longer than ACK_LIMIT: a sleep before the ack makes the answer late
WRITES = ("chat.update", "chat.postEphemeral", "chat.postMessage", "views.publish",
          "reactions.add")

ACK_TIMES: dict[str, float] = {}


class RetryAfterSleeps:
    def __init__(self) -> None:
        self.asked: list[float] = []
        self.go = threading.Event()

    def sleep(self, seconds: float) -> None:
        self.asked.append(seconds)
        self.go.wait(timeout=HOLD)


@pytest.fixture
def retry_sleeps(monkeypatch: pytest.MonkeyPatch) -> Iterator[RetryAfterSleeps]:
    sleeps = RetryAfterSleeps()
    monkeypatch.setattr(builtin_handlers, "time", SimpleNamespace(sleep=sleeps.sleep))
    yield sleeps
    sleeps.go.set()  # never leave a listener thread held


@pytest.fixture(scope="module", autouse=True)
def report_ack_times() -> Iterator[None]:
    yield
    if ACK_TIMES:
        print("\nack times at 0.3 s per Slack call, writes rate-limited once (Retry-After 30):")
        for name, seconds in ACK_TIMES.items():
            print(f"  {name:<40} {seconds:6.3f} s")


def slow_slack(world: World, *, rate_limited: tuple[str, ...] = WRITES) -> None:
    """0.3 s per call, and the next call of each of `rate_limited` answers 429."""
    world.standin.latency = LATENCY
    for method in rate_limited:
        world.standin.fail(method, status=429, retry_after=RETRY_AFTER)


def timed(name: str, deliver: Callable[[], tuple[int, str]]) -> tuple[int, str]:
    """Deliver, and keep how long the app took to answer (the ack time)."""
    started = time.monotonic()
    status, body = deliver()
    ACK_TIMES[name] = time.monotonic() - started
    return status, body


def release_retries(world: World, sleeps: RetryAfterSleeps) -> None:
    """The work after the ack met a 429: check the Retry-After is honoured, then let the
    retry happen and wait for everything left to do."""
    wait_for(lambda: sleeps.asked)
    assert min(sleeps.asked) >= RETRY_AFTER
    sleeps.go.set()
    world.settle()


def calls_made_after(world: World, count: int) -> list[Any]:
    return world.standin.calls[count:]


def assert_each_write_landed(world: World, since: int) -> None:
    """Every kind of Slack write made after the ack ended in success (after its 429)."""
    later = [c for c in calls_made_after(world, since) if c.method in WRITES]
    assert later, "nothing was done after the ack"
    for method in {c.method for c in later}:
        assert [c for c in later if c.method == method][-1].error is None, method


# -- the setup save for a 40-person team ----------------------------------------------------
BIG_TEAM = [f"U1{n:02d}" for n in range(40)]


def test_saving_the_setup_of_a_40_person_team_answers_before_the_homes(
        world: World, retry_sleeps: RetryAfterSleeps) -> None:
    """Kills: re-publishing the team's Homes before the ack (42 calls of 0.3 s, 12.6 s),
    and dropping the Homes altogether (no views.publish after the ack)."""
    checkin_test.setup_team(world)
    for user in BIG_TEAM:
        world.standin.add_user(user, tz="Europe/Amsterdam")
    slow_slack(world, rate_limited=("views.publish",))
    payload = world.standin.view_submission_payload(
        "U0COACH", "setup_modal", setup_values(team_members=BIG_TEAM),
        private_metadata="platform")
    status, body = timed("setup save, 40 members",
                         lambda: world.standin.deliver_action(world.url, payload))
    assert (status, body.strip()) == (200, "")
    assert ACK_TIMES["setup save, 40 members"] < ACK_LIMIT
    with world.db.scope() as session:  # saved before the answer
        assert session.scalar(select(Person).where(Person.user_id == BIG_TEAM[-1]))
    release_retries(world, retry_sleeps)
    for user in [*BIG_TEAM, "U0MGR", "U0COACH"]:
        assert world.standin.home_view(user) is not None, user


# -- a commit: reply ------------------------------------------------------------------------
def _checkin_post(world: World) -> Any:
    checkin_test.setup_team(world)
    world.tick("2026-11-23T09:00:00+00:00")
    return next(m for m in world.checkin_posts()
                if world.standin.conversation_members(m.channel) == {"U0MGR", "U001"})


def _deliver_reply(world: World, post: Any, user: str, text: str, *, name: str
                   ) -> tuple[int, str]:
    ts = world.standin.add_message(post.channel, user=user, text=text, thread_ts=post.ts)
    event = world.standin.message_event(post.channel, user, text, ts, thread_ts=post.ts)
    status, _body = timed(name, lambda: world.standin.deliver_event(world.url, event))
    return status, ts


def test_a_commit_reply_is_answered_before_its_rate_limited_pushpin(
        world: World, retry_sleeps: RetryAfterSleeps) -> None:
    """Kills: adding the reaction (or refreshing the Home) before the ack: reactions.add
    answers 429 with Retry-After 30, and slack_sdk sleeps through it in that thread."""
    post = _checkin_post(world)
    slow_slack(world, rate_limited=("reactions.add",))
    status, ts = _deliver_reply(world, post, "U001",
                                "commit: onboarding guide reviewed by 2026-12-04",
                                name="commit: reply")
    assert status == 200
    assert ACK_TIMES["commit: reply"] < ACK_LIMIT
    with world.db.scope() as session:
        assert session.scalars(select(Commitment.text)).all() == ["onboarding guide reviewed"]
    wait_for(lambda: retry_sleeps.asked)
    (limited,) = world.standin.calls_to("reactions.add")  # the retry waits its turn
    assert limited.error == "ratelimited"
    release_retries(world, retry_sleeps)
    (message,) = [m for m in world.standin.messages(post.channel) if m.ts == ts]
    assert message.reactions == {"pushpin": ["UTENDBOT"]}
    assert "onboarding guide reviewed" in str(world.standin.home_view("U001"))


def test_a_note_about_an_unreadable_commit_line_goes_to_the_thread(world: World) -> None:
    """Item 15. Kills: chat.postEphemeral without thread_ts (the note would show in the
    conversation's main view, not in the thread the person is writing in)."""
    post = _checkin_post(world)
    world.reply(channel=post.channel, user="U001", thread_ts=post.ts, text="commit: soon")
    (note,) = world.standin.ephemerals("U001")
    assert note.thread_ts == post.ts and "nothing was recorded" in note.text


# -- each button that changes state ---------------------------------------------------------
@dataclass
class Click:
    payload: dict[str, Any]
    changed: Callable[[], bool]  # the state change, stored before the answer
    shown: Callable[[], bool]  # what Slack shows once the work after the ack is done
    rate_limited: bool = True  # the work after the ack makes Web API writes


def _status(world: World, model: Any, row_id: int) -> str:
    with world.db.scope() as session:
        return str(session.get_one(model, row_id).status)


def _carried(world: World, commitment_id: int) -> int:
    with world.db.scope() as session:
        return session.get_one(Commitment, commitment_id).times_carried


def _updated(world: World, channel: str, ts: str, text: str) -> Callable[[], bool]:
    return lambda: any(m.ts == ts and text in str(m.blocks)
                       for m in world.standin.messages(channel))


def _checkin_click(world: World, action: str, expect: str) -> Click:
    post = _checkin_post(world)
    world.reply(channel=post.channel, user="U001", thread_ts=post.ts,
                text="commit: onboarding guide reviewed by 2026-12-04")
    world.tick("2026-11-30T09:00:00+00:00")
    week2 = [m for m in world.checkin_posts() if m.channel == post.channel][-1]
    (commitment_id,) = commitment_ids(world)
    payload = world.standin.block_actions_payload("U001", action, str(commitment_id),
                                                  week2.channel, week2.ts)
    changed = ((lambda: _carried(world, commitment_id) == 1) if expect == "carried"
               else lambda: _status(world, Commitment, commitment_id) == expect)
    return Click(payload, changed, lambda: world.standin.home_view("U001") is not None
                 and bool(world.standin.calls_to("chat.update")))


def commitment_ids(world: World) -> list[int]:
    with world.db.scope() as session:
        return list(session.scalars(select(Commitment.id).order_by(Commitment.id)))


def _quad_click(world: World, action: str, expect: str) -> Click:
    quads_test.setup_team(world)
    world.tick(quads_test.at_cycle(0))
    post = quads_test.quad_posts(world)[0]
    owner = sorted(world.standin.conversation_members(post.channel))[0]
    world.reply(channel=post.channel, user=owner, thread_ts=post.ts,
                text="commit: publish the API guide by 2026-12-09")
    world.tick(quads_test.at_cycle(1))
    week2 = next(p for p in quads_test.quad_posts(world, 3) if p.channel == post.channel)
    (commitment_id,) = commitment_ids(world)
    payload = world.standin.block_actions_payload(owner, action, str(commitment_id),
                                                  week2.channel, week2.ts)
    return Click(payload, lambda: _status(world, Commitment, commitment_id) == expect,
                 lambda: bool(world.standin.calls_to("chat.update"))
                 and world.standin.home_view(owner) is not None)


def _goal_click(world: World, action: str, expect: str) -> Click:
    goals_test.setup_team(world)
    world.tick(goals_test.DECEMBER)
    december = world.occurrences()[0]
    goals_test.submit_goals(world, "U001", december.id, goals_test.slots(
        ("Onboarding takes one day", "Two new joiners say so", "2027-01-15")))
    world.tick(goals_test.JANUARY)
    (review,) = [m for m in world.standin.messages() if m.channel.startswith("D")]
    with world.db.scope() as session:
        goal_id = session.scalars(select(Goal.id)).one()
    payload = world.standin.block_actions_payload("U001", action, str(goal_id),
                                                  review.channel, review.ts)
    if action == "goal_carry":  # the button opens the date form; its submit carries
        world.click(user="U001", action_id=action, value=str(goal_id),
                    channel=review.channel, message_ts=review.ts)
        payload = world.standin.view_submission_payload(
            "U001", "goal_carry_modal",
            {"carry_due": {"value": {"type": "datepicker", "selected_date": "2027-02-15"}}})
    return Click(payload, lambda: _status(world, Goal, goal_id) == expect,
                 lambda: "goal_done" not in str(next(  # its buttons are gone
                     m.blocks for m in world.standin.messages(review.channel)
                     if m.ts == review.ts)))


def _skip_me(world: World) -> Click:
    post = _checkin_post(world)
    payload = world.standin.block_actions_payload("U001", "skip_me_this_week", "skip",
                                                  post.channel, post.ts)

    def away() -> bool:
        with world.db.scope() as session:
            return session.get_one(Person, (world.workspace_id, "U001")).away_until is not None
    return Click(payload, away, lambda: "Skipped" in str(world.standin.ephemerals("U001")))


def _forget_me(world: World) -> Click:
    post = _checkin_post(world)
    world.reply(channel=post.channel, user="U001", thread_ts=post.ts, text="Shipped it")
    payload = world.standin.block_actions_payload("U001", "forget_me_confirm", "confirm",
                                                  "C0GENERAL", None)

    def forgotten() -> bool:
        with world.db.scope() as session:
            return session.scalars(select(Reply)).all() == []
    # Its note goes through the response_url, which is not a rate-limited Web API call.
    return Click(payload, forgotten,
                 lambda: "deleted 1 answers" in str(world.standin.responses()),
                 rate_limited=False)


def _reminders_off(world: World) -> Click:
    nudges_test.setup_team(world)
    world.tick("2026-11-23T09:00:00+00:00")
    world.tick("2026-11-24T09:00:00+00:00")
    (reminder,) = nudges_test.nudges(world)
    payload = world.standin.block_actions_payload("U001", "reminders_off", "off",
                                                  reminder.channel, reminder.ts)
    return Click(payload, lambda: nudges_test._reminders_off(world, "U001"),
                 _updated(world, reminder.channel, reminder.ts, "Reminders are off"))


def _home_click(world: World) -> Click:
    post = _checkin_post(world)
    world.reply(channel=post.channel, user="U001", thread_ts=post.ts,
                text="commit: onboarding guide reviewed by 2026-12-04")
    view = home_test.home(world, "U001")
    (commitment_id,) = commitment_ids(world)
    payload = world.standin.block_actions_payload("U001", "commitment_done",
                                                  str(commitment_id), view=view)
    return Click(payload, lambda: _status(world, Commitment, commitment_id) == "done",
                 lambda: "onboarding guide reviewed" not in str(
                     world.standin.home_view("U001")))


CLICKS: dict[str, Callable[[World], Click]] = {
    "Done": lambda w: _checkin_click(w, "commitment_done", "done"),
    "Carry over": lambda w: _checkin_click(w, "commitment_not_yet", "carried"),
    "Drop": lambda w: _checkin_click(w, "commitment_drop", "dropped"),
    "Done (quad)": lambda w: _quad_click(w, "quad_kept", "kept"),
    "Partly (quad)": lambda w: _quad_click(w, "quad_partly", "partly"),
    "Not done (quad)": lambda w: _quad_click(w, "quad_missed", "missed"),
    "Goal done": lambda w: _goal_click(w, "goal_done", "done"),
    "Goal partly": lambda w: _goal_click(w, "goal_partly", "partly"),
    "Goal not done": lambda w: _goal_click(w, "goal_not_done", "not_done"),
    "Goal carried (its date form)": lambda w: _goal_click(w, "goal_carry", "carried"),
    "Skip me this week": _skip_me,
    "Forget me (confirm)": _forget_me,
    "Turn reminders off": _reminders_off,
    "Done, from the Home": _home_click,
}


@pytest.mark.parametrize("name", list(CLICKS))
def test_each_button_that_changes_state_answers_before_slack_is_told(
        world: World, retry_sleeps: RetryAfterSleeps, name: str) -> None:
    """Kills, per button: any update in place, private note or Home refresh made before
    the ack (each write answers 429 once, and its Retry-After is slept in the caller's
    thread), and dropping that work (the message, note or Home never changes)."""
    click = CLICKS[name](world)
    since = len(world.standin.calls)
    slow_slack(world)
    status, _ = timed(f"button {name}",
                      lambda: world.standin.deliver_action(world.url, click.payload))
    assert status == 200
    assert ACK_TIMES[f"button {name}"] < ACK_LIMIT
    assert click.changed()  # stored before the answer
    if click.rate_limited:
        release_retries(world, retry_sleeps)
        assert_each_write_landed(world, since)
    else:
        world.settle()
    assert click.shown()


# -- a form Slack will not open (item 14) ---------------------------------------------------
@pytest.mark.parametrize(("error", "says"), [
    ("expired_trigger_id", "That took too long"),
    ("invalid_arguments", "Slack would not open the form (invalid_arguments)"),
])
def test_a_setup_form_slack_refuses_is_a_private_note_not_a_500(
        world: World, error: str, says: str) -> None:
    """Kills: letting views.open's SlackCallError out of setup.open_setup (HTTP 500, and
    Slack's generic failure instead of a note)."""
    checkin_test.setup_team(world)
    world.standin.fail("views.open", error=error)
    status, body = world.standin.deliver_command(world.url, command="/tend", text="setup",
                                                 user_id="U0COACH")
    assert status == 200
    assert says in body and "/tend setup" in body and '"ephemeral"' in body


def _refused_form_where(world: World, opener: str) -> tuple[dict[str, Any], Callable[[], str]]:
    """A click that opens a form, and where its private note shows."""
    if opener == "Add commitment":
        post = _checkin_post(world)
        (occurrence,) = [o for o in world.occurrences() if o.message_ts == post.ts]
        return (world.standin.block_actions_payload("U001", "commitment_add", str(occurrence.id),
                                                    post.channel, post.ts),
                lambda: world.standin.ephemerals("U001")[-1].text)
    if opener == "Share my goals":
        goals_test.setup_team(world)
        world.tick(goals_test.DECEMBER)
        post = goals_test.session_post(world)
        return (world.standin.block_actions_payload("U001", "goals_share",
                                                    str(world.occurrences()[0].id),
                                                    post.channel, post.ts),
                lambda: world.standin.ephemerals("U001")[-1].text)
    if opener == "Carry over (goal)":
        goals_test.setup_team(world)
        world.tick(goals_test.DECEMBER)
        goals_test.submit_goals(world, "U001", world.occurrences()[0].id, goals_test.slots(
            ("Onboarding takes one day", "Two new joiners say so", "2027-01-15")))
        world.tick(goals_test.JANUARY)
        (review,) = [m for m in world.standin.messages() if m.channel.startswith("D")]
        with world.db.scope() as session:
            goal_id = session.scalars(select(Goal.id)).one()
        return (world.standin.block_actions_payload("U001", "goal_carry", str(goal_id),
                                                    review.channel, review.ts),
                lambda: world.standin.ephemerals("U001")[-1].text)
    if opener == "Edit team (Home)":
        checkin_test.setup_team(world)
        return (world.standin.block_actions_payload(
                    "U0COACH", "home_edit_team", "platform", view={"id": "VHOME", "type": "home"}),
                lambda: str(world.standin.home_view("U0COACH")))
    post = _checkin_post(world)  # Share in digest, on the person's own reply
    _, ts = world.reply(channel=post.channel, user="U001", thread_ts=post.ts, text="Shipped")
    return ({"type": "message_action", "callback_id": "share_in_digest",
             "trigger_id": world.standin.new_trigger_id(), "user": {"id": "U001"},
             "channel": {"id": post.channel}, "message": {"ts": ts, "user": "U001"},
             "team": {"id": world.standin.team_id}, "message_ts": ts,
             "response_url": world.standin.new_response_url()},
            lambda: world.standin.responses()[-1]["text"])


@pytest.mark.parametrize("opener", ["Add commitment", "Share my goals", "Carry over (goal)",
                                    "Edit team (Home)", "Share in digest"])
def test_a_form_slack_refuses_to_open_says_so_privately(world: World, opener: str) -> None:
    """Kills, per form: letting views.open's expired_trigger_id out of the service that
    opens it (HTTP 500 and no note)."""
    payload, note = _refused_form_where(world, opener)
    world.standin.fail("views.open", error="expired_trigger_id")
    status, _ = world.standin.deliver_action(world.url, payload)
    assert status == 200
    world.settle()
    assert "That took too long" in note() and "again" in note()


# -- notes that reach the person (item 15) --------------------------------------------------
def test_a_share_refusal_outside_tends_conversations_comes_through_the_response_url(
        world: World) -> None:
    """Kills: answering with chat.postEphemeral in a channel tend is not in (Slack says
    channel_not_found and the person hears nothing) instead of the response_url."""
    checkin_test.setup_team(world)
    world.standin.add_channel("C0RANDOM", name="random", members={"U001"})  # tend not in it
    ts = world.standin.add_message("C0RANDOM", user="U001", text="Some message")
    assert world.message_shortcut(user="U001", callback_id="share_in_digest",
                                  channel="C0RANDOM", ts=ts, author="U001") == 200
    assert "Only your own replies" in world.standin.responses()[-1]["text"]
    assert world.standin.calls_to("chat.postEphemeral") == []


# -- a refusal tells a stranger nothing (item 18) -------------------------------------------
def test_a_refused_close_names_neither_the_owner_nor_the_commitment(world: World) -> None:
    """Kills: the old refusal "Only <@owner> can close their own commitment", which told
    whoever clicked whose commitment it was."""
    post = _checkin_post(world)
    world.reply(channel=post.channel, user="U001", thread_ts=post.ts,
                text="commit: onboarding guide reviewed by 2026-12-04")
    (commitment_id,) = commitment_ids(world)
    world.standin.add_user("U0OUT", tz="Europe/Amsterdam")
    with world.db.scope() as session:
        owner = session.get_one(Commitment, commitment_id).owner_id
    world.standin.add_channel("C0PLATFORM", name="platform", bot_is_member=True,
                              members={"U0OUT", "U0MGR"})
    # A forged click from someone outside the conversation, and one from the manager in it.
    for clicker, channel in (("U0OUT", "C0PLATFORM"), ("U0MGR", post.channel)):
        assert world.click(user=clicker, action_id="commitment_done",
                           value=str(commitment_id), channel=channel, message_ts=post.ts) == 200
        (note,) = world.standin.ephemerals(clicker)[-1:]
        assert note.text == "Only its owner can close a commitment."
        assert owner not in str(note) and "onboarding" not in str(note)
    assert _status(world, Commitment, commitment_id) == "open"
