"""Many workspaces: OAuth install, isolation between workspaces, uninstall and purge.

Two workspaces install tend through the real /slack/install flow (Bolt's OAuth flow,
slack_sdk's SQLAlchemy stores on our tables, oauth.v2.access at the stand-in). Both
name their team `platform`, and one manager id is in both (as on an Enterprise Grid),
the hardest case for isolation: every request must reach its own workspace's rows.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import func, select

from bot.config.apply import export_config
from bot.config.dump import dump_config
from bot.storage import slack_oauth
from bot.storage.base import Base
from bot.storage.db import Database
from bot.storage.models import (
    Digest,
    Occurrence,
    Person,
    Reply,
    Team,
    UsersListPass,
    Workspace,
)
from tests.harness import FakeClock, World, wait_for

A, B = "T0ALPHA", "T0BRAVO"
TOKENS = {A: "xoxb-alpha", B: "xoxb-bravo"}
SHARED_MANAGER = "W0MGR"  # one person, a manager in both workspaces


def team_yaml(name: str, members: list[str]) -> str:
    return f"""
teams:
  - key: platform
    name: {name}
    channel: C0{name.upper()[:6]}
    timezone: Europe/Amsterdam
    managers: [{SHARED_MANAGER}]
    coaches: [{members[0]}]
    members: [{", ".join(members)}]
    rituals:
      weekly_feedback:
        cadence: {{every: week, day: mon, time: "10:00"}}
"""


ALPHA = ["U0A1", "U0A2", "U0A3"]
BRAVO = ["U0B1", "U0B2", "U0B3"]


@pytest.fixture
def multi(db: Database, standin, clock: FakeClock) -> Iterator[World]:  # type: ignore[no-untyped-def]
    with World(db=db, standin=standin, clock=clock, oauth=True) as world:
        yield world


def http(url: str, *, cookie: str = "") -> tuple[int, str, dict[str, str]]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.read().decode(), _lower(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), _lower(error.headers)


def _lower(headers: object) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}  # type: ignore[attr-defined]


def install(world: World, team_id: str, *, code: str | None = None) -> tuple[int, str]:
    """An admin of `team_id` clicks Add to Slack, approves, and comes back with a code."""
    status, page, headers = http(f"{world.base_url}/slack/install")
    assert status == 200
    authorize = re.search(r'<a href="([^"]+)"', page)
    assert authorize is not None
    state = parse_qs(urlparse(authorize.group(1).replace("&amp;", "&")).query)["state"][0]
    cookie = headers["set-cookie"].split(";")[0]
    code = code or f"code-{team_id}"
    world.standin.add_oauth_code(code, team_id=team_id, bot_token=TOKENS[team_id],
                                 team_name=f"Workspace {team_id}")
    status, page, _ = http(f"{world.base_url}/slack/oauth_redirect?code={code}&state={state}",
                           cookie=cookie)
    return status, page


def populate(world: World) -> None:
    for user in [SHARED_MANAGER, *ALPHA, *BRAVO]:
        world.standin.add_user(user, tz="Europe/Amsterdam")
    assert install(world, A)[0] == 200
    assert install(world, B)[0] == 200
    world.workspace_id = A
    world.load(team_yaml("Alpha", ALPHA))
    world.workspace_id = B
    world.load(team_yaml("Bravo", BRAVO))


def posts_by_workspace(world: World) -> dict[str, set[frozenset[str]]]:
    """Which workspace's token posted each check-in, and to whom."""
    seen: dict[str, set[frozenset[str]]] = {A: set(), B: set()}
    for call in world.standin.calls_to("chat.postMessage"):
        if call.error is None and not call.params.get("thread_ts"):
            members = world.standin.conversation_members(str(call.params["channel"]))
            seen[call.team_id].add(frozenset(members - {world.standin.bot_user_id}))
    return seen


def test_oauth_install_stores_each_workspace_s_token_in_our_tables(multi: World) -> None:
    populate(multi)
    store = slack_oauth.installation_store(multi.settings.slack_client_id or "",
                                           multi.db.engine)
    assert store.find_bot(enterprise_id=None, team_id=A).bot_token == TOKENS[A]
    assert store.find_bot(enterprise_id=None, team_id=B).bot_token == TOKENS[B]
    with multi.db.scope() as session:
        assert set(session.scalars(select(Workspace.id))) == {A, B}


def test_an_install_with_a_forged_state_is_refused_and_stores_nothing(multi: World) -> None:
    multi.standin.add_oauth_code("stolen", team_id=A, bot_token=TOKENS[A])
    status, _page, _ = http(f"{multi.base_url}/slack/oauth_redirect?code=stolen&state=forged",
                            cookie="slack-app-oauth-state=forged")
    assert status in (400, 401)
    with multi.db.scope() as session:
        assert session.scalar(select(func.count()).select_from(Workspace)) == 0
        assert session.scalar(select(func.count()).select_from(slack_oauth.slack_bots)) == 0


def test_abandoned_install_attempts_are_purged_by_the_clock(multi: World) -> None:
    http(f"{multi.base_url}/slack/install")  # a state issued, never used

    def states() -> int:
        with multi.db.scope() as session:
            return int(session.scalar(select(func.count()).select_from(
                slack_oauth.slack_oauth_states)) or 0)

    # slack_sdk stamps the state's expiry from the wall clock: ten minutes from now.
    wall = datetime.now(UTC)
    assert states() == 1
    multi.tick(wall)
    assert states() == 1
    multi.tick(wall + timedelta(minutes=11))
    assert states() == 0


def test_each_workspace_s_prompts_go_out_with_its_own_token(multi: World) -> None:
    populate(multi)
    multi.tick("2026-11-23T09:00:30+00:00")
    seen = posts_by_workspace(multi)
    assert seen[A] == {frozenset({SHARED_MANAGER, m}) for m in ALPHA}
    assert seen[B] == {frozenset({SHARED_MANAGER, m}) for m in BRAVO}
    # Each workspace's people are its own rows, the shared manager once in each.
    with multi.db.scope() as session:
        assert set(session.scalars(select(Person.workspace_id).where(
            Person.user_id == SHARED_MANAGER))) == {A, B}


def _thread_of(world: World, member: str) -> tuple[str, str]:
    with world.db.scope() as session:
        occurrence = session.scalars(select(Occurrence).where(
            Occurrence.subject_id == member, Occurrence.status == "sent")).one()
        return str(occurrence.channel_id), str(occurrence.message_ts)


def test_a_reply_delivered_for_another_workspace_is_not_stored(multi: World) -> None:
    populate(multi)
    multi.tick("2026-11-23T09:00:30+00:00")
    channel, thread = _thread_of(multi, "U0A1")
    with multi.standin.from_workspace(B):  # an event claiming to be Bravo's
        status, _ = multi.reply(channel=channel, user=SHARED_MANAGER, text="not yours",
                                thread_ts=thread)
    assert status == 200
    with multi.standin.from_workspace(A):
        multi.reply(channel=channel, user=SHARED_MANAGER, text="ours", thread_ts=thread)
    with multi.db.scope() as session:
        assert list(session.scalars(select(Reply.text))) == ["ours"]


def test_buttons_and_modals_cannot_reach_another_workspace_s_checkin(multi: World) -> None:
    populate(multi)
    multi.tick("2026-11-23T09:00:30+00:00")
    channel, thread = _thread_of(multi, "U0A1")
    with multi.db.scope() as session:
        alpha_checkin = session.scalars(select(Occurrence.id).where(
            Occurrence.subject_id == "U0A1")).one()
    opened = len(multi.standin.opened_views())
    with multi.standin.from_workspace(B):
        multi.click(user=SHARED_MANAGER, action_id="commitment_add",
                    value=str(alpha_checkin), channel=channel, message_ts=thread)
        _status, answer = multi.submit_commitment(
            user=SHARED_MANAGER, occurrence_id=alpha_checkin, what="Ship the thing",
            due="2026-11-30")
    assert len(multi.standin.opened_views()) == opened  # no modal for Bravo's request
    assert answer.get("response_action") == "errors"
    with multi.standin.from_workspace(A):
        _status, answer = multi.submit_commitment(
            user=SHARED_MANAGER, occurrence_id=alpha_checkin, what="Ship the thing",
            due="2026-11-30")
    assert answer == {}


def tend(world: World, workspace: str, user: str, text: str) -> str:
    with world.standin.from_workspace(workspace):
        status, body = world.standin.deliver_command(world.url, command="/tend", text=text,
                                                     user_id=user)
    assert status == 200
    return body


def test_slash_tend_answers_from_the_caller_s_own_workspace_only(multi: World) -> None:
    populate(multi)
    for workspace, team in ((A, "Alpha"), (B, "Bravo")):
        with multi.db.scope() as session:
            row = session.scalars(select(Team).where(Team.workspace_id == workspace)).one()
            session.add(Digest(team_id=row.id, period="2026-11", created_at=multi.clock.now,
                               view={"policy": {"period": "2026-11", "team_name": team,
                                                "figures": [], "notes": [], "trend": [],
                                                "shared": []},
                                     "start": "2026-11-01T00:00:00+00:00",
                                     "end": "2026-12-01T00:00:00+00:00", "min_group": 3}))
    bravo = tend(multi, B, SHARED_MANAGER, "digest")
    assert "Bravo" in bravo and "Alpha" not in bravo
    alpha = tend(multi, A, SHARED_MANAGER, "digest")
    assert "Alpha" in alpha and "Bravo" not in alpha
    # Bravo's coach pausing `platform` pauses Bravo's team, never Alpha's.
    assert "paused" in tend(multi, B, "U0B1", "pause platform weekly_feedback")
    assert "can change its rituals" in tend(multi, B, "U0A1", "pause platform weekly_feedback")
    with multi.db.scope() as session:
        assert "enabled: false" in dump_config(export_config(session, B))
        assert "enabled: false" not in dump_config(export_config(session, A))
    # Away in Bravo is not away in Alpha.
    tend(multi, B, SHARED_MANAGER, "away 2026-12-24")
    with multi.db.scope() as session:
        away = dict(session.execute(select(Person.workspace_id, Person.away_until).where(
            Person.user_id == SHARED_MANAGER)).all())
    assert away[A] is None and str(away[B]) == "2026-12-24"


def test_the_home_and_my_data_show_the_caller_s_workspace_only(multi: World) -> None:
    populate(multi)
    multi.tick("2026-11-23T09:00:30+00:00")
    channel, thread = _thread_of(multi, "U0A1")
    with multi.standin.from_workspace(A):
        multi.reply(channel=channel, user=SHARED_MANAGER, text="alpha words",
                    thread_ts=thread)
        multi.standin.deliver_event(multi.url, {"type": "app_home_opened",
                                                "user": SHARED_MANAGER, "tab": "home"})
        multi.settle()  # the Home is published after the ack
    alpha_home = str(multi.standin.home_view(SHARED_MANAGER))
    with multi.standin.from_workspace(B):
        multi.standin.deliver_event(multi.url, {"type": "app_home_opened",
                                                "user": SHARED_MANAGER, "tab": "home"})
        multi.settle()
    bravo_home = str(multi.standin.home_view(SHARED_MANAGER))
    assert "Alpha" in alpha_home and "Bravo" not in alpha_home
    assert "Bravo" in bravo_home and "Alpha" not in bravo_home
    tend(multi, B, SHARED_MANAGER, "my-data")
    wait_for(lambda: multi.standin.files(), seconds=30)
    export = multi.standin.files()[-1].data.decode()
    assert '"workspace": "T0BRAVO"' in export
    assert "alpha words" not in export and "U0A1" not in export


def test_uninstall_deletes_tokens_at_once_and_data_after_the_grace_period(
        multi: World) -> None:
    """Catches a table left out of the purge (mutation: `UsersListPass` dropped from
    `workspaces.SCOPED`): past the grace period no table with a `workspace_id` keeps a
    row of the uninstalled workspace."""
    populate(multi)
    multi.tick("2026-11-23T09:00:30+00:00")
    multi.tick("2026-11-24T09:30:00+00:00")  # zones a day old: each workspace's users.list
    with multi.db.scope() as session:
        assert set(session.scalars(select(UsersListPass.workspace_id))) == {A, B}
    with multi.standin.from_workspace(B):
        status, _ = multi.standin.deliver_event(multi.url, {"type": "app_uninstalled"})
    assert status == 200
    store = slack_oauth.installation_store(multi.settings.slack_client_id or "",
                                           multi.db.engine)
    assert store.find_bot(enterprise_id=None, team_id=B) is None
    assert store.find_bot(enterprise_id=None, team_id=A) is not None
    # A week on: Alpha's check-ins go out, Bravo gets nothing planned.
    multi.standin.reset_calls()
    multi.tick("2026-11-30T09:00:30+00:00")
    assert posts_by_workspace(multi)[B] == set()
    assert len(posts_by_workspace(multi)[A]) == 3
    with multi.db.scope() as session:
        assert session.scalar(select(func.count()).select_from(Team)) == 2  # still kept
    # Past the grace period the clock deletes everything Bravo owned, nothing of Alpha's.
    grace = multi.services.uninstall_grace
    multi.tick(multi.clock.now + grace + timedelta(minutes=1))
    with multi.db.scope() as session:
        assert set(session.scalars(select(Team.workspace_id))) == {A}
        assert set(session.scalars(select(Person.workspace_id))) == {A}
        assert set(session.scalars(select(Workspace.id))) == {A}
        assert session.scalar(select(func.count()).select_from(Occurrence).join(
            Occurrence.ritual).join(Team).where(Team.workspace_id == B)) == 0
        for table in Base.metadata.sorted_tables:
            if "workspace_id" in table.c:
                assert set(session.scalars(select(table.c.workspace_id).distinct())) <= {A}, \
                    table.name


def test_a_reinstall_within_the_grace_period_keeps_the_workspace_s_data(
        multi: World) -> None:
    populate(multi)
    with multi.standin.from_workspace(B):
        multi.standin.deliver_event(multi.url, {
            "type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UTENDBOT"]}})
    store = slack_oauth.installation_store(multi.settings.slack_client_id or "",
                                           multi.db.engine)
    assert store.find_bot(enterprise_id=None, team_id=B) is None
    assert install(multi, B, code="second-code")[0] == 200
    multi.tick(multi.clock.now + multi.services.uninstall_grace + timedelta(days=1))
    with multi.db.scope() as session:
        assert set(session.scalars(select(Team.workspace_id))) == {A, B}


def test_token_mode_uninstall_stops_everything_for_its_workspace(world: World) -> None:
    from tests.test_weekly_checkin import setup_team

    setup_team(world)
    world.standin.deliver_event(world.url, {"type": "app_uninstalled"})
    world.tick("2026-11-23T09:00:30+00:00")
    assert world.checkin_posts() == []
    with world.db.scope() as session:
        assert session.get_one(Workspace, world.workspace_id).uninstalled_at is not None


def test_token_mode_has_no_install_page(world: World) -> None:
    status, _page, _ = http(f"{world.base_url}/slack/install")
    assert status == 404
