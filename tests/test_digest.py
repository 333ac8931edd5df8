"""Team digests end to end: built from real history, posted once, read by managers only."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.storage.models import Digest
from tests.harness import World

MEMBERS = ["U001", "U002", "U003", "U004", "U005"]
TEAM = f"""
teams:
  - key: platform
    name: Platform
    channel: C0PLATFORM
    timezone: Europe/Amsterdam
    managers: [U0MGR]
    coaches: [U0COACH]
    members: [{", ".join(MEMBERS)}]
    rituals:
      weekly_feedback:
        cadence: {{every: week, day: mon, time: "10:00"}}
    digest:
      to: U0MGR
      cadence: {{every: month, day: last fri, time: "16:00"}}
      min_group: 3
"""
MONDAYS = ["2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"]
# The last Friday of November 2026 is the 27th: 16:00 in Amsterdam is 15:00 UTC.
DIGEST_TIME = "2026-11-27T15:00:00+00:00"


def setup_team(world: World, team: str = TEAM) -> None:
    for user in ["U0MGR", "U0COACH", "U0OTHER", *MEMBERS]:
        world.standin.add_user(user, tz="Europe/Amsterdam")
    world.load(team, now="2026-10-01T00:00:00+00:00")


def hold_checkins(world: World, members: list[str], mondays: list[str] = MONDAYS) -> None:
    """Both sides answer each check-in; each member commits and closes last week's."""
    for monday in mondays:
        world.tick(f"{monday}T09:00:00+00:00")
        # The latest check-in of each pair (dicts keep the last one written).
        posts = {frozenset(world.standin.conversation_members(p.channel)): p
                 for p in world.checkin_posts()}
        for member in members:
            post = posts[frozenset({"U0MGR", member})]
            world.reply(channel=post.channel, user=member, thread_ts=post.ts,
                        text=f"Shipped things for {monday}. commit: next step by fri")
            world.reply(channel=post.channel, user="U0MGR", thread_ts=post.ts,
                        text="Went well: the demo.")


def digest_posts(world: World) -> list:  # type: ignore[type-arg]
    return [m for m in world.standin.messages()
            if m.channel.startswith("D") and "Team digest" in m.text]


def test_the_digest_shows_team_totals_only_and_its_chart_goes_in_the_thread(
        world: World) -> None:
    setup_team(world)
    hold_checkins(world, MEMBERS)
    world.tick(DIGEST_TIME)
    (post,) = digest_posts(world)
    assert world.standin.conversation_members(post.channel) == {"U0MGR"}
    body = json.dumps(post.blocks)
    assert "held their weekly check-in" in body.lower() and "all or nearly all of the team" in body
    for member in MEMBERS:  # no member appears anywhere in what was sent
        assert member not in body and member not in post.text
    assert world.standin.files() == []  # a first digest has no trend to chart
    world.tick(DIGEST_TIME)  # a repeated tick posts nothing more
    assert len(digest_posts(world)) == 1
    # December: the second digest carries the trend, as a chart in its thread.
    hold_checkins(world, MEMBERS, ["2026-11-30", "2026-12-07", "2026-12-14", "2026-12-21"])
    world.tick("2026-12-25T15:00:00+00:00")
    december = digest_posts(world)[-1]
    (chart,) = world.standin.files()
    assert chart.thread_ts == december.ts and chart.channel == december.channel
    assert "held their weekly check-in" in chart.alt_txt
    assert "Trend" in json.dumps(december.blocks)


def test_a_team_below_min_group_gets_a_plain_sentence_not_figures(world: World) -> None:
    setup_team(world)
    hold_checkins(world, MEMBERS[:2])
    world.tick(DIGEST_TIME)
    (post,) = digest_posts(world)
    body = json.dumps(post.blocks)
    assert "too few people took part" in body
    assert "held their weekly check-in" not in body.lower()


def test_shared_replies_appear_unnamed_unless_their_author_chose_a_name(world: World) -> None:
    setup_team(world)
    hold_checkins(world, MEMBERS, MONDAYS[:1])
    post = world.checkin_posts()[0]
    member = next(iter(world.standin.conversation_members(post.channel) - {"U0MGR"}))
    _, ts = world.reply(channel=post.channel, user=member, thread_ts=post.ts,
                        text="We cut deploy time in half")
    _, ask_ts = world.reply(channel=post.channel, user=member, thread_ts=post.ts,
                            text="We need a second reviewer")
    for reply_ts, kind, named in ((ts, "highlight", False), (ask_ts, "ask", True)):
        share(world, member, post.channel, reply_ts)
        values = {"share_kind": {"value": {"type": "radio_buttons",
                                           "selected_option": {"value": kind}}},
                  "share_named": {"value": {"type": "checkboxes", "selected_options":
                                            [{"value": "named"}] if named else []}}}
        assert world.submit_view(user=member, callback_id="share_modal", values=values,
                                 private_metadata=world.standin.opened_views()[-1][
                                     "private_metadata"])[1] == {}
    # Someone else's reply cannot be shared, not even by the manager in the same thread.
    share(world, "U0MGR", post.channel, ts)
    assert "Only your own replies" in world.standin.responses()[-1]["text"]  # response_url
    hold_checkins(world, MEMBERS, MONDAYS[1:])
    world.tick(DIGEST_TIME)
    body = json.dumps(digest_posts(world)[0].blocks)
    assert "We cut deploy time in half" in body and "We need a second reviewer" in body
    assert body.count(f"<@{member}>") == 1  # named on the ask only


def share(world: World, user: str, channel: str, ts: str) -> None:
    assert world.message_shortcut(user=user, callback_id="share_in_digest", channel=channel,
                                  ts=ts, author=user) == 200


def test_tend_digest_cli_dry_run_prints_and_posts_nothing(
        world: World, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", world.db.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SLACK_BOT_TOKEN", world.standin.bot_token)
    monkeypatch.setenv("SLACK_API_URL", world.standin.api_url)
    setup_team(world)
    hold_checkins(world, MEMBERS)
    assert main(["digest", "platform", "--period", "2026-11", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Team digest · Platform · November 2026" in out
    assert "all or nearly all of the team" in out
    assert digest_posts(world) == []
    assert main(["digest", "platform", "--period", "2026-11"]) == 0
    assert "1 sent" in capsys.readouterr().out
    assert main(["digest", "platform", "--period", "2026-11"]) == 0
    assert "already posted" in capsys.readouterr().out
    assert len(digest_posts(world)) == 1
    assert main(["digest", "nope", "--dry-run"]) == 2
    assert main(["digest", "platform", "--period", "Nov", "--dry-run"]) == 2


def test_slash_tend_digest_is_for_the_team_s_members_and_managers_only(world: World) -> None:
    """A member and a manager read their team's latest digest; a coach and someone on no
    team are refused. Catches the digest shown to anyone (mutation: `own_teams` over
    every role: the coach reads it) or kept from members (mutation: "member" left out
    of `own_teams`: U001 refused)."""
    setup_team(world)
    hold_checkins(world, MEMBERS)
    world.tick(DIGEST_TIME)
    for user, expected in (("U0MGR", "Team digest"), ("U001", "Team digest"),
                           ("U0COACH", "Only a team's members and managers"),
                           ("U0OTHER", "Only a team's members and managers")):
        status, body = world.standin.deliver_command(world.url, command="/tend",
                                                     text="digest", user_id=user)
        assert status == 200
        assert expected in body, (user, body)
    # Help is by role: members and managers are told about /tend digest, a coach is not.
    for user, told in (("U0MGR", True), ("U001", True), ("U0COACH", False)):
        _status, body = world.standin.deliver_command(world.url, command="/tend",
                                                      text="help", user_id=user)
        assert ("/tend digest" in body) is told, (user, body)
    with world.db.scope() as session:
        assert len(session.scalars(select(Digest)).all()) == 1


def test_each_ritual_counts_its_own_figures_in_registry_order(world: World) -> None:
    """The digest asks every registered ritual for its figures (no kind named outside
    the ritual): a check-in's, then the commitments every ritual with a commitment policy
    keeps (counted once, after the first such ritual's), then goals', then quads'.
    Kills: a ritual's digest_measures left out, the commitments counted per ritual or
    placed elsewhere (the figures would move in the message and the chart)."""
    from datetime import UTC, datetime

    from bot.rituals import registry
    from bot.rituals.digest.measures import period_input
    from bot.storage.models import Team

    setup_team(world, TEAM.replace("    digest:", """      monthly_goals:
        cadence: {every: month, day: 4th mon, time: "10:00"}
      quads:
        cadence: {every: week, day: mon, time: "10:00"}
    digest:"""))
    hold_checkins(world, MEMBERS)
    with world.db.scope() as session:
        team = session.scalars(select(Team)).one()
        counted = period_input(session, team, registry.all_rituals(), period="2026-11",
                               start=datetime(2026, 11, 1, tzinfo=UTC),
                               end=datetime(2026, 11, 28, tzinfo=UTC))
    figures = {m.key: m.value for m in counted.measures}
    assert list(figures) == [
        "checkins_held", "commitments_made", "commitments_kept", "commitments_carried",
        "commitments_dropped", "goals_shared", "goals_done", "goals_partly",
        "goals_not_done", "goals_carried", "quad_cycles_held", "quad_commitments_kept"]
    assert figures["checkins_held"] == 5  # a people-figure: the members who held one
