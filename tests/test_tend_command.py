"""`/tend` through signed HTTP: each role trying what it may and may not do."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from bot.config.apply import export_config
from bot.config.dump import dump_config
from bot.storage.models import Commitment, Person, Reply
from tests.harness import World, wait_for
from tests.test_weekly_checkin import TEAM, setup_team


def tend(world: World, user: str, text: str) -> str:
    status, body = world.standin.deliver_command(world.url, command="/tend", text=text,
                                                 user_id=user)
    assert status == 200
    return body


def exported(world: World) -> str:
    with world.db.scope() as session:
        return dump_config(export_config(session, world.workspace_id))


def setup_values(**overrides: Any) -> dict[str, Any]:
    """The setup modal's state as Slack submits it, for the platform team."""
    plain = {"team_name": "Platform", "team_timezone": "Europe/Amsterdam"}
    users = {"team_managers": ["U0MGR"], "team_members": ["U001", "U002", "U003"],
             "team_coaches": ["U0COACH"]}
    rituals = {"weekly_feedback": ("week", "mon", "10:00", True),
               "monthly_goals": ("month", "1st mon", "09:30", False),
               "quads": ("week", "thu", "15:00", False), "digest": ("month", "last fri",
                                                                   "16:00", False)}
    values: dict[str, Any] = {}
    for block, value in {**plain, **{k: v for k, v in overrides.items() if k in plain}
                         }.items():
        values[block] = {"value": {"type": "plain_text_input", "value": value}}
    for block, ids in {**users, **{k: v for k, v in overrides.items() if k in users}}.items():
        values[block] = {"value": {"type": "multi_users_select", "selected_users": ids}}
    values["team_channel"] = {"value": {"type": "conversations_select",
                                        "selected_conversation": "C0PLATFORM"}}
    for name, (every, day, at, on) in rituals.items():
        every, day, at, on = overrides.get(name, (every, day, at, on))
        values[f"{name}_on"] = {"value": {"type": "checkboxes", "selected_options":
                                          [{"value": "on"}] if on else []}}
        values[f"{name}_every"] = {"value": {"type": "static_select",
                                             "selected_option": {"value": every}}}
        values[f"{name}_day"] = {"value": {"type": "static_select",
                                           "selected_option": {"value": day}}}
        values[f"{name}_time"] = {"value": {"type": "timepicker", "selected_time": at}}
    values["quads_regroup"] = {"value": {"type": "number_input", "value": "4"}}
    values["digest_to_user"] = {"value": {"type": "users_select", "selected_user": "U0MGR"}}
    values["digest_to_channel"] = {"value": {"type": "conversations_select",
                                             "selected_conversation": None}}
    values["digest_min_group"] = {"value": {"type": "number_input",
                                            "value": overrides.get("min_group", "3")}}
    if "team_key" in overrides:
        values["team_key"] = {"value": {"type": "plain_text_input",
                                        "value": overrides["team_key"]}}
    return values


def submit_setup(world: World, user: str, key: str, **overrides: Any) -> dict[str, Any]:
    return world.submit_view(user=user, callback_id="setup_modal",
                             values=setup_values(**overrides), private_metadata=key)[1]


def test_help_is_by_role(world: World) -> None:
    setup_team(world)
    assert "/tend setup" in tend(world, "U0COACH", "help")
    assert "/tend setup" not in tend(world, "U001", "")
    assert "/tend away" in tend(world, "U001", "")
    assert "I don't know `/tend fly`" in tend(world, "U001", "fly")


def test_a_coach_edits_the_team_in_the_setup_modal_and_export_shows_it(world: World) -> None:
    setup_team(world)
    assert tend(world, "U0COACH", "setup") == ""  # acked; the modal opens
    modal = world.standin.opened_views()[-1]
    assert modal["callback_id"] == "setup_modal" and modal["private_metadata"] == "platform"
    assert len(modal["blocks"]) <= 100
    body = submit_setup(world, "U0COACH", "platform",
                        monthly_goals=("month", "1st mon", "09:30", True),
                        team_members=["U001", "U002"])
    assert body == {}
    config = exported(world)
    assert "monthly_goals:" in config and "members: [U001, U002]" in config


def test_invalid_setup_input_shows_inline_errors_and_changes_nothing(world: World) -> None:
    setup_team(world)
    before = exported(world)
    body = submit_setup(world, "U0COACH", "platform", team_timezone="Mars/Olympus",
                        monthly_goals=("month", "mon", "09:30", True))
    assert body["response_action"] == "errors"
    assert "unknown time zone" in body["errors"]["team_timezone"]
    assert "monthly" in body["errors"]["monthly_goals_day"]
    body = submit_setup(world, "U0COACH", "platform", min_group="2",
                        digest=("month", "last fri", "16:00", True))
    assert "at least 3" in body["errors"]["digest_min_group"]
    assert exported(world) == before


def test_members_and_managers_cannot_change_rituals(world: World) -> None:
    setup_team(world)
    before = exported(world)
    assert "coaches" in tend(world, "U001", "setup")
    assert "coaches" in tend(world, "U0MGR", "pause platform weekly_feedback")
    body = submit_setup(world, "U001", "platform", team_members=["U001"])
    assert "coaches" in body["errors"]["team_name"]
    assert exported(world) == before
    assert world.standin.opened_views() == []


def test_a_workspace_admin_creates_a_new_team(world: World) -> None:
    setup_team(world)
    world.standin.add_user("U0ADMIN", tz="Europe/Amsterdam", is_admin=True)
    assert tend(world, "U0ADMIN", "setup") == ""
    assert world.standin.opened_views()[-1]["private_metadata"] == ""
    body = submit_setup(world, "U0ADMIN", "", team_key="infra", team_name="Infra",
                        team_coaches=["U0ADMIN"])
    assert body == {}
    assert "key: infra" in exported(world)
    assert tend(world, "U0ADMIN", "setup") == ""  # saved, its modal closed: a new one
    body = submit_setup(world, "U0ADMIN", "", team_key="infra", team_name="Again")
    assert "already a team" in body["errors"]["team_key"]


def test_pause_resume_and_skip(world: World) -> None:
    setup_team(world)
    assert "paused" in tend(world, "U0COACH", "pause platform weekly_feedback")
    assert "enabled: false" in exported(world)
    world.tick("2026-11-23T09:00:00+00:00")
    assert world.checkin_posts() == []
    assert "running again" in tend(world, "U0COACH", "resume platform weekly_feedback")
    world.clock.set("2026-11-24T12:00:00+00:00")
    assert "will be skipped" in tend(world, "U0COACH", "skip platform weekly_feedback")
    world.tick("2026-11-30T09:00:00+00:00")  # the skipped Monday
    assert world.checkin_posts() == []
    assert "skip Fri 25 Dec 2026" in tend(world, "U0COACH", "skip platform 2026-12-25")
    assert "skip_dates: [2026-12-25]" in exported(world)
    world.tick("2026-12-07T09:00:00+00:00")
    assert len(world.checkin_posts()) == 1


def test_away_and_skip_me_this_week_pause_only_that_person(world: World) -> None:
    setup_team(world)
    world.clock.set("2026-11-20T12:00:00+00:00")
    assert "away until Sun 29 Nov" in tend(world, "U001", "away 2026-11-29")
    world.tick("2026-11-23T09:00:00+00:00")
    assert all("U001" not in world.standin.conversation_members(p.channel)
               for p in world.checkin_posts())
    world.tick("2026-11-30T09:00:00+00:00")
    post = [p for p in world.checkin_posts()
            if "U001" in world.standin.conversation_members(p.channel)][-1]
    world.click(user="U001", action_id="skip_me_this_week", value="skip",
                channel=post.channel, message_ts=post.ts)
    assert "Nobody is told" in world.standin.ephemerals("U001")[-1].text
    with world.db.scope() as session:
        assert str(session.get_one(Person, (world.workspace_id, "U001")).away_until) == "2026-12-06"
    assert "Welcome back" in tend(world, "U001", "away off")


def test_my_data_arrives_as_a_file_in_a_dm(world: World) -> None:
    setup_team(world)
    world.tick("2026-11-23T09:00:00+00:00")
    post = world.checkin_posts()[0]
    world.reply(channel=post.channel, user="U001", thread_ts=post.ts,
                text="commit: the guide by 2026-11-27")
    assert "file in a DM" in tend(world, "U001", "my-data")
    wait_for(lambda: world.standin.files())
    (export,) = world.standin.files()
    assert world.standin.conversation_members(export.channel) == {"U001"}
    data = json.loads(export.data)
    assert data["user_id"] == "U001" and data["answers"][0]["text"].startswith("commit:")


def test_forget_me_asks_then_deletes_only_that_persons_words(world: World) -> None:
    setup_team(world)
    world.tick("2026-11-23T09:00:00+00:00")
    post = world.checkin_posts()[0]
    world.reply(channel=post.channel, user="U001", thread_ts=post.ts,
                text="commit: the guide by 2026-11-27")
    world.reply(channel=post.channel, user="U0MGR", thread_ts=post.ts, text="Nice.")
    body = tend(world, "U001", "forget-me")
    assert "forget_me_confirm" in body
    with world.db.scope() as session:
        assert session.scalars(select(Reply)).all()  # nothing deleted before confirming
    payload = world.standin.block_actions_payload("U001", "forget_me_confirm", "confirm",
                                                  "C0GENERAL", None)
    assert world.standin.deliver_action(world.url, payload)[0] == 200
    world.settle()  # the note comes after the ack
    with world.db.scope() as session:
        assert [r.user_id for r in session.scalars(select(Reply))] == ["U0MGR"]
        assert session.scalars(select(Commitment)).all() == []
    assert "deleted 1 answers" in json.dumps(world.standin.responses())


def test_a_confirmation_click_without_a_response_url_still_answers_privately(
        world: World) -> None:
    setup_team(world)  # a click Slack could send from a message with no response_url
    world.standin.add_channel("C0GENERAL", name="general", bot_is_member=True,
                              members={"U001"})
    payload = world.standin.block_actions_payload("U001", "forget_me_confirm", "confirm",
                                                  "C0GENERAL", None)
    payload.pop("response_url", None)
    assert world.standin.deliver_action(world.url, payload)[0] == 200
    world.settle()
    (note,) = world.standin.ephemerals("U001")
    assert "Done: deleted 0 answers" in note.text


def test_the_team_file_and_the_modal_are_one_configuration(world: World) -> None:
    setup_team(world)
    submit_setup(world, "U0COACH", "platform", quads=("week", "thu", "15:00", True))
    assert "quads:" in exported(world)
    world.load(TEAM)  # re-importing the file switches quads off again (it is not in it)
    assert "quads:" not in exported(world)


def test_the_coach_home_edit_button_opens_the_setup_modal(world: World) -> None:
    setup_team(world)
    payload = world.standin.block_actions_payload(
        "U0COACH", "home_edit_team", "platform", view={"id": "VHOME", "type": "home"})
    assert world.standin.deliver_action(world.url, payload)[0] == 200
    assert world.standin.opened_views()[-1]["private_metadata"] == "platform"
    payload = world.standin.block_actions_payload(
        "U001", "home_edit_team", "platform", view={"id": "VHOME", "type": "home"})
    world.standin.deliver_action(world.url, payload)
    world.settle()
    assert "coaches" in json.dumps(world.standin.home_view("U001"))
    assert len(world.standin.opened_views()) == 1
