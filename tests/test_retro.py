"""The team retrospective end to end: the session in the team channel, `agree:` lines,
secret keep / change / drop votes closed into team counts (P2, P8), the Home, the teams
file, export-user and forget-me. Signed HTTP into the app, the real WebClient against
the stand-in, SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from sqlalchemy import select

from bot.config.apply import apply_config, export_config
from bot.config.dump import dump_config
from bot.config.loader import ConfigError, load_config
from bot.rituals.retro.config import PROMPTS as RETRO_PROMPTS
from bot.rituals.retro.messages import Voted, render_result, render_session
from bot.storage.models import RetroVote, Ritual, TeamAgreement
from tests.goldens import assert_matches_golden
from tests.harness import World, at, wait_for
from tests.test_forgetting import confirm_forget_me
from tests.test_home import home, text_of
from tests.test_tend_command import tend

TEAM = """
teams:
  - key: platform
    name: Platform
    channel: C0PLATFORM
    timezone: Europe/Amsterdam
    managers: [U0MGR]
    coaches: [U0COACH]
    members: [U001, U002, U003, U004]
    rituals:
      monthly_goals:
        cadence: {every: month, day: 1st mon, time: "09:30"}
      retro:
        cadence: {every: month, day: last thu, time: "15:00"}
    digest:
      to: U0MGR
      cadence: {every: month, day: last fri, time: "16:00"}
      min_group: 3
"""
# The last Thursday of November 2026 is the 26th: 15:00 in Amsterdam (CET) is 14:00 UTC.
NOVEMBER = "2026-11-26T14:00:00+00:00"
A_WEEK_LATER = "2026-12-03T14:00:00+00:00"
DECEMBER = "2026-12-31T14:00:00+00:00"
PEOPLE = ("U0MGR", "U0COACH", "U001", "U002", "U003", "U004", "U0OUT")


def setup_team(world: World, team: str = TEAM) -> None:
    for user in PEOPLE:
        world.standin.add_user(user, tz="Europe/Amsterdam")
    world.standin.add_channel("C0PLATFORM", name="platform")
    world.load(team)


def top_level(world: World) -> list[Any]:
    return [m for m in world.standin.messages("C0PLATFORM") if not m.thread_ts]


def retro_post(world: World) -> Any:
    return next(m for m in reversed(top_level(world)) if "Team retrospective" in m.text)


def vote_buttons(message: Any) -> dict[str, list[str]]:
    """The ballot as posted: each vote block's buttons, by value."""
    found: dict[str, list[str]] = {}
    for block in message.blocks:
        if block["type"] == "actions" and block["block_id"].startswith("retro-vote-"):
            for element in block["elements"]:
                found.setdefault(element["value"], []).append(element["action_id"])
    return found


def ritual_ids(world: World) -> dict[str, int]:
    with world.db.scope() as session:
        return {r.kind: r.id for r in session.scalars(select(Ritual))}


def agreements(world: World) -> list[str]:
    with world.db.scope() as session:
        return list(session.scalars(select(TeamAgreement.text).order_by(TeamAgreement.id)))


def votes(world: World) -> list[tuple[str, int, str]]:
    with world.db.scope() as session:
        return sorted((v.user_id, v.ritual_id, v.choice)
                      for v in session.scalars(select(RetroVote)))


def click_vote(world: World, user: str, choice: str, ritual_id: int, post: Any) -> None:
    retro = _occurrence_of(world, post)
    assert world.click(user=user, action_id=f"retro_{choice}", value=f"{retro}:{ritual_id}",
                       channel=post.channel, message_ts=post.ts) == 200
    world.settle()


def _occurrence_of(world: World, post: Any) -> int:
    return next(o.id for o in world.occurrences() if o.message_ts == post.ts)


# -- the session -----------------------------------------------------------------------------
def test_the_retro_is_posted_once_in_the_team_channel_with_a_vote_per_ritual(
        world: World) -> None:
    """Kills: the session posted twice for one cadence (claim_session skipped), or at the
    wrong time; a ritual of the team missing from the ballot; counts shown while open."""
    setup_team(world)
    world.tick("2026-11-26T13:59:00+00:00")
    assert top_level(world) == []
    world.tick(NOVEMBER)
    world.tick(NOVEMBER)  # repeated: nothing twice
    world.tick("2026-11-26T14:05:00+00:00")
    (post,) = top_level(world)
    text = json.dumps(post.blocks)
    for question in ("What helped us work well?", "What got in our way?",
                     "One thing to try.", "agree: <a norm the team keeps>"):
        assert question in text
    ids = ritual_ids(world)
    retro = _occurrence_of(world, post)
    assert vote_buttons(post) == {
        f"{retro}:{ids[kind]}": ["retro_keep", "retro_change", "retro_drop"]
        for kind in ("monthly_goals", "retro", "digest")}
    assert "keep 0" not in text and "Voting closed" not in text
    assert len(post.blocks) <= 50


def test_the_retro_session_and_its_closed_state_read_as_pinned() -> None:
    """Kills: an unintended change of the session's or the result's wording or layout."""
    kwargs: dict[str, Any] = dict(
        team_name="Platform & Co", team_key="platform", month="November 2026",
        occurrence_id=7,
        agreements=["No meetings on Fridays", "Reviews within a day <always>"],
        rituals=[Voted(1, "Goal sharing"), Voted(2, "Retrospective"),
                 Voted(3, "Team digest")],
        closes_at=at(A_WEEK_LATER), timezone="Europe/Amsterdam", min_group=3,
        prompts=list(RETRO_PROMPTS.defaults[""]))
    assert_matches_golden("retro_session", json.dumps(
        render_session(**kwargs).as_dict(), indent=2, ensure_ascii=False) + "\n")
    assert_matches_golden("retro_session_closed", json.dumps(
        render_session(**kwargs, closed=True).as_dict(), indent=2, ensure_ascii=False) + "\n")
    result = render_result(team_name="Platform & Co", month="November 2026", results=[
        {"title": "Goal sharing", "counts": {"keep": 2, "change": 1, "drop": 0}},
        {"title": "Team digest", "counts": None}])
    assert_matches_golden("retro_result", json.dumps(
        result.as_dict(), indent=2, ensure_ascii=False) + "\n")


def test_many_long_agreements_stay_within_block_kit(world: World) -> None:
    """Kills: the agreements listed unclipped (a section over 3000 characters, no
    "…and N more")."""
    setup_team(world)
    world.load(TEAM + "    agreements:\n" + "".join(
        f"      - '{'&' * 250} number {n}'\n" for n in range(25)))
    world.tick(NOVEMBER)
    post = top_level(world)[0]
    assert "…and 15 more" in json.dumps(post.blocks, ensure_ascii=False)
    world.assert_everything_sent_is_valid_block_kit()


# -- agree: lines ------------------------------------------------------------------------------
def test_agree_lines_are_recorded_with_a_pushpin_and_follow_edits_and_deletions(
        world: World) -> None:
    """Kills: the retro without reply_lines (no agreement recorded, no 📌); an edit not
    changing the agreement; a deletion leaving it; a bad line recording something."""
    setup_team(world)
    world.tick(NOVEMBER)
    post = retro_post(world)
    _, ts = world.reply(channel=post.channel, user="U002", thread_ts=post.ts,
                        text="agree: no meetings on Fridays")
    world.settle()
    assert agreements(world) == ["no meetings on Fridays"]
    reaction = world.standin.calls_to("reactions.add")[-1].params
    assert (reaction["timestamp"], reaction["name"]) == (ts, "pushpin")
    world.standin.deliver_event(world.url, world.standin.message_changed_event(
        post.channel, ts, "agree: no meetings on Fridays, ever", "U002", thread_ts=post.ts))
    assert agreements(world) == ["no meetings on Fridays, ever"]
    world.standin.deliver_event(world.url, world.standin.message_deleted_event(
        post.channel, ts, thread_ts=post.ts))
    assert agreements(world) == []

    world.reply(channel=post.channel, user="U003", thread_ts=post.ts, text="agree:   ")
    world.settle()
    assert "Say what the team agrees" in world.standin.ephemerals("U003")[-1].text
    world.reply(channel=post.channel, user="U003", thread_ts=post.ts,
                text="agree: " + "x" * 301)
    world.settle()
    assert "300 characters" in world.standin.ephemerals("U003")[-1].text
    world.reply(channel=post.channel, user="U0OUT", thread_ts=post.ts,
                text="agree: outsiders decide")
    world.settle()
    assert agreements(world) == []


def test_agreements_appear_atop_the_next_retro_and_on_the_home_unattributed(
        world: World) -> None:
    """Kills: the next session without the team's agreements; the Home of a member or
    a manager without them; an agreement shown with its author."""
    setup_team(world)
    world.tick(NOVEMBER)
    post = retro_post(world)
    world.reply(channel=post.channel, user="U002", thread_ts=post.ts,
                text="agree: reviews within one working day")
    world.settle()
    world.tick(DECEMBER)
    december = retro_post(world)
    assert december.ts != post.ts
    top = json.dumps(december.blocks[:3])
    assert "reviews within one working day" in top and "U002" not in top
    for user in ("U001", "U0MGR"):
        view = home(world, user)
        assert view is not None
        text = text_of(view)
        assert "Working agreements · Platform" in text
        assert "reviews within one working day" in text and "U002" not in text


# -- votes ---------------------------------------------------------------------------------------
def test_votes_count_once_per_member_and_show_only_as_team_counts_after_close(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    """Kills: a double click or a change of mind counted twice (no upsert); an outsider's
    vote recorded; counts shown while open; counts shown below min_group (P2); the
    session keeping its buttons after close; a vote accepted after close; a voter's
    id logged with their choice; the tick not planning the retro when its vote closes,
    seven days after the session and weeks before its next one (`due_besides`)."""
    caplog.set_level(logging.INFO)
    setup_team(world)
    world.tick(NOVEMBER)
    post = retro_post(world)
    ids = ritual_ids(world)
    goals, digest = ids["monthly_goals"], ids["digest"]
    for user, choice in (("U001", "keep"), ("U002", "keep"), ("U003", "drop")):
        click_vote(world, user, choice, goals, post)
    click_vote(world, "U001", "keep", goals, post)  # a double click
    click_vote(world, "U003", "change", goals, post)  # a change of mind
    click_vote(world, "U0MGR", "keep", digest, post)
    click_vote(world, "U002", "drop", digest, post)
    assert "secret" in world.standin.ephemerals("U002")[-1].text
    click_vote(world, "U0OUT", "drop", goals, post)  # not in the team
    assert "Only the team's members and managers" in world.standin.ephemerals("U0OUT")[-1].text
    assert votes(world) == sorted([("U001", goals, "keep"), ("U002", goals, "keep"),
                                   ("U003", goals, "change"), ("U0MGR", digest, "keep"),
                                   ("U002", digest, "drop")])
    # While open: the session is as posted, and the coach sees only when it closes.
    assert vote_buttons(retro_post(world)) == vote_buttons(post)
    coach = text_of(home(world, "U0COACH") or {})
    assert "open until Thu 3 Dec, 15:00" in coach and "keep 2" not in coach

    world.tick("2026-12-03T13:59:00+00:00")
    assert len(top_level(world)) == 1  # not closed before its week is out
    world.tick(A_WEEK_LATER)
    world.tick(A_WEEK_LATER)  # repeated: closed once
    closed = next(m for m in world.standin.messages("C0PLATFORM") if m.ts == post.ts)
    assert vote_buttons(closed) == {} and "Voting closed" in json.dumps(closed.blocks)
    results = [m for m in top_level(world) if "Retrospective result" in json.dumps(m.blocks)]
    assert len(results) == 1
    shown = json.dumps(results[0].blocks, ensure_ascii=False)
    assert "*Goal sharing*: keep 2 · change 1 · drop 0" in shown
    assert "*Digest*: Not shown: too few people voted" in shown
    assert "*Retrospective*: Not shown" in shown
    for user in ("U001", "U002", "U003", "U0MGR"):
        assert user not in shown

    click_vote(world, "U004", "drop", goals, post)
    assert "has closed" in world.standin.ephemerals("U004")[-1].text
    assert ("U004", goals, "drop") not in votes(world)
    coach = text_of(home(world, "U0COACH") or {})
    assert "keep 2 · change 1 · drop 0" in coach and "open until" not in coach
    for record in caplog.records:
        message = record.getMessage()
        assert not any(user in message for user in ("U001", "U002", "U003", "U0MGR")) \
            or not any(c in message for c in ("keep", "change", "drop")), message


def test_a_retro_closes_at_the_next_one_when_that_comes_first(world: World) -> None:
    """Kills: closing only after 7 days (a session moved earlier by a new cadence would
    leave the last one open beside it)."""
    setup_team(world)
    world.tick(NOVEMBER)
    first = retro_post(world)
    # The coach moves the retro to Mondays: the next one is 4 days after this one.
    world.load(TEAM.replace("{every: month, day: last thu", "{every: week, day: mon"),
               now="2026-11-27T09:00:00+00:00")
    world.tick("2026-11-30T13:59:00+00:00")
    assert vote_buttons(next(m for m in world.standin.messages("C0PLATFORM")
                             if m.ts == first.ts)) != {}
    world.tick("2026-11-30T14:00:00+00:00")
    closed = next(m for m in world.standin.messages("C0PLATFORM") if m.ts == first.ts)
    assert vote_buttons(closed) == {}
    assert retro_post(world).ts != first.ts and vote_buttons(retro_post(world)) != {}


def test_a_forged_vote_value_or_another_occurrence_records_nothing(world: World) -> None:
    """Kills: a vote on a goal session's occurrence, or on a ritual not on the ballot,
    being recorded; hostile values reaching a 5xx."""
    setup_team(world)
    world.tick(NOVEMBER)
    post = retro_post(world)
    ids = ritual_ids(world)
    retro = _occurrence_of(world, post)
    for value in ("", "x:y", f"{retro}", f"{retro}:999", f"{retro}:99999999999", "-1:2",
                  f"{retro}:{ids['retro']}:1", f" {retro}:{ids['retro']}"):
        assert world.click(user="U001", action_id="retro_keep", value=value,
                           channel=post.channel, message_ts=post.ts) == 200
    world.tick("2026-12-07T08:30:00+00:00")  # the goal session
    goal_session = next(o for o in world.occurrences()
                        if o.ritual_id == ids["monthly_goals"])
    assert world.click(user="U001", action_id="retro_keep",
                       value=f"{goal_session.id}:{ids['digest']}", channel=post.channel,
                       message_ts=post.ts) == 200
    world.settle()
    assert votes(world) == []


# -- Home, setup, help ------------------------------------------------------------------------
def test_the_retro_is_in_the_setup_modal_help_and_home(world: World) -> None:
    """Kills: the retro missing from the setup modal, `/tend help` without `agree:`, or
    the member's Home without its next run."""
    setup_team(world)
    assert tend(world, "U0COACH", "setup") == ""
    modal = json.dumps(world.standin.opened_views()[-1]["blocks"])
    assert "Team retrospective" in modal and "retro_on" in modal
    assert "agree: <a norm the team keeps>" in tend(world, "U001", "help")
    view = home(world, "U001")
    assert view is not None and "*Retrospective* in <#C0PLATFORM>" in text_of(view)
    coach = text_of(home(world, "U0COACH") or {})
    assert "Retrospective" in coach


# -- the teams file ---------------------------------------------------------------------------
def exported(world: World) -> str:
    with world.db.scope() as session:
        return dump_config(export_config(session, world.workspace_id))


def test_agreements_round_trip_through_export_and_import(world: World) -> None:
    """Kills: agreements left out of `tend export`, or not read back by `tend import`;
    an absent key wiping agreements written in Slack; a bad file changing anything."""
    setup_team(world)
    world.tick(NOVEMBER)
    post = retro_post(world)
    world.reply(channel=post.channel, user="U002", thread_ts=post.ts,
                text="agree: reviews within one working day")
    world.settle()
    text = exported(world)
    assert "agreements:\n      - reviews within one working day" in text
    assert "U002" not in text.split("agreements:")[1]
    world.load(text)
    assert exported(world) == text  # the round trip is exact
    world.load(TEAM)  # no `agreements:` key: left as they are
    assert agreements(world) == ["reviews within one working day"]
    edited = text.replace("      - reviews within one working day\n",
                          "      - reviews within one working day\n"
                          "      - 'demo on Fridays: #1 priority'\n")
    world.load(edited)
    assert agreements(world) == ["reviews within one working day",
                                 "demo on Fridays: #1 priority"]
    assert exported(world) == edited
    with pytest.raises(ConfigError) as caught:
        load_config(edited.replace("'demo on Fridays: #1 priority'", "'" + "y" * 301 + "'")
                    .replace("      - reviews within one working day\n", "      - ''\n"))
    errors = caught.value.errors
    assert len(errors) == 2 and all("agreements" in e for e in errors)
    assert any("300 characters" in e for e in errors)
    assert agreements(world) == ["reviews within one working day",
                                 "demo on Fridays: #1 priority"]
    world.load(edited.replace("    agreements:\n      - reviews within one working day\n"
                              "      - 'demo on Fridays: #1 priority'\n",
                              "    agreements: []\n"))
    assert agreements(world) == [] and "agreements" not in exported(world)
    with world.db.scope() as session:  # apply_config itself: idempotent
        assert not apply_config(session, load_config(exported(world)),
                                workspace_id=world.workspace_id,
                                now=at(DECEMBER)).teams_updated


# -- a person's data ---------------------------------------------------------------------------
def test_my_data_lists_own_votes_and_forget_me_removes_them_not_agreements(
        world: World) -> None:
    """Kills: export-user without the person's votes (or with someone else's); forget-me
    leaving the votes, or deleting the team's agreements."""
    setup_team(world)
    world.tick(NOVEMBER)
    post = retro_post(world)
    ids = ritual_ids(world)
    click_vote(world, "U001", "change", ids["digest"], post)
    click_vote(world, "U002", "drop", ids["digest"], post)
    world.reply(channel=post.channel, user="U001", thread_ts=post.ts,
                text="agree: demos are short")
    world.settle()
    world.standin.deliver_command(world.url, command="/tend", text="my-data", user_id="U001")
    wait_for(lambda: world.standin.files())
    data = json.loads(world.standin.files()[-1].data)
    own = [v for part in _sections(data, "retro_votes") for v in part]
    assert [(v["ritual"], v["choice"]) for v in own] == [(ids["digest"], "change")]
    answer = confirm_forget_me(world, "U001")
    assert "1 retro votes" in answer
    assert votes(world) == [("U002", ids["digest"], "drop")]
    assert agreements(world) == ["demos are short"]


def _sections(data: Any, key: str) -> list[Any]:
    """Every value stored under `key`, wherever it is nested."""
    found: list[Any] = []
    if isinstance(data, dict):
        for k, v in data.items():
            found += [v] if k == key else _sections(v, key)
    elif isinstance(data, list):
        for v in data:
            found += _sections(v, key)
    return found
