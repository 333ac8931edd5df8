"""The stand-in refuses views whose preselected options are not among their options, as
Slack does (`invalid_arguments`), and the setup modal always offers the team's own day."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.cadence import ORDINALS, WEEKDAYS, Cadence, CadenceError
from bot.slack.standin import SlackStandIn
from tests.harness import World
from tests.test_weekly_checkin import setup_team

JSON = dict[str, Any]


def option(value: str, label: str | None = None) -> JSON:
    return {"text": {"type": "plain_text", "text": label or value}, "value": value}


def modal(element: JSON) -> JSON:
    return {"type": "modal", "title": {"type": "plain_text", "text": "Test"},
            "blocks": [{"type": "input", "block_id": "b", "label": {"type": "plain_text",
                                                                      "text": "Pick"},
                        "element": {"action_id": "value", **element}}]}


@pytest.fixture
def client(standin: SlackStandIn) -> WebClient:
    standin.add_user("U001")
    return WebClient(token=standin.bot_token, base_url=standin.api_url)


def open_modal(client: WebClient, standin: SlackStandIn, view: JSON) -> JSON:
    return client.views_open(trigger_id=standin.new_trigger_id(), view=view).data


def refused(call: Any) -> str:
    with pytest.raises(SlackApiError) as raised:
        call()
    return str(raised.value.response["error"])


def test_a_select_whose_initial_option_is_among_its_options_opens(
        client: WebClient, standin: SlackStandIn) -> None:
    """Kills: a check that refuses every initial_option (or reads only option_groups)."""
    plain = {"type": "static_select", "options": [option("a"), option("b")],
             "initial_option": option("b")}
    grouped = {"type": "static_select", "initial_option": option("sat"),
               "option_groups": [{"label": {"type": "plain_text", "text": "W"},
                                  "options": [option("fri"), option("sat")]}]}
    for element in (plain, grouped):
        assert open_modal(client, standin, modal(element))["ok"]


@pytest.mark.parametrize("element", [
    {"type": "static_select", "options": [option("a")], "initial_option": option("z")},
    {"type": "static_select", "initial_option": option("last sun"),
     "option_groups": [{"label": {"type": "plain_text", "text": "M"},
                        "options": [option("last fri")]}]},
    # Same value, other text: Slack wants the option exactly.
    {"type": "static_select", "options": [option("a", "A")], "initial_option": option("a")},
    {"type": "checkboxes", "options": [option("on")],
     "initial_options": [option("on"), option("off")]},
    {"type": "multi_static_select", "options": [option("a")], "initial_options": [option("b")]},
    {"type": "radio_buttons", "options": [option("a")], "initial_option": option("b")},
], ids=["select", "option_groups", "other_text", "checkboxes", "multi_select", "radio"])
def test_a_preselected_option_that_is_not_offered_is_refused_by_views_open(
        client: WebClient, standin: SlackStandIn, element: JSON) -> None:
    """Kills: dropping the check, or reading only `options` (not `option_groups`), or only
    `initial_option` (not `initial_options`), or comparing values instead of whole options."""
    assert refused(lambda: open_modal(client, standin, modal(element))) == "invalid_arguments"
    assert standin.opened_views() == []


def test_views_push_update_and_publish_refuse_it_too(
        client: WebClient, standin: SlackStandIn) -> None:
    """Kills: checking only in views.open (every view method goes through one check)."""
    good = modal({"type": "static_select", "options": [option("a")],
                  "initial_option": option("a")})
    bad = modal({"type": "static_select", "options": [option("a")],
                 "initial_option": option("b")})
    view_id = open_modal(client, standin, good)["view"]["id"]
    assert refused(lambda: client.views_push(trigger_id=standin.new_trigger_id(),
                                             view=bad)) == "invalid_arguments"
    assert refused(lambda: client.views_update(view_id=view_id, view=bad)) == \
        "invalid_arguments"
    home = {"type": "home", "blocks": [{
        "type": "section", "text": {"type": "mrkdwn", "text": "Reminders"},
        "accessory": {"type": "radio_buttons", "action_id": "r",
                      "options": [option("on")], "initial_option": option("off")}}]}
    assert refused(lambda: client.views_publish(user_id="U001", view=home)) == \
        "invalid_arguments"
    assert standin.home_view("U001") is None


def test_selects_whose_options_come_from_elsewhere_are_not_checked(
        client: WebClient, standin: SlackStandIn) -> None:
    """Kills: a check that treats a missing options list as empty (refusing an
    external_select's initial_option, which Slack accepts)."""
    element = {"type": "external_select", "initial_option": option("x")}
    assert open_modal(client, standin, modal(element))["ok"]


# -- the setup modal ---------------------------------------------------------------------


def yaml_days() -> set[str]:
    """Every `day` the YAML accepts, in Cadence's canonical form."""
    days = set()
    for every in ("week", "month"):
        for day in [*WEEKDAYS, *(f"{o} {d}" for o in ORDINALS for d in WEEKDAYS),
                    *map(str, range(0, 33))]:
            with contextlib.suppress(CadenceError):
                days.add(Cadence.parse(every, day, "10:00").day)
    return days


def day_options(view: JSON, block_id: str) -> list[str]:
    element = next(b["element"] for b in view["blocks"] if b.get("block_id") == block_id)
    return [o["value"] for group in element["option_groups"] for o in group["options"]]


WEEKEND_TEAM = """
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
        cadence: {every: week, day: sun, time: "10:00"}
      monthly_goals:
        cadence: {every: month, day: last sun, time: "09:30"}
      quads:
        cadence: {every: month, day: 1st sat, time: "15:00"}
"""


def test_setup_opens_for_a_team_whose_monthly_day_is_a_weekend_ordinal(world: World) -> None:
    """Issue 16 item 4. Kills: the day menu listing only Monday-Friday ordinals
    (`WEEKDAYS[:5]`): Slack, and the stand-in, refuse the modal and /tend setup was a 500."""
    setup_team(world)
    world.load(WEEKEND_TEAM)
    status, body = world.standin.deliver_command(world.url, command="/tend", text="setup",
                                                 user_id="U0COACH")
    assert (status, body) == (200, "")
    view = world.standin.opened_views()[-1]
    chosen = {b["block_id"]: b["element"]["initial_option"]["value"] for b in view["blocks"]
              if b.get("block_id", "").endswith("_day")}
    assert chosen["monthly_goals_day"] == "last sun" and chosen["quads_day"] == "1st sat"
    assert chosen["weekly_feedback_day"] == "sun"


def test_the_day_menu_offers_every_day_the_yaml_accepts_within_slack_s_limit(
        world: World) -> None:
    """Kills: any day the YAML accepts missing from the menu (a weekend ordinal, the 31st),
    or a menu above the 100 options a select may hold."""
    setup_team(world)
    world.standin.deliver_command(world.url, command="/tend", text="setup", user_id="U0COACH")
    options = day_options(world.standin.opened_views()[-1], "monthly_goals_day")
    assert set(options) == yaml_days()
    assert len(options) == len(set(options)) <= 100


def test_a_text_input_that_starts_longer_than_it_may_hold_is_refused(
        client: WebClient, standin: SlackStandIn) -> None:
    """Kills: the stand-in accepting an initial_value over the input's max_length (or over
    3000 characters when none is given), which Slack refuses."""
    fits = {"type": "plain_text_input", "multiline": True, "max_length": 10,
            "initial_value": "x" * 10}
    assert open_modal(client, standin, modal(fits))["ok"]
    for element in ({**fits, "initial_value": "x" * 11},
                    {"type": "plain_text_input", "initial_value": "x" * 3001}):
        assert refused(lambda e=element: open_modal(client, standin, modal(e))) == \
            "invalid_arguments"
