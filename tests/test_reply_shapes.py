"""Thread replies as real Slack sends them (issue 16, items 2, 7, 17, 18).

Real payload shapes live in tests/fixtures/slack/ (see its README): each is delivered,
signed, into the running app with its ids moved into a tend thread, and the stand-in's
builders are checked to produce the same shapes. Edits count only when they are a
person's edit by the reply's author; partial, null or unstorable payloads are
acknowledged and ignored, never a 5xx, over HTTP or as Socket Mode delivers them.
"""

from __future__ import annotations

import copy
import json
import logging
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

import pytest
from slack_bolt.request import BoltRequest
from sqlalchemy import func, select

from bot.slack.standin import payloads
from bot.storage.models import Commitment, ProcessedEvent, Reply
from tests.harness import World
from tests.test_weekly_checkin import setup_team

FIXTURES = Path(__file__).parent / "fixtures" / "slack"
ANSWERS = ("file_share_thread_reply", "me_message_thread_reply", "thread_broadcast")
COMMIT = "commit: onboarding guide reviewed by 2026-12-04"


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def _post(world: World):  # type: ignore[no-untyped-def]
    """The check-in of U001 and the manager U0MGR (its thread is where replies go)."""
    if not world.checkin_posts():
        setup_team(world)
        world.tick("2026-11-23T09:00:00+00:00")
    return next(m for m in world.checkin_posts()
                if world.standin.conversation_members(m.channel) == {"U0MGR", "U001"})


def _replies(world: World) -> list[tuple[str, str, bool]]:
    """(author, text, edited?) of every stored reply."""
    with world.db.scope() as session:
        return [(r.user_id, r.text, r.edited_at is not None)
                for r in session.scalars(select(Reply).order_by(Reply.id))]


def _commitments(world: World) -> list[tuple[str, str]]:
    with world.db.scope() as session:
        return [(c.owner_id, c.text) for c in session.scalars(select(Commitment))]


def _into_thread(real: dict[str, Any], post: Any, *, ts: str, user: str = "U001",
                 team_id: str = "T0STANDIN") -> dict[str, Any]:
    """A fixture's event with its placeholder ids replaced by the test thread's."""
    text = json.dumps(real["event"])
    for placeholder, value in (("1764579000.000100", post.ts), ("C111", post.channel),
                               ("UBOT111", "UTENDBOT"), ("U111", user), ("T111", team_id)):
        text = text.replace(placeholder, value)
    event = json.loads(text)
    event["ts"] = event["event_ts"] = ts
    return event


def deliver_settled(world: World, event: dict[str, Any], **options: Any) -> tuple[int, str]:
    """Deliver a signed event, then wait for the work the app does after its ack."""
    answer = world.standin.deliver_event(world.url, event, **options)
    world.settle()
    return answer


def _reply_with(world: World, post: Any, text: str, *, subtype: str | None = None,
                user: str = "U001", ts: str | None = None, **deliver: Any) -> tuple[int, str]:
    """A person's reply in `post`'s thread, in the shape of `subtype`, as Slack sends it:
    in the conversation first, then the event."""
    ts = world.standin.add_message(post.channel, user=user, text=text, thread_ts=post.ts,
                                   ts=ts)
    event = world.standin.message_event(post.channel, user, text, ts, thread_ts=post.ts,
                                        subtype=subtype)
    status, _ = deliver_settled(world, event, **deliver)
    return status, ts


def _over_socket_mode(world: World, event: dict[str, Any], *, event_id: str = "EvSOCKET"
                      ) -> int:
    """Deliver an event to the Bolt app as `tend socket` does: no HTTP, so no guard."""
    envelope = payloads.event_callback(
        event, team_id=world.standin.team_id, api_app_id="A0STANDIN",
        bot_user_id=world.standin.bot_user_id, event_id=event_id, event_time=1764580000)
    return world.app.dispatch(BoltRequest(body=envelope, mode="socket_mode")).status


# Answers in every shape a person's reply arrives in -----------------------------------


@pytest.mark.parametrize("name", ANSWERS)
def test_real_answer_shapes_are_kept_as_replies(world: World, name: str) -> None:
    """A file reply, a /me reply and a broadcast reply, in the shapes of real payloads,
    are stored like any reply. Kills: `is_answer` keeping only no subtype and
    thread_broadcast (the old rule dropped file_share and me_message)."""
    post = _post(world)
    event = _into_thread(fixture(name), post, ts=world.standin.next_ts())
    status, _ = deliver_settled(world, event)
    assert status == 200
    assert _replies(world) == [("U001", event["text"], False)]


def test_a_commit_line_with_a_screenshot_is_recorded_and_follows_its_edit(
        world: World) -> None:
    """The reply with a screenshot carries a `commit:` line: it is recorded (📌), and
    the person's later edit of that reply updates it. Kills: dropping `file_share` from
    the answer subtypes (nothing recorded)."""
    post = _post(world)
    status, ts = _reply_with(world, post, COMMIT, subtype="file_share")
    assert status == 200
    assert _commitments(world) == [("U001", "onboarding guide reviewed")]
    assert world.standin.calls_to("reactions.add")[-1].params["timestamp"] == ts
    edit = world.standin.edit_message(post.channel, ts,
                                      "commit: onboarding guide published by 2026-12-04")
    assert deliver_settled(world, edit)[0] == 200
    assert _commitments(world) == [("U001", "onboarding guide published")]
    assert _replies(world)[0][2] is True


def test_a_me_reply_is_kept_and_its_deletion_removes_it(world: World) -> None:
    """Kills: dropping `me_message` from the answer subtypes."""
    post = _post(world)
    _, ts = _reply_with(world, post, "is writing the guide", subtype="me_message")
    assert _replies(world) == [("U001", "is writing the guide", False)]
    deletion = world.standin.message_deleted_event(post.channel, ts, thread_ts=post.ts)
    assert deliver_settled(world, deletion)[0] == 200
    assert _replies(world) == []


# The stand-in sends these shapes as Slack does --------------------------------------


def _shape(value: Any) -> Any:
    """Keys and value types, recursively (a list by its first item)."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return type(value).__name__


def _missing(built: Any, real: Any, where: str = "event") -> list[str]:
    """Where `built` lacks a key of `real`, or holds another type of value there."""
    if isinstance(real, dict):
        if not isinstance(built, dict):
            return [where]
        return [gap for key, item in real.items()
                for gap in (_missing(built[key], item, f"{where}.{key}") if key in built
                            else [f"{where}.{key}"])]
    if isinstance(real, list):
        if not isinstance(built, list) or (real and not built):
            return [where]
        return _missing(built[0], real[0], f"{where}[0]") if real else []
    return [] if built == real else [f"{where}: {built} instead of {real}"]


def _built(world: World, name: str) -> dict[str, Any]:
    """The stand-in's event for each fixture, in a thread with a reply already in it."""
    standin, post = world.standin, _post(world)
    ts = standin.add_message(post.channel, user="U001", thread_ts=post.ts,
                             text="notes in <https://github.com/> for the review")
    if name == "message_changed_unfurl":
        return standin.message_unfurled_event(post.channel, ts, "https://github.com/")
    if name == "message_changed_edit":
        return standin.edit_message(post.channel, ts, "updated message")
    subtype = name.removesuffix("_thread_reply")
    return standin.message_event(post.channel, "U001", "hi", thread_ts=post.ts,
                                 subtype=subtype)


@pytest.mark.parametrize("name", [*ANSWERS, "message_changed_edit", "message_changed_unfurl"])
def test_the_standins_builders_send_the_shapes_of_real_payloads(world: World,
                                                               name: str) -> None:
    """Every key of the real payload, with the same type of value, is in what the
    stand-in sends (it may send more). Kills: a builder that drops `files`, `root`,
    `parent_user_id`, or puts `edited` on an unfurl."""
    built = _shape(_built(world, name))
    assert _missing(built, _shape(fixture(name)["event"])) == []
    if name == "message_changed_unfurl":
        assert "edited" not in built["message"]


def test_the_standin_refuses_to_build_a_subtype_it_does_not_know(world: World) -> None:
    with pytest.raises(ValueError, match="channel_join"):
        world.standin.message_event("C1", "U1", "x", subtype="channel_join")


# Link unfurls and other changes that are not the author's edit ----------------------


def test_a_link_unfurl_neither_changes_a_reply_nor_marks_it_edited(world: World) -> None:
    """Slack's `message_changed` for an unfurl (no `edited`, same text), from the stand-in
    and in the shape of a captured one. Kills: treating every message_changed as an edit
    (the reply was marked edited and acknowledged again)."""
    post = _post(world)
    text = "notes in <https://github.com/> for the review"
    _, ts = _reply_with(world, post, text)
    unfurl = world.standin.message_unfurled_event(post.channel, ts, "https://github.com/")
    assert deliver_settled(world, unfurl)[0] == 200
    captured = fixture("message_changed_unfurl")
    captured["event"]["message"]["ts"] = captured["event"]["previous_message"]["ts"] = ts
    real = _into_thread(captured, post, ts=world.standin.next_ts())
    assert deliver_settled(world, real)[0] == 200
    assert _replies(world) == [("U001", text, False)]


def test_a_change_without_edited_never_rewrites_a_reply(world: World) -> None:
    """A `message_changed` without `edited` is Slack's own change, whatever text it
    carries. Kills: dropping the `edited` check (the text-equality check alone would
    let this one through)."""
    post = _post(world)
    _, ts = _reply_with(world, post, COMMIT)
    change = world.standin.message_changed_event(post.channel, ts, "something else",
                                                 "U001", post.ts, edited=False)
    assert deliver_settled(world, change)[0] == 200
    assert _replies(world) == [("U001", COMMIT, False)]
    assert _commitments(world) == [("U001", "onboarding guide reviewed")]


def test_an_unfurl_after_an_edit_keeps_the_edit_time_and_adds_no_second_pushpin(
        world: World) -> None:
    """Once edited, the message carries `edited` in every later change, unfurls too:
    same text means nothing to do. Kills: dropping the same-text check (edited_at moved
    and the reply was acknowledged again)."""
    post = _post(world)
    _, ts = _reply_with(world, post, COMMIT)
    world.clock.set("2026-11-23T09:30:00+00:00")
    new_text = "commit: onboarding guide at https://example.com/guide by 2026-12-04"
    deliver_settled(world, world.standin.edit_message(post.channel, ts,
                                                                      new_text))
    pushpins, edited_at = len(world.standin.calls_to("reactions.add")), _edited_at(world)
    world.clock.set("2026-11-23T09:31:00+00:00")
    unfurl = world.standin.message_unfurled_event(post.channel, ts, "https://example.com/")
    assert unfurl["message"]["edited"]  # as Slack sends it for an edited message
    assert deliver_settled(world, unfurl)[0] == 200
    assert _replies(world) == [("U001", new_text, True)]
    assert _edited_at(world) == edited_at
    assert len(world.standin.calls_to("reactions.add")) == pushpins


def _edited_at(world: World) -> Any:
    with world.db.scope() as session:
        return session.scalars(select(Reply.edited_at)).one()


@pytest.mark.parametrize("who", ["message.user", "edited.user"])
def test_only_the_authors_edits_count(world: World, who: str,
                                      caplog: pytest.LogCaptureFixture) -> None:
    """An edit event carrying another person's id (as the message's author or as its
    editor) changes nothing, and says so in the log. Kills: dropping the author check."""
    post = _post(world)
    _, ts = _reply_with(world, post, COMMIT)
    edit = world.standin.message_changed_event(post.channel, ts, "commit: nothing by 2026-12-04",
                                               "U001", post.ts)
    edit["message"]["user" if who == "message.user" else "edited"] = (
        "U0MGR" if who == "message.user" else {"user": "U0MGR", "ts": edit["ts"]})
    with caplog.at_level(logging.WARNING, logger="bot.core.replies"):
        assert deliver_settled(world, edit)[0] == 200
    assert _replies(world) == [("U001", COMMIT, False)]
    assert _commitments(world) == [("U001", "onboarding guide reviewed")]
    assert "does not come from the reply's author" in caplog.text


# Partial, null and unstorable payloads: acknowledged and ignored, never a 5xx -------


def _partial_events(world: World, post: Any, ts: str) -> list[dict[str, Any]]:
    edit = world.standin.message_changed_event(post.channel, ts, "changed", "U001", post.ts)
    deletion = world.standin.message_deleted_event(post.channel, ts, thread_ts=post.ts)
    shapes: list[dict[str, Any]] = []
    for message in (None, {}, [], "x", {"ts": None}, {"ts": 5, "text": "changed"},
                    {"ts": ts, "text": None, "edited": None},
                    {"ts": ts, "text": ["changed"], "user": "U001", "edited": {}},
                    {"ts": ts, "user": {"id": "U001"}, "edited": {"user": 7}}):
        shapes.append({**copy.deepcopy(edit), "message": message})
    for deleted in (None, 5, {"ts": ts}):
        shapes.append({**copy.deepcopy(deletion), "deleted_ts": deleted})
    shapes.append({k: v for k, v in edit.items() if k != "message"})
    shapes.append({**copy.deepcopy(edit), "channel": None})
    return shapes


def test_partial_or_null_changes_and_deletions_are_acknowledged_and_ignored(
        world: World) -> None:
    """`message_changed` with `"message": null` (found by the hypothesis test: a 500), or
    any other partial shape, over HTTP and over Socket Mode (which has no HTTP guard):
    never a 5xx, and the reply stays as written. Kills: reading `event["message"]` or its
    fields without checking they are there and are text."""
    post = _post(world)
    _, ts = _reply_with(world, post, COMMIT)
    for n, event in enumerate(_partial_events(world, post, ts)):
        status, _ = deliver_settled(world, event)
        assert status in (200, 400), (event, status)  # 400: a stricter door refused it
        assert _over_socket_mode(world, event, event_id=f"EvPARTIAL{n}") == 200, event
    assert _replies(world) == [("U001", COMMIT, False)]
    assert _commitments(world) == [("U001", "onboarding guide reviewed")]


def test_a_nul_character_is_left_out_and_the_rest_of_the_reply_kept(world: World) -> None:
    """PostgreSQL text cannot hold NUL (a 500 and nothing stored), and no driver can
    encode an unpaired surrogate: both are left out of a reply and of its edit, the rest
    kept, the commitment recorded. Kills: storing the text as it came (a DataError or
    UnicodeEncodeError on PostgreSQL, NUL kept on SQLite)."""
    post = _post(world)
    status, ts = _reply_with(world, post, "commit: onboarding\x00 guide reviewed by 2026-12-04")
    assert status == 200
    assert _replies(world) == [("U001", COMMIT, False)]
    assert _commitments(world) == [("U001", "onboarding guide reviewed")]
    edit = world.standin.edit_message(post.channel, ts,
                                      "commit: onboarding guide \ud800done\x00 by 2026-12-04")
    assert deliver_settled(world, edit)[0] == 200
    assert _replies(world) == [("U001", "commit: onboarding guide \ufffddone by 2026-12-04",
                                True)]


def test_a_surrogate_pair_sent_as_two_escapes_is_kept_as_one_character(world: World) -> None:
    """JSON may spell an emoji as two escapes; what is kept is the emoji itself."""
    post = _post(world)
    event = world.standin.message_event(post.channel, "U001", "PLACEHOLDER",
                                        thread_ts=post.ts)
    body = payloads.event_callback(event, team_id=world.standin.team_id,
                                   api_app_id="A0STANDIN", bot_user_id="UTENDBOT",
                                   event_id="EvEMOJI", event_time=1764580000)
    raw = json.dumps(body).replace("PLACEHOLDER", "shipped \\ud83d\\ude80 and \\udc00")
    status = _post_raw(world, raw)
    assert status == 200
    assert _replies(world) == [("U001", "shipped \U0001F680 and \ufffd", False)]


def _post_raw(world: World, raw: str) -> int:
    headers = {"Content-Type": "application/json", **world.standin.sign(raw)}
    with urlopen(Request(world.url, data=raw.encode(), headers=headers)) as response:
        return int(response.status)


def _stored_counts(world: World) -> tuple[int, int]:
    with world.db.scope() as session:
        return (session.scalar(select(func.count()).select_from(Reply)) or 0,
                session.scalar(select(func.count()).select_from(ProcessedEvent)) or 0)


def test_an_over_long_ts_is_not_a_slack_ts_and_is_ignored_with_a_log_line(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    """A reply whose ts is longer than any Slack ts (32 characters) cannot be stored: a
    200 (or the door's 400), nothing stored, a log line; never a 500 (PostgreSQL's
    "value too long"). Kills: dropping the ts length check (a 500 on PostgreSQL, an
    unusable reply stored on SQLite)."""
    post = _post(world)
    with caplog.at_level(logging.WARNING, logger="bot.core.replies"):
        status, _ = _reply_with(world, post, COMMIT, ts="1" * 40 + ".000100")
        event = world.standin.message_event(post.channel, "U001", COMMIT, "9" * 33,
                                            thread_ts=post.ts)
        socket_status = _over_socket_mode(world, event)
    assert status in (200, 400) and socket_status == 200
    assert _replies(world) == [] and _commitments(world) == []
    assert "its ts is not a Slack ts (33 characters)" in caplog.text


def test_an_over_long_event_id_is_ignored_with_a_log_line(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    """An event id longer than Slack's (the column holds 64) is not a Slack event: a 200
    (or the door's 400), nothing stored, a log line; never a 500. Kills: dropping the
    event id check (PostgreSQL refuses the processed_event row: a 500)."""
    post = _post(world)
    with caplog.at_level(logging.WARNING, logger="bot.core.replies"):
        status, _ = _reply_with(world, post, COMMIT, event_id="Ev" + "X" * 70)
        event = world.standin.message_event(post.channel, "U001", COMMIT, thread_ts=post.ts)
        socket_status = _over_socket_mode(world, event, event_id="Ev" + "Y" * 63)
    assert status in (200, 400) and socket_status == 200
    assert _stored_counts(world) == (0, 0)
    assert "its event_id is not a Slack event id (65 characters)" in caplog.text
    # An event id of exactly 64 characters is stored, and its reply kept.
    _reply_with(world, post, COMMIT, event_id="Ev" + "Z" * 62)
    assert _stored_counts(world) == (1, 1)
