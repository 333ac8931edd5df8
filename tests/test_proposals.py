"""Anyone proposes; the team decides: proposals, secret votes, trials and the changelog.

End to end: `/tend propose` and the modal through signed HTTP into the Bolt app, the
real tick posting and closing through the real WebClient against the stand-in, a real
database (SQLite, or PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.config.apply import export_config
from bot.config.dump import dump_config
from bot.core.export_user import export_user
from bot.storage.models import Proposal, ProposalVote, Ritual, RitualChange
from tests.harness import World
from tests.test_cli import run
from tests.test_forgetting import confirm_forget_me
from tests.test_home import home, text_of
from tests.test_tend_command import setup_values, tend

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
      weekly_feedback:
        cadence: {every: week, day: mon, time: "10:00"}
      retro:
        cadence: {every: month, day: last thu, time: "15:00"}{trial}
    digest:
      to: U0MGR
      cadence: {every: month, day: last fri, time: "16:00"}
      min_group: 3
"""
PEOPLE = ("U0MGR", "U0COACH", "U001", "U002", "U003", "U004", "U0OUT")
TEAM_PEOPLE = ("U0MGR", "U001", "U002", "U003", "U004")  # who votes: 5, so 3 adopt
# A Wednesday: nothing of the team's rituals is due around it.
NOW = "2026-11-04T09:00:00+00:00"
LATER = "2026-11-04T09:01:00+00:00"
A_WEEK_LATER = "2026-11-11T09:01:00+00:00"


def setup_team(world: World, *, trial: str = "") -> None:
    for user in PEOPLE:
        world.standin.add_user(user, tz="Europe/Amsterdam")
    world.standin.add_channel("C0PLATFORM", name="platform")
    world.load(TEAM.replace("{trial}", trial))
    world.clock.set(NOW)  # proposals are made now


def _select(value: str | None) -> dict[str, Any]:
    return {"type": "static_select",
            "selected_option": {"value": value} if value is not None else None}


def proposal_values(*, team: str | None = "platform", ritual: str | None = "weekly_feedback",
                    kind: str | None = "cadence", every: str | None = "week",
                    day: str | None = "tue", time: str | None = "09:00",
                    trial: str | None = None, sign: bool = False,
                    why: str | None = None) -> dict[str, Any]:
    """The proposal modal's state as Slack submits it."""
    return {
        "proposal_team": {"value": _select(team)},
        "proposal_ritual": {"value": _select(ritual)},
        "proposal_kind": {"value": _select(kind)},
        "proposal_every": {"value": _select(every)},
        "proposal_day": {"value": {"type": "plain_text_input", "value": day}},
        "proposal_time": {"value": {"type": "timepicker", "selected_time": time}},
        "proposal_trial": {"value": {"type": "number_input", "value": trial}},
        "proposal_role": {"value": _select(None)},
        "proposal_prompt_number": {"value": {"type": "number_input", "value": None}},
        "proposal_text": {"value": {"type": "plain_text_input", "value": None}},
        "proposal_why": {"value": {"type": "plain_text_input", "value": why}},
        "proposal_sign": {"value": {"type": "checkboxes", "selected_options":
                                    [{"value": "signed"}] if sign else []}},
    }


def propose(world: World, user: str, **fields: Any) -> dict[str, Any]:
    """`/tend propose` (the modal opens), then its submission; returns Slack's answer."""
    opened = len(world.standin.opened_views())
    assert tend(world, user, "propose") == ""  # acked; the modal opens
    assert len(world.standin.opened_views()) == opened + 1
    status, body = world.submit_view(user=user, callback_id="propose_modal",
                                     values=proposal_values(**fields), private_metadata="")
    assert status == 200
    return body


def proposal_posts(world: World) -> list[Any]:
    return [m for m in world.standin.messages("C0PLATFORM")
            if not m.thread_ts and m.text.startswith("Proposal for")]


def vote(world: World, user: str, choice: str, post: Any) -> None:
    proposal_id = next(e["value"] for b in post.blocks if b["type"] == "actions"
                       for e in b["elements"])
    assert world.click(user=user, action_id=f"proposal_{choice}", value=proposal_id,
                       channel=post.channel, message_ts=post.ts) == 200


def outcome_in_thread(world: World, post: Any) -> str:
    return " ".join(m.text for m in world.standin.messages("C0PLATFORM")
                    if m.thread_ts == post.ts)


def weekly_cadence(world: World) -> str:
    with world.db.scope() as session:
        ritual = session.scalars(select(Ritual).where(Ritual.kind == "weekly_feedback")).one()
        return f"{ritual.every} {ritual.day} {ritual.hour:02d}:{ritual.minute:02d}"


def changelog(world: World) -> list[tuple[str, str]]:
    with world.db.scope() as session:
        return [(c.how, c.what) for c in session.scalars(
            select(RitualChange).order_by(RitualChange.id))]


def drafted_votes(world: World) -> list[tuple[int, Any]]:
    with world.db.scope() as session:
        return [(p.id, p.due_at) for p in session.scalars(select(Proposal))]


def everything_said(world: World) -> str:
    """Every message, update, ephemeral and DM the stand-in saw, as one text."""
    messages = [json.dumps([m.text, m.blocks], ensure_ascii=False)
                for m in world.standin.messages()]
    notes = [json.dumps([e.text, e.blocks], ensure_ascii=False)
             for e in world.standin.ephemerals()]
    return "\n".join(messages + notes)


def posted_proposal(world: World, user: str = "U001", **fields: Any) -> Any:
    assert propose(world, user, **fields) == {}
    world.tick(NOW)
    (post,) = proposal_posts(world)
    return post


# -- adopted, declined ---------------------------------------------------------------------
def test_a_proposal_adopted_by_majority_is_applied_at_the_next_tick(world: World) -> None:
    """Kills: a change applied before the vote closes or without a majority of the team;
    an adopted change not applied through the setup path; no outcome in the thread; the
    coaches not told; the changelog not saying "by team vote 3–1"."""
    setup_team(world)
    post = posted_proposal(world, why="Mondays are full of meetings")
    assert "Weekly check-ins: every week, tue, at 09:00" in post.text
    for user, choice in (("U001", "yes"), ("U002", "yes"), ("U0MGR", "yes"), ("U003", "no")):
        vote(world, user, choice, post)
    world.tick(LATER)  # open for 7 days: four of five voted, nothing changes yet
    assert weekly_cadence(world) == "week mon 10:00"
    assert outcome_in_thread(world, post) == ""
    world.tick(A_WEEK_LATER)
    assert weekly_cadence(world) == "week tue 09:00"
    with world.db.scope() as session:
        assert 'day: tue, time: "09:00"' in dump_config(export_config(session,
                                                                      world.workspace_id))
    outcome = outcome_in_thread(world, post)
    assert "Adopted" in outcome and "yes 3, no 1" in outcome
    closed = next(m for m in world.standin.messages("C0PLATFORM") if m.ts == post.ts)
    assert "Voting closed" in json.dumps(closed.blocks)
    assert not any(b["type"] == "actions" for b in closed.blocks)
    coach_dms = [m for m in world.standin.messages()
                 if world.standin.conversation_members(m.channel) == {"U0COACH"}]
    assert any("Adopted" in m.text for m in coach_dms)
    assert changelog(world)[-1] == (
        "by team vote 3–1", "Weekly check-ins: now every week, tue, at 09:00")


def test_a_declined_proposal_changes_nothing_and_closes_once_everyone_voted(
        world: World) -> None:
    """Kills: adoption by a majority of voters instead of the team; a proposal that waits
    7 days when everyone has voted; a declined change applied or logged; a vote taken
    from someone outside the team (a coach, a stranger)."""
    setup_team(world)
    post = posted_proposal(world)
    for outsider in ("U0COACH", "U0OUT"):
        vote(world, outsider, "yes", post)
        assert "Only the team's members and managers vote" in world.standin.ephemerals(
            outsider)[-1].text
    with world.db.scope() as session:
        assert session.scalar(select(func.count()).select_from(ProposalVote)) == 0
    for user, choice in (("U001", "yes"), ("U002", "yes"), ("U0MGR", "no"), ("U003", "no"),
                         ("U004", "no")):
        vote(world, user, choice, post)
    before = changelog(world)
    world.tick(LATER)  # everyone voted: closed at the next tick
    assert "Declined" in outcome_in_thread(world, post)
    assert "yes 2, no 3" in outcome_in_thread(world, post)
    assert weekly_cadence(world) == "week mon 10:00"
    assert changelog(world) == before


def test_a_replayed_or_double_clicked_vote_counts_once(world: World) -> None:
    """Kills: a vote inserted per click (the upsert gone): U001's three clicks would make
    it adopted 4–3 instead of declined 2–3."""
    setup_team(world)
    post = posted_proposal(world)
    for _ in range(3):
        vote(world, "U001", "yes", post)
    vote(world, "U002", "no", post)
    vote(world, "U002", "yes", post)  # a change of mind replaces the vote
    for user in ("U0MGR", "U003", "U004"):
        vote(world, user, "no", post)
    with world.db.scope() as session:
        assert session.scalar(select(func.count()).select_from(ProposalVote)) == 5
    world.tick(LATER)
    assert "yes 2, no 3" in outcome_in_thread(world, post)
    assert weekly_cadence(world) == "week mon 10:00"


@pytest.mark.postgres_only
def test_two_workers_recording_the_same_vote_at_once_keep_one(world: World) -> None:
    """Kills: a read-then-insert vote, which two simultaneous deliveries of one click
    (two workers) would record twice or answer with a 500."""
    setup_team(world)
    post = posted_proposal(world)
    proposal_id = next(e["value"] for b in post.blocks if b["type"] == "actions"
                       for e in b["elements"])
    payload = world.standin.block_actions_payload("U001", "proposal_yes", proposal_id,
                                                  post.channel, post.ts)
    barrier, statuses = threading.Barrier(4), []

    def click() -> None:
        barrier.wait()
        statuses.append(world.standin.deliver_action(world.url, payload)[0])

    threads = [threading.Thread(target=click) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    world.settle()
    assert statuses == [200] * 4
    with world.db.scope() as session:
        assert session.scalar(select(func.count()).select_from(ProposalVote)) == 1


def test_counts_below_min_group_are_not_shown(world: World) -> None:
    """Kills: counts shown whatever the number of voters (P2): two yes votes of five
    would read "yes 2, no 0"."""
    setup_team(world)
    post = posted_proposal(world)
    vote(world, "U001", "yes", post)
    vote(world, "U002", "yes", post)
    world.tick(A_WEEK_LATER)
    outcome = outcome_in_thread(world, post)
    assert "Declined" in outcome and "Too few people voted" in outcome
    assert "yes 2" not in everything_said(world)


# -- anonymity -----------------------------------------------------------------------------
def test_an_unsigned_proposer_is_never_named(world: World, caplog: pytest.LogCaptureFixture
                                             ) -> None:
    """Kills: the proposer named in the channel post, the outcome, a coach's DM, the
    coach's Home (changelog), the logs at INFO, or the changelog."""
    setup_team(world)
    caplog.set_level(logging.INFO)
    post = posted_proposal(world, user="U004")
    for user in ("U001", "U002", "U003"):
        vote(world, user, "yes", post)
    world.tick(A_WEEK_LATER)
    assert "Adopted" in outcome_in_thread(world, post)
    said = [m for m in world.standin.messages()
            if world.standin.conversation_members(m.channel) != {"U004"}]
    assert "U004" not in json.dumps([[m.text, m.blocks] for m in said])
    assert "U004" not in json.dumps([[e.text, e.blocks] for e in world.standin.ephemerals()
                                     if e.user != "U004"])
    coach_home = home(world, "U0COACH")
    assert coach_home is not None and "by team vote 3–0" in text_of(coach_home)
    assert "U004" not in text_of(coach_home)
    assert "U004" not in " ".join(r.getMessage() for r in caplog.records
                                  if r.levelno >= logging.INFO)
    assert "U004" not in json.dumps(changelog(world))


def test_a_signed_proposal_names_its_proposer(world: World) -> None:
    """Kills: *sign it* ignored (the proposer could never stand by their proposal)."""
    setup_team(world)
    post = posted_proposal(world, user="U002", sign=True)
    assert "<@U002>" in json.dumps(post.blocks)


# -- who may, bad input --------------------------------------------------------------------
def test_someone_in_no_team_gets_a_clear_note_and_bad_input_changes_nothing(
        world: World) -> None:
    """Kills: a modal opened (or a proposal stored) for someone in no team; a cadence
    without its day accepted; an unchanged cadence put to a vote; hostile ids a 5xx."""
    setup_team(world)
    assert "not a member or manager of any team" in tend(world, "U0OUT", "propose")
    assert world.standin.opened_views() == []
    assert "/tend propose" in tend(world, "U001", "help")
    status, body = world.submit_view(user="U0OUT", callback_id="propose_modal",
                                     values=proposal_values(), private_metadata="")
    assert status == 200 and "proposal_team" in body["errors"]
    assert propose(world, "U001", day=None)["errors"] == {
        "proposal_day": "Give the day of the new cadence."}
    assert "day" in propose(world, "U001", day="someday")["errors"]["proposal_day"]
    assert propose(world, "U001", day="mon", time="10:00")["errors"] == {
        "proposal_kind": "That is how it is already: nothing to vote on."}
    assert "proposal_trial" in propose(world, "U001", kind="trial", trial="0")["errors"]
    assert "proposal_team" in propose(world, "U001", team="elsewhere")["errors"]
    assert "proposal_ritual" in propose(world, "U001", ritual="nonsense")["errors"]
    assert world.click(user="U001", action_id="proposal_yes", value="99999999999999",
                       channel="C0PLATFORM", message_ts="1.0") == 400
    with world.db.scope() as session:
        assert session.scalar(select(func.count()).select_from(Proposal)) == 0


def test_the_member_home_has_a_propose_button_that_opens_the_modal(world: World) -> None:
    """Kills: the Home's *Propose a change* missing or opening nothing."""
    setup_team(world)
    view = home(world, "U001")
    assert view is not None and "Propose a change" in text_of(view)
    payload = world.standin.block_actions_payload("U001", "propose", "", view=view)
    assert world.standin.deliver_action(world.url, payload)[0] == 200
    world.settle()
    assert world.standin.opened_views()[-1]["callback_id"] == "propose_modal"


# -- trials --------------------------------------------------------------------------------
def test_a_trial_ends_in_a_vote_and_drop_switches_the_ritual_off(world: World) -> None:
    """Kills: a trial that never ends in a vote; the vote posted before its last cycle,
    or moved by re-importing the exported file; *drop* not switching the ritual off, or
    losing its settings; the trial key kept after the team decided."""
    setup_team(world, trial="\n        trial: 2")
    with world.db.scope() as session:
        exported = dump_config(export_config(session, world.workspace_id))
    assert "trial: 2" in exported
    before = changelog(world), drafted_votes(world)
    world.load(exported, now="2026-11-20T00:00:00+00:00")  # the export, re-imported later
    assert (changelog(world), drafted_votes(world)) == before  # the trial did not restart
    # Retros on the last Thursdays, 15:00 Amsterdam: 26 Nov (cycle 1), 31 Dec (cycle 2).
    world.tick("2026-12-30T14:00:00+00:00")
    assert proposal_posts(world) == []
    world.tick("2026-12-31T14:01:00+00:00")
    (post,) = proposal_posts(world)
    assert "trial of Retrospective (2 cycles) is over" in post.text
    actions = [e["action_id"] for b in post.blocks if b["type"] == "actions"
               for e in b["elements"]]
    assert actions == ["proposal_keep", "proposal_change", "proposal_drop"]
    for user in ("U001", "U002", "U003"):
        vote(world, user, "drop", post)
    vote(world, "U004", "keep", post)
    world.tick("2027-01-07T14:02:00+00:00")
    assert "dropped Retrospective" in outcome_in_thread(world, post)
    with world.db.scope() as session:
        exported = dump_config(export_config(session, world.workspace_id))
    assert "retro:\n        cadence: {every: month, day: last thu, time: \"15:00\"}\n" \
           "        enabled: false" in exported
    assert "trial" not in exported
    assert changelog(world)[-1] == ("by team vote (keep 1, change 0, drop 3)",
                                    "Retrospective: switched off, trial ended")


def test_a_trial_kept_clears_the_trial_and_keeps_the_ritual(world: World) -> None:
    """Kills: a trial vote with no drop majority switching the ritual off."""
    setup_team(world, trial="\n        trial: 1")
    world.tick("2026-11-26T14:01:00+00:00")
    (post,) = proposal_posts(world)
    vote(world, "U001", "drop", post)
    world.tick("2026-12-03T14:02:00+00:00")
    assert "keeps Retrospective" in outcome_in_thread(world, post)
    with world.db.scope() as session:
        retro = session.scalars(select(Ritual).where(Ritual.kind == "retro")).one()
        assert retro.enabled and "trial" not in retro.options


def save_setup(world: World, *, retro_trial: str | None = None, **overrides: Any
               ) -> dict[str, Any]:
    """The coach saves the setup modal for the platform team as it stands, with these
    changes; returns Slack's answer (inline errors, if any)."""
    values = setup_values(team_members=["U001", "U002", "U003", "U004"],
                          **{"digest": ("month", "last fri", "16:00", True), **overrides})
    values.update({"retro_on": {"value": {"type": "checkboxes",
                                          "selected_options": [{"value": "on"}]}},
                   "retro_every": {"value": _select("month")},
                   "retro_day": {"value": _select("last thu")},
                   "retro_time": {"value": {"type": "timepicker", "selected_time": "15:00"}},
                   "retro_trial": {"value": {"type": "number_input", "value": retro_trial}}})
    status, body = world.submit_view(user="U0COACH", callback_id="setup_modal",
                                     values=values, private_metadata="platform")
    assert status == 200
    return body


def test_a_trial_set_in_the_setup_modal_is_saved_shown_and_checked(world: World) -> None:
    """Kills: the modal's trial input ignored, not shown again, or a bad value saved."""
    setup_team(world)
    assert save_setup(world, retro_trial="two")["errors"] == {
        "retro_trial": "Input should be a valid integer"}
    assert "retro_trial" in save_setup(world, retro_trial="99")["errors"]
    assert save_setup(world, retro_trial="3") == {}
    with world.db.scope() as session:
        assert "trial: 3" in dump_config(export_config(session, world.workspace_id))
        assert session.scalars(select(Proposal.origin)).all() == ["trial"]
    assert changelog(world)[-1] == ("by coach", "Retrospective: trial of 3 cycles")
    assert tend(world, "U0COACH", "setup platform") == ""
    trial = next(b for b in world.standin.opened_views()[-1]["blocks"]
                 if b.get("block_id") == "retro_trial")
    assert trial["element"]["initial_value"] == "3"


# -- the changelog ---------------------------------------------------------------------------
def test_the_changelog_records_import_setup_and_vote(world: World,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    """Kills: a change missing from the changelog, or said the wrong way ("by file
    import", "by coach", "by team vote 3–0"); `tend export --changelog` not printing it;
    a trial started by proposal not recorded."""
    monkeypatch.setenv("DATABASE_URL",  # `tend` reads the test's database
                       world.db.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SLACK_BOT_TOKEN", world.standin.bot_token)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", world.standin.signing_secret)
    setup_team(world)
    assert save_setup(world, quads=("week", "thu", "15:00", True)) == {}
    post = posted_proposal(world, kind="trial", ritual="quads", trial="4")
    for user in ("U001", "U002", "U003"):
        vote(world, user, "yes", post)
    world.tick(A_WEEK_LATER)
    hows = [how for how, _what in changelog(world)]
    assert hows == ["by file import", "by coach", "by team vote 3–0"]
    assert changelog(world)[-1][1] == "Quads: trial of 4 cycles"
    capsys.readouterr()
    code, out, _ = run(capsys, "export", "--changelog")
    assert code == 0
    assert out.startswith("platform:\n")
    assert "Weekly check-ins set up" in out and "(by file import)" in out
    assert "Quads set up: every week, thu, at 15:00 (by coach)" in out
    assert "Quads: trial of 4 cycles (by team vote 3–0)" in out


# -- a person's own data ------------------------------------------------------------------
def test_export_user_has_own_votes_and_proposals_and_forget_me_removes_them(
        world: World) -> None:
    """Kills: someone else's vote or proposal in an export (P8); forget-me leaving the
    person's votes or their link to a proposal; closed counts lost with them."""
    setup_team(world)
    post = posted_proposal(world, user="U001", sign=True)
    for user, choice in (("U001", "yes"), ("U002", "no"), ("U003", "yes"), ("U004", "yes")):
        vote(world, user, choice, post)
    with world.db.scope() as session:
        mine = export_user(session, world.workspace_id, "U001")
        theirs = export_user(session, world.workspace_id, "U002")
    assert [p["summary"] for p in mine["proposals"]] == [
        "Weekly check-ins: every week, tue, at 09:00"]
    assert [v["vote"] for v in mine["proposal_votes"]] == ["yes"]
    assert theirs["proposals"] == [] and [v["vote"] for v in theirs["proposal_votes"]] == ["no"]
    world.tick(A_WEEK_LATER)
    answer = confirm_forget_me(world, "U001")
    assert "Deleted 1 proposal votes and took you off 1 proposals" in answer
    with world.db.scope() as session:
        gone = export_user(session, world.workspace_id, "U001")
        proposal = session.scalars(select(Proposal)).one()
        assert proposal.proposer_id is None and not proposal.signed
        assert proposal.counts == {"yes": 3, "no": 1}
        assert session.scalar(select(func.count()).select_from(ProposalVote)) == 3
    assert gone["proposals"] == [] and gone["proposal_votes"] == []


def test_a_tick_with_only_a_proposal_due_posts_it_and_the_probe_sees_it(world: World
                                                                        ) -> None:
    """Kills: the probe (storage/due.what_is_due) or the tick's step not asking for due
    proposals: with every ritual planned, the tick would stop at the probe and the
    proposal would never be posted or closed."""
    setup_team(world)
    world.tick(NOW)  # every ritual planned: their next instants are days away
    world.clock.set(LATER)
    assert propose(world, "U001") == {}
    world.tick("2026-11-04T09:02:00+00:00")
    (post,) = proposal_posts(world)
    for user in TEAM_PEOPLE:
        vote(world, user, "yes", post)
    world.tick("2026-11-04T09:03:00+00:00")
    assert "Adopted" in outcome_in_thread(world, post)


# -- the retrospective's result ------------------------------------------------------------
def test_a_retro_result_of_drop_or_change_drafts_a_proposal(world: World) -> None:
    """Kills: a retro's *drop* majority left as a figure instead of a proposal to switch
    the ritual off; its *change* majority without a pre-filled *Propose a change*."""
    from tests import test_retro as retro

    retro.setup_team(world)
    world.tick(retro.NOVEMBER)
    post = retro.retro_post(world)
    ids = retro.ritual_ids(world)
    for user in ("U001", "U002", "U003"):
        retro.click_vote(world, user, "drop", ids["monthly_goals"], post)
        retro.click_vote(world, user, "change", ids["retro"], post)
    world.tick(retro.A_WEEK_LATER)  # the retro closes, its drafts are posted at the next
    world.tick("2026-12-03T14:01:00+00:00")
    (proposal,) = [m for m in retro.top_level(world) if m.text.startswith("Proposal for")]
    assert "Switch Goal sharing off (the retrospective voted to drop it)" in proposal.text
    assert "Drafted by tend from the team's retrospective result" in json.dumps(
        proposal.blocks)
    result = next(m for m in world.standin.messages("C0PLATFORM")
                  if "the votes are in" in m.text)
    (button,) = [e for b in result.blocks if b["type"] == "actions" for e in b["elements"]]
    assert (button["action_id"], button["value"]) == ("propose", "platform:retro")
    payload = world.standin.block_actions_payload("U002", "propose", button["value"],
                                                  result.channel, result.ts)
    assert world.standin.deliver_action(world.url, payload)[0] == 200
    world.settle()
    modal = world.standin.opened_views()[-1]
    ritual = next(b for b in modal["blocks"] if b.get("block_id") == "proposal_ritual")
    assert ritual["element"]["initial_option"]["value"] == "retro"


def test_a_posted_thread_reply_is_found_by_the_look_back(world: World) -> None:
    """Kills: a proposal's outcome (a thread reply) posted twice after a crash between
    Slack's answer and the record: the look-back searched only top-level history, which
    never holds a thread reply."""
    world.standin.add_channel("C0PLATFORM", name="platform")
    gateway = world.services.gateway_for(world.workspace_id)
    gateway.join_channel("C0PLATFORM")
    root = gateway.post_message("C0PLATFORM", text="a proposal", outbox_key="proposal:1:post")
    reply = gateway.post_message("C0PLATFORM", text="its outcome", thread_ts=root,
                                 outbox_key="proposal:1:outcome")
    window = {"oldest": "0", "latest": "9999999999.999999"}
    assert gateway.find_posted("C0PLATFORM", "proposal:1:outcome", **window) is None
    assert gateway.find_posted("C0PLATFORM", "proposal:1:outcome", thread_ts=root,
                               **window) == reply


def test_the_retro_session_s_propose_button_opens_the_modal_for_its_team(
        world: World) -> None:
    """Kills: the retrospective's thread without its *Propose a change* (the issue's
    third door to the modal), a button the proposal listener does not answer, or a modal
    without the team pre-selected; a stranger's click opening a modal."""
    from tests import test_retro as retro

    retro.setup_team(world)
    world.tick(retro.NOVEMBER)
    post = retro.retro_post(world)
    (button,) = [e for b in post.blocks if b.get("block_id") == "retro-propose-any"
                 for e in b["elements"]]
    assert (button["action_id"], button["value"], button["text"]["text"]) == (
        "propose", "platform:", "Propose a change")
    payload = world.standin.block_actions_payload("U003", "propose", button["value"],
                                                  post.channel, post.ts)
    assert world.standin.deliver_action(world.url, payload)[0] == 200
    world.settle()
    (modal,) = world.standin.opened_views()
    assert modal["callback_id"] == "propose_modal"
    team = next(b for b in modal["blocks"] if b.get("block_id") == "proposal_team")
    assert team["element"]["initial_option"]["value"] == "platform"
    ritual = next(b for b in modal["blocks"] if b.get("block_id") == "proposal_ritual")
    assert "initial_option" not in ritual["element"]
    stranger = world.standin.block_actions_payload("U0OUT", "propose", button["value"],
                                                   post.channel, post.ts)
    assert world.standin.deliver_action(world.url, stranger)[0] == 200
    world.settle()
    assert len(world.standin.opened_views()) == 1
    assert "not a member or manager of any team" in world.standin.ephemerals("U0OUT")[-1].text
