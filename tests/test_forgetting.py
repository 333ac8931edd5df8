"""Forget-me and retention really forget (P6), in one workspace only, without opening a
gap that shows one person's change by difference (P4), and export-user holds it all.

Each test names, in its docstring, the mutation of the code it was checked against.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.domain.team_rituals import TEAM_SUBJECT
from bot.rituals.digest.policy import (
    DIFFERENCE,
    NOTE_DIFFERENCE,
    GuardMark,
    Measure,
    PeriodInput,
    ShownBefore,
    decide,
)
from bot.storage.db import Database
from bot.storage.models import (
    Commitment,
    Conversation,
    ConversationToOpen,
    Digest,
    Goal,
    Occurrence,
    OutboxMessage,
    Person,
    Reply,
    Ritual,
    SharedReply,
    Team,
)
from tests.harness import FakeClock, World, wait_for
from tests.test_digest import (
    DIGEST_TIME,
    MEMBERS,
    MONDAYS,
    digest_posts,
    hold_checkins,
    setup_team,
)
from tests.test_digest_limits import share_as
from tests.test_monthly_goals import slots, submit_goals
from tests.test_workspaces import install

A, B = "T0ALPHA", "T0BRAVO"
SAME = "W0SAME"  # one user id, a member in both workspaces (Grid, or a guest)
DECEMBER_MONDAYS = ["2026-11-30", "2026-12-07", "2026-12-14", "2026-12-21"]
DECEMBER_DIGEST = "2026-12-25T15:00:00+00:00"


def confirm_forget_me(world: World, user: str) -> str:
    """`/tend forget-me`, then the confirmation click; returns the private answer."""
    status, body = world.standin.deliver_command(world.url, command="/tend",
                                                 text="forget-me", user_id=user)
    assert status == 200 and "forget_me_confirm" in body
    payload = world.standin.block_actions_payload(user, "forget_me_confirm", "confirm",
                                                  "C0GENERAL", None)
    assert world.standin.deliver_action(world.url, payload)[0] == 200
    world.settle()  # the answer goes through the response_url after the ack
    return json.dumps(world.standin.responses())


# -- one workspace only ----------------------------------------------------------------------
def two_workspace_team(name: str, members: list[str]) -> str:
    return f"""
teams:
  - key: platform
    name: {name}
    channel: C0{name.upper()}
    timezone: Europe/Amsterdam
    managers: [U0{name[0]}MGR]
    coaches: [U0{name[0]}COACH]
    members: [{", ".join(members)}]
    rituals:
      weekly_feedback:
        cadence: {{every: week, day: mon, time: "10:00"}}
      monthly_goals:
        cadence: {{every: month, day: 4th mon, time: "09:30"}}
"""


@pytest.fixture
def multi(db: Database, standin, clock: FakeClock) -> Iterator[World]:  # type: ignore[no-untyped-def]
    with World(db=db, standin=standin, clock=clock, oauth=True) as world:
        yield world


def leave_traces(world: World, workspace: str) -> None:
    """SAME answers and commits in their check-in, shares that answer, shares a goal, and
    sets their away date and reminders, all in `workspace`."""
    with world.standin.from_workspace(workspace), world.db.scope() as session:
        checkin = session.scalars(select(Occurrence).where(
            Occurrence.subject_id == SAME, Occurrence.status == "sent",
            Occurrence.counterpart_id.is_not(None))).all()
        (checkin,) = [o for o in checkin if o.ritual.team.workspace_id == workspace]
        goals = [o for o in session.scalars(select(Occurrence).where(
            Occurrence.subject_id == TEAM_SUBJECT))
            if o.ritual.team.workspace_id == workspace and o.ritual.kind == "monthly_goals"]
        channel, thread, session_id = checkin.channel_id, checkin.message_ts, goals[0].id
    with world.standin.from_workspace(workspace):
        _, ts = world.reply(channel=str(channel), user=SAME, thread_ts=str(thread),
                            text=f"commit: the {workspace} guide by fri")
        share_as(world, SAME, str(channel), ts, named=True)
        assert submit_goals(world, SAME, session_id, slots(
            (f"Goal in {workspace}", "we will see", "2026-12-18"))) == {}
        for setting in ("away 2026-12-24", "reminders off"):
            world.standin.deliver_command(world.url, command="/tend", text=setting,
                                          user_id=SAME)


def traces(world: World, workspace: str) -> dict[str, int | str | None]:
    """What is stored of SAME in `workspace`."""
    with world.db.scope() as session:
        ritual_ws = {r.id: r.team.workspace_id for r in session.scalars(select(Ritual))}
        team_ws = {t.id: t.workspace_id for t in session.scalars(select(Team))}
        occurrence_ws = {o.id: ritual_ws[o.ritual_id]
                         for o in session.scalars(select(Occurrence))}
        person = session.get_one(Person, (workspace, SAME))
        return {
            "answers": sum(occurrence_ws[r.occurrence_id] == workspace for r in
                           session.scalars(select(Reply).where(Reply.user_id == SAME))),
            "commitments": sum(ritual_ws[c.ritual_id] == workspace for c in session.scalars(
                select(Commitment).where(Commitment.owner_id == SAME))),
            "goals": sum(ritual_ws[g.ritual_id] == workspace for g in session.scalars(
                select(Goal).where(Goal.owner_id == SAME))),
            "shared": sum(team_ws[s.team_id] == workspace for s in session.scalars(
                select(SharedReply).where(SharedReply.author_id == SAME))),
            "away": str(person.away_until), "reminders_off": person.reminders_off,
            # conversations cached, and to open ahead, whose users name them (P6)
            "conversations": sum(SAME in c.users_key.split(",") for c in session.scalars(
                select(Conversation).where(Conversation.workspace_id == workspace))),
            "to_open": sum(SAME in c.users_key.split(",") for c in session.scalars(
                select(ConversationToOpen).where(ConversationToOpen.workspace_id == workspace))),
        }


def a_new_line_manager(world: World, workspace: str, name: str, others: list[str]) -> None:
    """SAME gets a second manager of `workspace` as line manager: their new pair's group
    DM is marked to be opened ahead (a `conversation_to_open` row naming them)."""
    world.workspace_id = workspace
    manager, new = f"U0{name[0]}MGR", f"U0{name[0]}MGR2"
    world.load(two_workspace_team(name, [SAME, *others])
               .replace(f"managers: [{manager}]", f"managers: [{manager}, {new}]")
               .replace(f"members: [{SAME},", f"members: [{{id: {SAME}, manager: {new}}},"),
               now="2026-11-23T12:00:00+00:00")


def test_forget_me_deletes_that_person_s_rows_in_their_own_workspace_only(
        multi: World) -> None:
    """Kills: forget-me without deleting goals; deleting the same user id's commitments
    in every workspace (the `ritual_id in workspace` bound removed); without deleting
    shared highlights (the answer then counts 0 shared; the rows go with their replies
    by cascade); without resetting the away date and reminders; without deleting the
    cached conversation ids and the conversations to open ahead that name them (P6:
    `forget_conversations_with` left out of `delete_person_rows`), or deleting those of
    every workspace (its `workspace_id` bound removed)."""
    for user in [SAME, "U0AMGR", "U0ACOACH", "U0A1", "U0A2",
                 "U0BMGR", "U0BCOACH", "U0B1", "U0B2"]:
        multi.standin.add_user(user, tz="Europe/Amsterdam")
    for workspace, name, others in ((A, "Alpha", ["U0A1", "U0A2"]),
                                    (B, "Bravo", ["U0B1", "U0B2"])):
        assert install(multi, workspace)[0] == 200
        multi.workspace_id = workspace
        multi.standin.add_channel(f"C0{name.upper()}", name=name.lower())
        multi.load(two_workspace_team(name, [SAME, *others]))
    multi.tick("2026-11-23T09:00:30+00:00")  # check-ins and goal sessions in both
    for workspace in (A, B):
        leave_traces(multi, workspace)
    a_new_line_manager(multi, A, "Alpha", ["U0A1", "U0A2"])
    a_new_line_manager(multi, B, "Bravo", ["U0B1", "U0B2"])
    everything = {"answers": 1, "commitments": 1, "goals": 1, "shared": 1,
                  "away": "2026-12-24", "reminders_off": True, "conversations": 1,
                  "to_open": 1}
    assert traces(multi, A) == traces(multi, B) == everything
    with multi.standin.from_workspace(A):
        note = confirm_forget_me(multi, SAME)
    assert ("deleted 1 answers, 1 commitments, 1 goals, 0 retro votes and 1 shared "
            "highlights") in note
    assert traces(multi, A) == {"answers": 0, "commitments": 0, "goals": 0, "shared": 0,
                                "away": "None", "reminders_off": False,
                                "conversations": 0, "to_open": 0}
    assert traces(multi, B) == everything  # the same user id in Bravo keeps it all


# -- no gap by difference (P4) ---------------------------------------------------------------
def u005_replies(world: World) -> list[tuple[str, str, str]]:
    with world.db.scope() as session:
        return [(r.channel_id, r.ts, str(session.get_one(Occurrence, r.occurrence_id)
                                         .message_ts))
                for r in session.scalars(select(Reply).where(Reply.user_id == "U005"))]


def forget_me(world: World) -> None:
    confirm_forget_me(world, "U005")


def delete_own_replies(world: World) -> None:
    for channel, ts, thread in u005_replies(world):
        world.standin.deliver_event(world.url, world.standin.message_deleted_event(
            channel, ts, thread_ts=thread))


@pytest.mark.parametrize("removal", [forget_me, delete_own_replies])
def test_a_person_s_removal_does_not_show_by_difference_in_the_next_digest(
        world: World, removal) -> None:  # type: ignore[no-untyped-def]
    """Kills: comparing the next digest with a recount of the previous period (the old
    guard: the recount no longer holds what U005 removed, so 20 check-ins of 5 people
    in November next to 16 of 4 in December showed U005's part); and a guard mark
    that stores no head count."""
    setup_team(world)
    hold_checkins(world, MEMBERS)  # November: five members, four weeks
    world.tick(DIGEST_TIME)
    november = json.dumps(digest_posts(world)[0].blocks)
    assert ("Members who held their weekly check-in (both sides answered): "
            "*all or nearly all of the team*") in november
    removal(world)
    assert u005_replies(world) == []
    hold_checkins(world, MEMBERS[:4], DECEMBER_MONDAYS)  # U005 is gone in December
    world.tick(DECEMBER_DIGEST)
    december = json.dumps(digest_posts(world)[-1].blocks)
    assert NOTE_DIFFERENCE in december
    assert "held their weekly check-in" not in december


def test_the_guard_stores_head_counts_and_totals_never_ids(world: World) -> None:
    """Kills: a stored guard that keeps contributor ids (P1) or no marks at all."""
    setup_team(world)
    hold_checkins(world, MEMBERS)
    world.tick(DIGEST_TIME)
    with world.db.scope() as session:
        stored = session.scalars(select(Digest)).one().view
    assert stored["guard"]["checkins_held"] == [5, 5]
    assert not any(member in json.dumps(stored) for member in MEMBERS)


def test_a_figure_held_back_is_later_compared_with_the_digest_that_showed_it(
        world: World) -> None:
    """Kills: storing marks for shown figures only, without carrying the last shown
    mark through a digest that held the figure back (then A and C compare)."""
    setup_team(world)
    hold_checkins(world, MEMBERS)  # November: shown, five people
    world.tick(DIGEST_TIME)
    hold_checkins(world, MEMBERS[:2], DECEMBER_MONDAYS)  # December: too few, not shown
    world.tick(DECEMBER_DIGEST)
    january = ["2026-12-28", "2027-01-04", "2027-01-11", "2027-01-18"]
    hold_checkins(world, MEMBERS[:4], january)  # January: four, one fewer than November
    world.tick("2027-01-29T15:00:00+00:00")
    assert "held their weekly check-in" not in json.dumps(digest_posts(world)[-1].blocks)
    with world.db.scope() as session:
        stored = {d.period: d.view["guard"] for d in session.scalars(select(Digest))}
    assert stored["2026-12"]["checkins_held"] == [5, 5]  # carried from November


# -- stored and posted digests ---------------------------------------------------------------
def test_forget_me_takes_their_shared_words_out_of_stored_and_posted_digests(
        world: World) -> None:
    """Kills: forget-me without redacting stored digests (`/tend digest` and the stored
    view still quote U001 by name); without re-rendering the outbox copy; without
    editing the posted message (`edit_posted`); and matching only named items (the
    unnamed ask stays)."""
    setup_team(world)
    hold_checkins(world, MEMBERS, MONDAYS[:1])
    posts = {frozenset(world.standin.conversation_members(p.channel)): p
             for p in world.checkin_posts()}
    for user, text, kind, named in (("U001", "U001 named highlight", "highlight", True),
                                    ("U001", "U001 unnamed ask", "ask", False),
                                    ("U002", "U002 stays", "highlight", False)):
        post = posts[frozenset({"U0MGR", user})]
        _, ts = world.reply(channel=post.channel, user=user, thread_ts=post.ts, text=text)
        share_as(world, user, post.channel, ts, kind=kind, named=named)
    hold_checkins(world, MEMBERS, MONDAYS[1:])
    world.tick(DIGEST_TIME)
    (posted,) = digest_posts(world)
    assert "U001 named highlight" in json.dumps(posted.blocks) and "<@U001>" in json.dumps(
        posted.blocks)
    confirm_forget_me(world, "U001")
    posted_now = json.dumps(world.standin.messages(posted.channel)[0].blocks)
    with world.db.scope() as session:
        stored = json.dumps(session.scalars(select(Digest)).one().view)
        copy = json.dumps(session.scalars(select(OutboxMessage).where(
            OutboxMessage.key.like("digest:%"))).one().payload)
    _, shown = world.standin.deliver_command(world.url, command="/tend", text="digest",
                                             user_id="U0MGR")
    for where in (posted_now, stored, copy, shown):
        assert "U001" not in where, where[:200]
        assert "U002 stays" in where
        assert "held their weekly check-in" in where.lower()  # the figures stay


def test_retention_takes_shared_words_out_of_old_digests(world: World) -> None:
    """Kills: retention that keeps the shared text in stored digests (their replies are
    long gone)."""
    setup_team(world)
    hold_checkins(world, MEMBERS, MONDAYS[:1])
    post = world.checkin_posts()[0]
    member = next(iter(world.standin.conversation_members(post.channel) - {"U0MGR"}))
    _, ts = world.reply(channel=post.channel, user=member, thread_ts=post.ts,
                        text="An old highlight")
    share_as(world, member, post.channel, ts)
    hold_checkins(world, MEMBERS, MONDAYS[1:])
    world.tick(DIGEST_TIME)
    world.services.retention = timedelta(days=30)
    world.tick("2027-02-01T09:00:00+00:00")
    with world.db.scope() as session:
        (digest,) = session.scalars(select(Digest)).all()
        assert digest.view["policy"]["shared"] == []
        assert any(f["shown"] for f in digest.view["policy"]["figures"])


# -- export-user -----------------------------------------------------------------------------
def by_slack(world: World, _capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    world.standin.deliver_command(world.url, command="/tend", text="my-data", user_id="U001")
    wait_for(lambda: world.standin.files())
    return json.loads(world.standin.files()[-1].data)  # type: ignore[no-any-return]


def by_cli(world: World, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["export-user", "U001"]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


@pytest.fixture
def cli_world(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    """The world, with the settings `tend` reads set to reach it."""
    monkeypatch.setenv("DATABASE_URL", world.db.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SLACK_BOT_TOKEN", world.standin.bot_token)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", world.standin.signing_secret)
    monkeypatch.setenv("SLACK_API_URL", world.standin.api_url)
    return world


@pytest.mark.parametrize("export", [by_slack, by_cli])
def test_my_data_and_export_user_hold_settings_and_share_choices(
        cli_world: World, capsys: pytest.CaptureFixture[str], export) -> None:  # type: ignore[no-untyped-def]
    """Kills: export-user without `settings` (away date, reminders), without
    `shared_in_digest` (the share choices), without the digests naming them, or
    without the conversations tend opened with them."""
    world = cli_world
    setup_team(world)
    hold_checkins(world, MEMBERS, MONDAYS[:1])
    post = next(p for p in world.checkin_posts()
                if world.standin.conversation_members(p.channel) == {"U0MGR", "U001"})
    _, ts = world.reply(channel=post.channel, user="U001", thread_ts=post.ts,
                        text="Worth sharing")
    share_as(world, "U001", post.channel, ts, kind="ask", named=True)
    hold_checkins(world, MEMBERS, MONDAYS[1:])
    world.tick(DIGEST_TIME)
    for setting in ("away 2026-12-24", "reminders off"):
        world.standin.deliver_command(world.url, command="/tend", text=setting,
                                      user_id="U001")
    data = export(world, capsys)
    assert data["settings"] == {"away_until": "2026-12-24", "reminders": "off"}
    (choice,) = data["shared_in_digest"]
    assert (choice["answer_ts"], choice["as"], choice["named"]) == (ts, "ask", True)
    assert data["named_in_digests"] == [{"team": "platform", "period": "2026-11",
                                         "as": "ask", "text": "Worth sharing"}]
    assert ["U0MGR"] in [c["with"] for c in data["conversations"]]  # their check-in DM
    assert "U002" not in json.dumps(data)


@pytest.mark.parametrize(("people", "value", "held"), [
    (4, 16, True), (6, 24, True),  # one fewer or one more, and the total moved
    (4, 20, False),  # one fewer, the same total: nothing to attribute
    (5, 22, False), (3, 12, False), (7, 30, False)])  # same head count, or two or more
def test_against_a_stored_mark_one_person_more_or_fewer_with_a_moved_total_is_held(
        people: int, value: int, held: bool) -> None:
    """Kills: the mark's head count compared with `== 0` or `<= 1`, or the moved-total
    check dropped."""
    before = ShownBefore("2026-10", {"k": GuardMark(value=20, contributors=5)})
    now = PeriodInput("2026-11", (Measure("k", "things", value,
                                          frozenset(f"U{n}" for n in range(people))),))
    (figure,) = decide(now, previous=before, team_name="Platform").figures
    assert (figure.withheld_because == DIFFERENCE) is held and figure.shown is not held
