"""A team changes its prompts by vote: add, replace or remove one through the proposal
modal, end to end.

`/tend propose` (signed) opens the modal through views.open in the stand-in; its signed
view_submission drafts the proposal; the tick posts it; signed clicks vote; the tick
closes it and applies it through the setup path; the next check-in shows the new prompt.
A real database (SQLite, or PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from bot.config.apply import export_config
from bot.storage.models import Proposal
from tests.harness import World
from tests.test_proposals import (
    A_WEEK_LATER,
    NOW,
    TEAM,
    changelog,
    outcome_in_thread,
    proposal_posts,
    proposal_values,
    setup_team,
    vote,
)
from tests.test_tend_command import tend

OLD = "What do you need, and from whom?"  # the check-in's default member prompt #3
NEW = "What is in your way, and who can clear it?"
RETRO_DEFAULTS = ["What helped us work well?", "What got in our way?",
                  "Who helped you lately, and how?", "One thing to try."]


def prompt_values(*, ritual: str, kind: str, role: str | None = None,
                  number: str | None = None, text: str | None = None) -> dict[str, Any]:
    """The modal's state for a prompt change, as Slack submits it."""
    values = proposal_values(ritual=ritual, kind=kind, every=None, day=None, time=None)
    values["proposal_role"] = {"value": {"type": "static_select", "selected_option":
                                         {"value": role} if role else None}}
    values["proposal_prompt_number"] = {"value": {"type": "number_input", "value": number}}
    values["proposal_text"] = {"value": {"type": "plain_text_input", "value": text}}
    return values


def propose_prompt(world: World, user: str = "U001", **fields: Any) -> dict[str, str]:
    """`/tend propose` (the modal opens in the stand-in), then its signed submission;
    returns the modal's field errors (empty: proposed)."""
    opened = len(world.standin.opened_views())
    assert tend(world, user, "propose") == ""
    assert world.standin.opened_views()[-1]["callback_id"] == "propose_modal"
    assert len(world.standin.opened_views()) == opened + 1
    status, body = world.submit_view(user=user, callback_id="propose_modal",
                                     values=prompt_values(**fields), private_metadata="")
    assert status == 200
    assert body == {} or body["response_action"] == "errors"
    return dict(body.get("errors", {}))


def stored_changes(world: World) -> list[dict[str, Any]]:
    with world.db.scope() as session:
        return [p.change for p in session.scalars(select(Proposal).order_by(Proposal.id))]


def proposals_count(world: World) -> int:
    with world.db.scope() as session:
        return session.scalar(select(func.count()).select_from(Proposal)) or 0


def team_prompts(world: World, kind: str) -> Any:
    with world.db.scope() as session:
        (team,) = export_config(session, world.workspace_id).teams
        return team.model_dump(mode="json")["rituals"][kind]["prompts"]


def member_checkins(world: World) -> list[str]:
    return [json.dumps(p.blocks, ensure_ascii=False) for p in world.checkin_posts()
            if world.standin.conversation_members(p.channel) == {"U001", "U0MGR"}]


def test_a_checkin_prompt_replaced_by_vote_shows_in_the_next_checkin(world: World) -> None:
    """Kills: the patch built from nothing instead of the defaults the team sees (a
    weekly_feedback spec's prompts read as a dict when it is a model: the replace found
    no prompt 3); other roles frozen to the defaults when one role changes; the change
    applied before the vote closes; the next check-in still asking the old prompt; the
    changelog not saying "by team vote 3–1"."""
    setup_team(world)
    assert propose_prompt(world, ritual="weekly_feedback", kind="prompt_replace",
                          role="member", number="3", text=NEW) == {}
    assert stored_changes(world) == [{"rituals": {"weekly_feedback": {"prompts": {
        "member": ["What did you get done since we last spoke?", "What is next?", NEW]}}}}]
    world.tick(NOW)
    (post,) = proposal_posts(world)
    assert f"replace “{OLD}” with “{NEW}”" in post.text
    for user, choice in (("U001", "yes"), ("U002", "yes"), ("U0MGR", "yes"), ("U003", "no")):
        vote(world, user, choice, post)
    world.tick("2026-11-09T09:00:00+00:00")  # Monday 10:00: still open, the old prompt
    (first,) = member_checkins(world)
    assert OLD in first and NEW not in first
    world.tick(A_WEEK_LATER)
    assert "Adopted" in outcome_in_thread(world, post)
    assert changelog(world)[-1] == ("by team vote 3–1", "Weekly check-ins: its prompts changed")
    assert team_prompts(world, "weekly_feedback") == {
        "member": ["What did you get done since we last spoke?", "What is next?", NEW],
        "manager": None, "upward": None, "rotating": None}
    world.tick("2026-11-16T09:00:00+00:00")  # the next Monday's check-in
    latest = member_checkins(world)[-1]
    assert NEW in latest and OLD not in latest
    assert "One suggestion." in latest  # the managers' defaults are untouched


def test_a_prompt_added_to_the_retro_defaults_stores_the_whole_list(world: World) -> None:
    """Kills: an add or replace on a ritual with default prompts storing only the new
    prompt (the team's list losing the defaults it saw); an adopted add not applied."""
    setup_team(world)
    assert propose_prompt(world, ritual="retro", kind="prompt_replace", role="all",
                          number="2", text="What slowed us down?") == {}
    assert propose_prompt(world, ritual="retro", kind="prompt_add",
                          text="What surprised us?") == {}  # no role: its one list
    replaced = [*RETRO_DEFAULTS]
    replaced[1] = "What slowed us down?"
    assert stored_changes(world) == [{"rituals": {"retro": {"prompts": replaced}}},
                                     {"rituals": {"retro": {"prompts": [
                                         *RETRO_DEFAULTS, "What surprised us?"]}}}]
    world.tick(NOW)
    added = next(p for p in proposal_posts(world) if "add the prompt" in p.text)
    for user in ("U001", "U002", "U003"):
        vote(world, user, "yes", added)
    world.tick(A_WEEK_LATER)
    assert team_prompts(world, "retro") == [*RETRO_DEFAULTS, "What surprised us?"]


def test_bad_prompt_changes_are_refused_on_their_field_and_nothing_is_stored(
        world: World) -> None:
    """Kills: removing a role's last prompt, or adding a 6th, put to a vote (1–5 per
    role); a too-long or mentioning prompt accepted; a role the ritual does not have
    accepted; any refused proposal stored."""
    setup_team(world, trial='\n        prompts: ["Only one?"]')  # retro: one prompt
    refused = propose_prompt(world, ritual="retro", kind="prompt_remove", role="all",
                             number="1")
    assert refused == {"proposal_prompt_number": (
        "Retrospective: 1 to 5 prompts, and this is the last one. Replace it instead.")}
    assert "proposal_role" in propose_prompt(world, ritual="retro", kind="prompt_add",
                                             role="manager", text="Fine?")
    assert propose_prompt(world, ritual="retro", kind="prompt_replace", role="all",
                          number="2", text="Fine?") == {
        "proposal_prompt_number": "Which prompt: a number from 1 to 1, as the message "
                                  "asks them."}
    too_long = propose_prompt(world, ritual="retro", kind="prompt_add", text="x" * 301)
    assert too_long == {"proposal_text": "A prompt is at most 300 characters "
                                                   "(this one has 301)."}
    for hostile in ("Tell <!channel> now?", "Ask <@U002>?", "Ping <!subteam^S1>?"):
        errors = propose_prompt(world, ritual="retro", kind="prompt_add", text=hostile)
        assert "may not mention anyone" in errors["proposal_text"]
    assert propose_prompt(world, ritual="retro", kind="prompt_add", text=None) == {
        "proposal_text": "Write the new prompt."}
    assert "proposal_role" in propose_prompt(world, ritual="weekly_feedback",
                                             kind="prompt_add", text="Fine?")
    full = ["One?", "Two?", "Three?", "Four?", "Five?"]
    world.load(TEAM.replace("{trial}", f"\n        prompts: {json.dumps(full)}"))
    assert propose_prompt(world, ritual="retro", kind="prompt_add", text="Six?") == {
        "proposal_text": "Retrospective: 1 to 5 prompts, and it has 5 already. "
                         "Replace or remove one instead."}
    assert proposals_count(world) == 0
    assert team_prompts(world, "retro") == full
    # Removing one of five is fine: the list left is stored whole.
    assert propose_prompt(world, ritual="retro", kind="prompt_remove", number="2") == {}
    assert stored_changes(world) == [{"rituals": {"retro": {"prompts": [
        "One?", "Three?", "Four?", "Five?"]}}}]
