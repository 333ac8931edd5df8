"""The configuration file: loading, every rejection with its line, and the export round trip."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from bot.config.dump import dump_config
from bot.config.loader import ConfigError, load_config
from bot.config.schema import (
    CadenceSpec,
    MemberSpec,
    RitualsSpec,
    TeamSpec,
    TendConfig,
)
from bot.domain.cadence import EVERY, ORDINALS, WEEKDAYS, Cadence
from bot.rituals.weekly_feedback.config import WeeklyFeedbackSpec
from tests.properties import examples

# The documented example, verbatim. Line numbers in the tests below refer to it.
CANONICAL = """\
teams:
  - key: platform              # stable id used by the CLI: lowercase letters, digits, - and _
    name: Platform
    channel: C0PLATFORM        # the team's channel (Slack channel id: C… or G…)
    timezone: Europe/Amsterdam # IANA zone, for team-wide rituals
    managers: [U0MGR]
    coaches: [U0COACH]
    members: [U001, U002, U003]
    rituals:
      weekly_feedback:
        cadence: {every: week, day: mon, time: "10:00"}
"""

SECOND_TEAM = """\
  - key: mobile
    name: Mobile
    channel: G0MOBILE
    timezone: America/New_York
    managers: [U0BOSS, U0MGR2]
    members:
      - U010
      - {id: U011, manager: U0MGR2}
"""


def edit(old: str, new: str, text: str = CANONICAL) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def errors_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(text)
    assert str(caught.value) == "\n".join(caught.value.errors)
    return caught.value.errors


def without_comments(text: str) -> str:
    return "\n".join(re.sub(r"\s+#.*$", "", line) for line in text.splitlines()) + "\n"


# --- loading -----------------------------------------------------------------------------


def test_canonical_file_loads() -> None:
    team = load_config(CANONICAL).teams[0]
    assert (team.key, team.name, team.channel, team.timezone) == (
        "platform", "Platform", "C0PLATFORM", "Europe/Amsterdam",
    )
    assert team.managers == ["U0MGR"]
    assert team.coaches == ["U0COACH"]
    assert [m.id for m in team.members] == ["U001", "U002", "U003"]
    feedback = team.rituals.weekly_feedback
    assert feedback is not None and feedback.enabled
    assert feedback.cadence.cadence == Cadence("week", "mon", 10, 0)


def test_unquoted_time_is_read_as_the_same_time() -> None:
    # YAML 1.1 reads 10:00 as the integer 600.
    unquoted = edit('time: "10:00"', "time: 10:00")
    assert load_config(unquoted) == load_config(CANONICAL)


def test_member_mappings_name_line_managers() -> None:
    team = load_config(CANONICAL + SECOND_TEAM).teams[1]
    assert team.members == [MemberSpec(id="U010"), MemberSpec(id="U011", manager="U0MGR2")]
    assert team.line_manager_of("U010") == "U0BOSS"  # the first manager by default
    assert team.line_manager_of("U011") == "U0MGR2"
    assert team.line_manager_of("U0BOSS") is None  # not a member
    assert team.coaches == [] and team.rituals == RitualsSpec()


def test_manager_may_also_be_a_member() -> None:
    team = load_config(edit("[U001, U002, U003]", "[U0MGR, U001]")).teams[0]
    assert team.line_manager_of("U0MGR") == "U0MGR"


def test_paused_ritual_needs_no_managers() -> None:
    text = edit("managers: [U0MGR]", "managers: []")
    text = edit('time: "10:00"}', 'time: "10:00"}\n        enabled: false', text)
    feedback = load_config(text).teams[0].rituals.weekly_feedback
    assert feedback is not None and not feedback.enabled


def test_monthly_cadences() -> None:
    text = edit("{every: week, day: mon, ", "{every: month, day: last fri, ")
    cadence = load_config(text).teams[0].rituals.weekly_feedback.cadence  # type: ignore[union-attr]
    assert cadence.cadence == Cadence("month", "last fri", 10, 0)
    text = edit("{every: week, day: mon, ", "{every: month, day: 15, ")
    assert load_config(text).teams[0].rituals.weekly_feedback.cadence.day == "15"  # type: ignore[union-attr]


# --- rejections, each with its line ------------------------------------------------------

REJECTIONS = {
    "not YAML": (
        edit("name: Platform", "name: [Platform"),
        "line 4: not valid YAML: while parsing a flow sequence (line 3), "
        "expected ',' or ']', but got ':'",
    ),
    "unprintable character": (
        edit("name: Platform", "name: Plat\x07form"),
        "line 3: not valid YAML: special characters are not allowed (character 7)",
    ),
    "empty file": ("", "line 1: the file must be a mapping with a 'teams' list, not nothing"),
    "top level a list": (
        "- platform\n",
        "line 1: the file must be a mapping with a 'teams' list, not a list",
    ),
    "teams empty": ("teams: []\n", "line 1: teams: must list at least one team"),
    "teams not a list": (
        "teams:\n  key: platform\n",
        "line 1: teams: expected a list, not a mapping",
    ),
    "unknown team key": (
        edit("    name: Platform\n", "    name: Platform\n    colour: red\n"),
        "line 4: teams[0]: unknown key 'colour' (allowed: key, name, channel, timezone, "
        "managers, coaches, members, rituals, digest, skip_dates, agreements)",
    ),
    "unknown ritual": (
        edit("      weekly_feedback:", "      weekly_feedbak:"),
        "line 10: teams[0].rituals: unknown key 'weekly_feedbak' "
        "(allowed: weekly_feedback, monthly_goals, quads, retro)",
    ),
    "unknown cadence key": (
        edit('time: "10:00"}', 'time: "10:00", at: noon}'),
        "line 11: teams[0].rituals.weekly_feedback.cadence: unknown key 'at' "
        "(allowed: every, day, time)",
    ),
    "missing channel": (
        edit(CANONICAL.splitlines(keepends=True)[3], ""),
        "line 2: teams[0]: missing required key 'channel'",
    ),
    "missing cadence time": (
        edit(', time: "10:00"}', "}"),
        "line 11: teams[0].rituals.weekly_feedback.cadence: missing required key 'time'",
    ),
    "missing cadence": (
        edit('        cadence: {every: week, day: mon, time: "10:00"}', "        enabled: true"),
        "line 10: teams[0].rituals.weekly_feedback: missing required key 'cadence'",
    ),
    "empty ritual": (
        edit('\n        cadence: {every: week, day: mon, time: "10:00"}', ""),
        "line 10: teams[0].rituals.weekly_feedback: weekly_feedback is empty: "
        "give it a cadence, or remove the key",
    ),
    "managers not a list": (
        edit("managers: [U0MGR]", "managers: U0MGR"),
        "line 6: teams[0].managers: expected a list, not 'U0MGR'",
    ),
    "name a number": (
        edit("name: Platform", "name: 2024"),
        "line 3: teams[0].name: expected text, not 2024 (put it in quotes)",
    ),
    "enabled not a boolean": (
        edit('time: "10:00"}', 'time: "10:00"}\n        enabled: "no"'),
        "line 12: teams[0].rituals.weekly_feedback.enabled: expected true or false, not 'no'",
    ),
    "duplicate mapping key": (
        edit("    timezone:", "    name: Platform 2\n    timezone:"),
        "line 5: teams[0]: duplicate key 'name' (first given on line 3)",
    ),
    "duplicate team key": (
        CANONICAL + SECOND_TEAM.replace("key: mobile", "key: platform"),
        "line 12: teams[1].key: duplicate team key 'platform'",
    ),
    "bad team key": (
        edit("key: platform ", "key: Platform "),
        "line 2: teams[0].key: team key must be lowercase letters, digits, - and _ "
        "(starting with a letter or digit), not 'Platform'",
    ),
    "unknown time zone": (
        edit("Europe/Amsterdam", "Europe/Amsterdm"),
        "line 5: teams[0].timezone: unknown time zone 'Europe/Amsterdm'",
    ),
    "weekly cadence on a monthly day": (
        edit("day: mon", "day: 1st mon"),
        "line 11: teams[0].rituals.weekly_feedback.cadence.day: day for a weekly cadence "
        "must be a weekday (mon … sun), not '1st mon'",
    ),
    "impossible time": (
        edit('"10:00"', '"24:00"'),
        "line 11: teams[0].rituals.weekly_feedback.cadence.time: "
        "time must be a real time of day \"HH:MM\", not '24:00'",
    ),
    "unknown every": (
        edit("every: week", "every: fortnight"),
        "line 11: teams[0].rituals.weekly_feedback.cadence.every: every must be one of "
        "'week', '2 weeks', 'month', not 'fortnight'",
    ),
    "day of month 32": (
        edit("every: week, day: mon", "every: month, day: 32"),
        "line 11: teams[0].rituals.weekly_feedback.cadence.day: "
        "day of the month must be 1 … 31, not 32",
    ),
    "malformed channel": (
        edit("channel: C0PLATFORM", "channel: '#platform'"),
        "line 4: teams[0].channel: not a Slack channel id: '#platform' "
        "(expected C… or G…, capital letters and digits)",
    ),
    "malformed manager": (
        edit("managers: [U0MGR]", "managers: [u0mgr]"),
        "line 6: teams[0].managers[0]: not a Slack user id: 'u0mgr' "
        "(expected U… or W…, capital letters and digits)",
    ),
    "malformed member": (
        edit("[U001, U002, U003]", "[U001, bob]"),
        "line 8: teams[0].members[1].id: not a Slack user id: 'bob' "
        "(expected U… or W…, capital letters and digits)",
    ),
    "member neither id nor mapping": (
        edit("[U001, U002, U003]", "[U001, [U002]]"),
        "line 8: teams[0].members[1]: a member is a user id or a mapping "
        "{id: U…, manager: U…}, not ['U002']",
    ),
    "member twice": (
        edit("[U001, U002, U003]", "\n      - U001\n      - {id: U002}\n      - U001"),
        "line 11: teams[0].members[2]: 'U001' appears twice in members",
    ),
    "line manager not a manager": (
        edit("[U001, U002, U003]", "\n      - U001\n      - {id: U002, manager: U0COACH}"),
        "line 10: teams[0].members[1].manager: manager 'U0COACH' is not one of the "
        "team's managers (U0MGR)",
    ),
    "feedback without managers": (
        edit("managers: [U0MGR]", "managers: []"),
        "line 10: teams[0].rituals.weekly_feedback: weekly_feedback is enabled but the team "
        "has no managers (add one to managers, or set enabled: false)",
    ),
}


@pytest.mark.parametrize("case", REJECTIONS, ids=str)
def test_rejection_names_the_line(case: str) -> None:
    text, expected = REJECTIONS[case]
    assert errors_of(text) == [expected]


def test_top_level_without_teams() -> None:
    assert errors_of("team:\n  - key: platform\n") == [
        "line 1: missing required key 'teams'",
        "line 1: unknown key 'team' (allowed: teams)",
    ]


def test_every_problem_is_reported_at_once_in_line_order() -> None:
    text = edit("Europe/Amsterdam", "Europe/Amsterdm")
    text = edit("    timezone:", "    name: Again\n    timezone:", text)
    text = edit("[U001, U002, U003]", "[U001, bob, U001]", text)
    text += SECOND_TEAM.replace("key: mobile", "key: platform").replace("U0MGR2}", "U0NOPE}")
    assert errors_of(text) == [
        "line 5: teams[0]: duplicate key 'name' (first given on line 3)",
        "line 6: teams[0].timezone: unknown time zone 'Europe/Amsterdm'",
        "line 9: teams[0].members[1].id: not a Slack user id: 'bob' "
        "(expected U… or W…, capital letters and digits)",
        "line 9: teams[0].members[2]: 'U001' appears twice in members",
        "line 13: teams[1].key: duplicate team key 'platform'",
        "line 20: teams[1].members[1].manager: manager 'U0NOPE' is not one of the "
        "team's managers (U0BOSS, U0MGR2)",
    ]


def test_list_checks_merge_with_type_errors() -> None:
    team = "{key: a, name: A, channel: C1, timezone: UTC, managers: [], members: []}"
    assert errors_of(f"teams:\n  - 5\n  - {team}\n  - {team}\n") == [
        "line 2: teams[0]: expected a mapping, not 5",
        "line 4: teams[2].key: duplicate team key 'a'",
    ]


def test_models_enforce_the_rules_when_built_directly() -> None:
    cadence = CadenceSpec(every="month", day=15, time=600)  # type: ignore[arg-type]
    assert (cadence.every, cadence.day, cadence.time) == ("month", "15", "10:00")
    with pytest.raises(ValidationError, match="appears twice in members"):
        TeamSpec(
            key="a", name="A", channel="C1", timezone="UTC", managers=["U1"],
            members=[MemberSpec(id="U2"), MemberSpec(id="U2")],
        )


# --- export ------------------------------------------------------------------------------


def test_dump_reproduces_the_canonical_file() -> None:
    assert dump_config(load_config(CANONICAL)) == without_comments(CANONICAL)


def test_dump_of_overrides_and_paused_rituals() -> None:
    text = CANONICAL + SECOND_TEAM + (
        "    rituals:\n"
        "      weekly_feedback:\n"
        "        enabled: false\n"
        "        cadence: {every: month, day: 1, time: 9:30}\n"
    )
    assert dump_config(load_config(text)) == without_comments(CANONICAL) + (
        "\n"
        "  - key: mobile\n"
        "    name: Mobile\n"
        "    channel: G0MOBILE\n"
        "    timezone: America/New_York\n"
        "    managers: [U0BOSS, U0MGR2]\n"
        "    members:\n"
        "      - U010\n"
        "      - {id: U011, manager: U0MGR2}\n"
        "    rituals:\n"
        "      weekly_feedback:\n"
        '        cadence: {every: month, day: 1, time: "09:30"}\n'
        "        enabled: false\n"
    )


@pytest.mark.parametrize("text", [CANONICAL, CANONICAL + SECOND_TEAM], ids=["one", "two"])
def test_round_trip(text: str) -> None:
    config = load_config(text)
    assert load_config(dump_config(config)) == config


# --- property: any valid configuration survives export and import ------------------------

user_ids = st.from_regex(r"[UW][A-Z0-9]{1,10}", fullmatch=True)
channel_ids = st.from_regex(r"[CG][A-Z0-9]{1,10}", fullmatch=True)
team_keys = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,12}", fullmatch=True)
names = st.text(min_size=1, max_size=24).filter(str.strip)
zones = st.sampled_from(["UTC", "Europe/Amsterdam", "America/New_York", "Asia/Kolkata"])


@st.composite
def cadences(draw: st.DrawFn) -> CadenceSpec:
    every = draw(st.sampled_from(EVERY))
    if every == "month":
        nth = st.tuples(st.sampled_from(ORDINALS), st.sampled_from(WEEKDAYS)).map(" ".join)
        day: str | int = draw(nth | st.integers(1, 31))
    else:
        day = draw(st.sampled_from(WEEKDAYS))
    hour, minute = draw(st.integers(0, 23)), draw(st.integers(0, 59))
    return CadenceSpec(every=every, day=day, time=f"{hour:02d}:{minute:02d}")  # type: ignore[arg-type]


@st.composite
def teams(draw: st.DrawFn) -> TeamSpec:
    managers = draw(st.lists(user_ids, max_size=3, unique=True))
    line_managers = st.none() | st.sampled_from(managers) if managers else st.none()
    member_ids = draw(st.lists(user_ids, max_size=5, unique=True))
    members = [MemberSpec(id=uid, manager=draw(line_managers)) for uid in member_ids]
    feedback = draw(st.none() | st.builds(
        WeeklyFeedbackSpec,
        cadence=cadences(),
        enabled=st.booleans() if managers else st.just(False),
    ))
    return TeamSpec(
        key=draw(team_keys),
        name=draw(names),
        channel=draw(channel_ids),
        timezone=draw(zones),
        managers=managers,
        coaches=draw(st.lists(user_ids, max_size=2, unique=True)),
        members=members,
        rituals=RitualsSpec(weekly_feedback=feedback),
    )


configs = st.lists(teams(), min_size=1, max_size=3, unique_by=lambda t: t.key).map(
    lambda ts: TendConfig(teams=ts)
)


@settings(max_examples=examples(150), deadline=None)
@given(configs)
def test_any_valid_config_round_trips(config: TendConfig) -> None:
    assert load_config(dump_config(config)) == config
