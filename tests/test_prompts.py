"""The team's own prompts, end to end: the teams file (`tend import` / `tend export`), the
setup modal (signed view_submission), the real tick posting through the stand-in."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import main
from bot.rituals import registry
from bot.rituals.weekly_feedback.config import PROMPTS as CHECKIN_PROMPTS
from bot.storage.models import Occurrence
from tests.harness import World
from tests.test_tend_command import exported, setup_values, tend
from tests.test_weekly_checkin import setup_team as setup_checkin_team

DOCS = Path(__file__).resolve().parent.parent / "docs"

TEAM = """\
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
        prompts:
          member: ["Which customer did you help & how <exactly>?", "What is next?"]
          manager: ["What changed upstairs this week?"]
          upward: ["What did I do that helped you?"]
          rotating: ["Rotate one?", "Rotate two?", "Rotate three?"]
      quads:
        cadence: {every: week, day: thu, time: "15:00"}
        prompts: ["Quad question one?", "Quad question two?"]
      monthly_goals:
        cadence: {every: month, day: 1st mon, time: "09:30"}
        prompts: ["Goal question one?"]
      retro:
        cadence: {every: month, day: last thu, time: "15:00"}
        prompts: ["Retro question one?", "Retro question two?"]
"""
# In Amsterdam (CET): Mondays 10:00 are 09:00 UTC, Thursdays 15:00 are 14:00 UTC.
MONDAYS = ["2026-11-23", "2026-11-30", "2026-12-07", "2026-12-14"]
FIRST_QUADS = "2026-12-03T14:00:00+00:00"
SECOND_QUADS = "2026-12-10T14:00:00+00:00"
RETRO = "2026-11-26T14:00:00+00:00"
GOALS = "2026-12-07T08:30:00+00:00"
PEOPLE = ("U0MGR", "U0COACH", "U001", "U002", "U003", "U004", "U005")


def setup_team(world: World, team: str = TEAM) -> None:
    for user in PEOPLE:
        world.standin.add_user(user, tz="Europe/Amsterdam")
    world.standin.add_channel("C0PLATFORM", name="platform")
    world.load(team)


def monday(n: int) -> str:
    return f"{MONDAYS[n]}T09:00:00+00:00"


def body(message: Any) -> str:
    return json.dumps(message.blocks, ensure_ascii=False)


def checkins_of(world: World, member: str) -> list[str]:
    """The check-ins posted to the group DM of `member` and the manager, in order."""
    return [body(p) for p in world.checkin_posts()
            if world.standin.conversation_members(p.channel) == {member, "U0MGR"}]


def channel_posts(world: World, heading: str) -> list[str]:
    return [body(m) for m in world.standin.messages("C0PLATFORM")
            if not m.thread_ts and heading in m.text]


def every_default(ritual_kind: str) -> set[str]:
    ritual = registry.find(ritual_kind)
    assert ritual is not None and ritual.prompts is not None
    bank = ritual.prompts
    return {p for prompts in (*bank.defaults.values(), *bank.first.values(),
                              bank.rotating or ()) for p in prompts}


# -- the team's prompts in the posted messages ---------------------------------------------


def test_each_rituals_message_shows_the_teams_prompts_and_not_the_defaults(
        world: World) -> None:
    """Kills: a ritual rendering its defaults whatever the team wrote (prompts not read
    from the ritual's stored options), and team text posted unescaped (a `<` in a prompt
    read by Slack as markup)."""
    setup_team(world)
    world.tick(monday(0))
    world.tick(RETRO)
    world.tick(FIRST_QUADS)
    world.tick(GOALS)
    checkin = checkins_of(world, "U001")[0]
    assert "Which customer did you help &amp; how &lt;exactly&gt;?" in checkin
    assert "<exactly>" not in checkin
    for mine in ("What changed upstairs this week?", "What did I do that helped you?",
                 "Rotate one?"):
        assert mine in checkin
    quad = next(body(p) for p in world.checkin_posts() if "Quad question one?" in body(p))
    assert "Quad question two?" in quad
    retro = channel_posts(world, "Team retrospective")[0]
    assert "Retro question one?" in retro and "Retro question two?" in retro
    (goals,) = channel_posts(world, "Goal sharing")
    assert "Goal question one?" in goals
    for kind, text in (("weekly_feedback", checkin), ("quads", quad), ("retro", retro),
                       ("monthly_goals", goals)):
        shown = [p for p in every_default(kind) - {"What is next?",
                                                   "What did I do that helped you?"}
                 if p in text]
        assert shown == [], f"{kind} shows a default the team replaced: {shown}"


def test_rotating_prompts_take_turns_and_an_occurrence_keeps_its_own(world: World) -> None:
    """Kills: the rotating prompt chosen by anything but the pair's own round (always
    the first, or random), and a re-render (an update in place, after a restart) showing
    a different rotating prompt than the one posted."""
    setup_team(world)
    for n in range(4):
        world.tick(monday(n))
    shown = [next(r for r in ("Rotate one?", "Rotate two?", "Rotate three?") if r in text)
             for text in checkins_of(world, "U002")]
    assert shown == ["Rotate one?", "Rotate two?", "Rotate three?", "Rotate one?"]
    definition = registry.find("weekly_feedback")
    assert definition is not None
    with world.db.scope() as session:
        first = min((o for o in session.query(Occurrence).all()
                     if o.subject_id == "U002"), key=lambda o: o.scheduled_at)
        again = definition.render_occurrence(session, first, today=date(2026, 12, 15))
    assert again is not None and "Rotate one?" in json.dumps(again.blocks)


# -- first occurrences ----------------------------------------------------------------------


DEFAULTS_TEAM = re.sub(r"        prompts:.*?(?=\n      [a-z]|\Z)", "", TEAM, flags=re.S)


def test_the_first_checkin_of_each_pair_and_the_first_quad_cycle_read_as_a_first_time(
        world: World) -> None:
    """Kills: first-time wording keyed to anything but the pair's own first check-in (a
    newcomer joining later would be asked about "since we last spoke"), and quad cycle 1
    asking how last cycle went or to hold each other to what nobody has said yet."""
    assert "prompts" not in DEFAULTS_TEAM
    setup_team(world, DEFAULTS_TEAM)
    world.tick(monday(0))
    world.tick(monday(1))
    first, second = checkins_of(world, "U001")
    assert "Your first check-in together" in first
    assert "since we last spoke" not in first
    assert "What have you got done lately that you are glad about?" in first
    assert "since we last spoke" in second and "first check-in" not in second
    # A newcomer's first check-in is a first time too, whatever the others' round.
    world.load(DEFAULTS_TEAM.replace("U004]", "U004, U005]"), now="2026-12-01T00:00:00+00:00")
    world.tick(FIRST_QUADS)
    cycle_one = [body(p) for p in world.checkin_posts() if "Quad · cycle 1" in body(p)]
    assert cycle_one and all("meeting for the first time" in c for c in cycle_one)
    for text in cycle_one:
        assert "Hold each other to what you said" not in text
        assert "last cycle" not in text
    world.tick(monday(2))
    (newcomer,) = checkins_of(world, "U005")
    assert "Your first check-in together" in newcomer
    assert "since we last spoke" in checkins_of(world, "U001")[-1]
    world.tick(SECOND_QUADS)
    cycle_two = [body(p) for p in world.checkin_posts() if "Quad · cycle 2" in body(p)]
    assert cycle_two and all("since the last cycle" in c for c in cycle_two)


# -- the teams file ---------------------------------------------------------------------------


@pytest.fixture
def env(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setenv("DATABASE_URL", world.db.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SLACK_BOT_TOKEN", world.standin.bot_token)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", world.standin.signing_secret)
    monkeypatch.setenv("SLACK_API_URL", world.standin.api_url)
    return world


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_prompts_round_trip_through_export_and_import(
        env: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Kills: export dropping or reshaping prompts (a role's list flattened, rotating
    lost), and defaults written into the file (a re-import would then pin them)."""
    source = tmp_path / "teams.yaml"
    team = TEAM.replace('          manager: ["What changed upstairs this week?"]\n', "")
    assert team != TEAM  # a role left out: the manager keeps the defaults
    source.write_text(team)
    assert run(capsys, "import", str(source))[0] == 0
    code, written, _ = run(capsys, "export")
    assert code == 0
    assert "\n            - Rotate one?\n" in written  # one prompt a line
    wanted = yaml.safe_load(team)["teams"][0]["rituals"]
    got = yaml.safe_load(written)["teams"][0]["rituals"]
    assert {k: v["prompts"] for k, v in got.items()} == \
        {k: v["prompts"] for k, v in wanted.items()}
    again = tmp_path / "again.yaml"
    again.write_text(written)
    code, out, _ = run(capsys, "import", str(again))
    assert code == 0 and "updated team" not in out  # nothing changed
    assert run(capsys, "export")[1] == written
    # Prompts left out stay out: the defaults are tend's, not written into the file.
    source.write_text(DEFAULTS_TEAM)
    assert run(capsys, "import", str(source))[0] == 0
    assert "prompts" not in run(capsys, "export")[1]


BAD = TEAM.replace(
    '["Quad question one?", "Quad question two?"]',
    '["1", "2", "3", "4", "5", "6"]').replace(
    '["Goal question one?"]', "[]").replace(
    '"Retro question two?"', '"Ping <!here> now"').replace(
    '["What changed upstairs this week?"]', '["' + "x" * 301 + '"]').replace(
    '"Rotate two?"', '"Ask <@U002> about it"').replace(
    '["What did I do that helped you?"]', '["  "]')


def test_bad_prompts_are_refused_whole_with_their_line_numbers(
        env: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Kills: a prompt limit not enforced (too many, too long, empty, a mention or a
    broadcast), a problem reported without its line, and a partly applied file."""
    source = tmp_path / "teams.yaml"
    source.write_text(TEAM)
    assert run(capsys, "import", str(source))[0] == 0
    before = run(capsys, "export")[1]
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD)
    code, _, err = run(capsys, "import", str(bad))
    assert code == 2 and "rejected, nothing changed" in err
    problems = [line.strip() for line in err.splitlines() if line.strip().startswith("line ")]
    expected = {  # line in the file -> what its message says
        14: "at most 300 characters", 15: "must not be empty", 16: "mention",
        19: "give 1 to 5 prompts here, not 6", 22: "give 1 to 5 prompts here, not 0",
        25: "mention"}
    for line, says in expected.items():
        assert any(p.startswith(f"line {line}:") and says in p for p in problems), \
            (line, says, problems)
    assert len(problems) == len(expected)
    assert run(capsys, "export")[1] == before


# -- the setup modal -----------------------------------------------------------------------


RETRO_ON = {  # setup_values leaves the retro out
    "retro_on": {"value": {"type": "checkboxes", "selected_options": [{"value": "on"}]}},
    "retro_every": {"value": {"type": "static_select", "selected_option": {"value": "month"}}},
    "retro_day": {"value": {"type": "static_select", "selected_option": {"value": "last thu"}}},
    "retro_time": {"value": {"type": "timepicker", "selected_time": "15:00"}}}


def prompt_values(**blocks: str) -> dict[str, Any]:
    return {block: {"value": {"type": "plain_text_input", "value": text}}
            for block, text in blocks.items()}


def test_the_setup_modal_edits_prompts_and_refuses_a_bad_one_on_its_field(
        world: World) -> None:
    """Kills: the modal not pre-filled with the current prompts, a saved edit not reaching
    the next check-in, a role left at the defaults pinned into the file, and a bad prompt
    saved (or reported on another field, or without its line)."""
    setup_checkin_team(world)
    assert tend(world, "U0COACH", "setup") == ""
    modal = world.standin.opened_views()[-1]
    inputs = {b["block_id"]: b["element"] for b in modal["blocks"]
              if b.get("block_id", "").startswith("weekly_feedback_prompts")}
    assert set(inputs) == {f"weekly_feedback_prompts_{k}" for k in CHECKIN_PROMPTS.prompt_keys()}
    assert inputs["weekly_feedback_prompts_member"]["initial_value"] == \
        "\n".join(CHECKIN_PROMPTS.defaults["member"])
    assert all(e["multiline"] and e["max_length"] <= 3000 for e in inputs.values())
    before = exported(world)
    defaults = {f"weekly_feedback_prompts_{k}": "\n".join(CHECKIN_PROMPTS.default(k))
                for k in CHECKIN_PROMPTS.prompt_keys()}
    bad = {**setup_values(), **prompt_values(
        **{**defaults, "weekly_feedback_prompts_member": "Fine?\nTell <!channel> all"})}
    status, answer = world.submit_view(user="U0COACH", callback_id="setup_modal",
                                       values=bad, private_metadata="platform")
    assert status == 200 and answer["response_action"] == "errors"
    assert answer["errors"] == {"weekly_feedback_prompts_member": answer["errors"][
        "weekly_feedback_prompts_member"]}
    assert answer["errors"]["weekly_feedback_prompts_member"].startswith("Line 2:")
    assert exported(world) == before
    good = {**setup_values(), **prompt_values(
        **{**defaults, "weekly_feedback_prompts_member": "What did you ship?\n\nWhat next?",
           "weekly_feedback_prompts_rotating": ""})}
    status, answer = world.submit_view(user="U0COACH", callback_id="setup_modal",
                                       values=good, private_metadata="platform")
    assert status == 200 and answer == {}
    saved = yaml.safe_load(exported(world))["teams"][0]["rituals"]["weekly_feedback"]
    assert saved["prompts"] == {"member": ["What did you ship?", "What next?"],
                                "rotating": []}
    world.tick(monday(0))
    text = body(world.checkin_posts()[0])
    assert "What did you ship?" in text and "What next?" in text
    assert "To grow" not in text  # no rotating prompts: none added
    assert "What have you got done lately" not in text


def test_every_default_prompt_is_in_the_question_bank() -> None:
    """Kills: a default prompt changed in the code and not in docs/prompts.md, the
    question bank teams pick from."""
    bank = (DOCS / "prompts.md").read_text()
    missing = [p for ritual in registry.all_rituals() if ritual.prompts
               for p in every_default(ritual.kind) if p not in bank]
    assert missing == []


def test_rotating_prompts_too_long_for_one_box_are_kept_not_cut(world: World) -> None:
    """Kills: the modal pre-filling an input with more than Slack lets it hold (the view
    refused, the coach locked out of setup), or a save dropping prompts it did not show."""
    long = [f"{n:02d} " + "y" * 290 for n in range(12)]  # 12 x 293 characters: over 3000
    team = TEAM.replace('["Rotate one?", "Rotate two?", "Rotate three?"]', json.dumps(long))
    setup_team(world, team)
    assert tend(world, "U0COACH", "setup") == ""
    modal = world.standin.opened_views()[-1]
    ids = {b.get("block_id") for b in modal["blocks"]}
    assert "weekly_feedback_prompts_member" in ids
    assert "weekly_feedback_prompts_rotating" not in ids
    assert "too long to edit here" in json.dumps(modal)
    before = yaml.safe_load(exported(world))["teams"][0]["rituals"]["weekly_feedback"]
    values = {**setup_values(quads=("week", "thu", "15:00", True),
                             monthly_goals=("month", "1st mon", "09:30", True)),
              **RETRO_ON, **prompt_values(weekly_feedback_prompts_member="Only this?")}
    status, answer = world.submit_view(user="U0COACH", callback_id="setup_modal",
                                       values=values, private_metadata="platform")
    assert status == 200 and answer == {}
    after = yaml.safe_load(exported(world))["teams"][0]["rituals"]["weekly_feedback"]
    assert after["prompts"]["rotating"] == long == before["prompts"]["rotating"]
    assert after["prompts"]["member"] == ["Only this?"]


def test_hostile_prompt_boxes_get_a_field_error_not_a_5xx(world: World) -> None:
    """Kills: a box whose value is not text (a forged payload) or is huge reaching the
    validation unguarded (a 500), or being saved."""
    setup_checkin_team(world)
    before = exported(world)
    for value in ("x" * 100_000, ["not", "text"], None):
        values = {**setup_values(),
                  "weekly_feedback_prompts_member": {"value": {"type": "plain_text_input",
                                                               "value": value}}}
        status, answer = world.submit_view(user="U0COACH", callback_id="setup_modal",
                                           values=values, private_metadata="platform")
        assert status == 200 and answer["response_action"] == "errors"
        assert set(answer["errors"]) == {"weekly_feedback_prompts_member"}
    assert exported(world) == before
