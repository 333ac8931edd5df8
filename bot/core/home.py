"""The App Home tab: one view per person, with a section for each role they hold.

Sections, in order: member (next check-ins, open commitments with their buttons, each
ritual's own part — open goals, the teams' working agreements —, what others can see),
coach (configuration, team-level ritual health, Edit),
manager (each team's latest stored digest). Someone with no role gets a welcome.

The view stays within Slack's 100 blocks however many teams and commitments there are:
lists are capped ("…and K more") and digests are added only while they fit whole.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.core import home_sections as sections
from bot.core.commitment_actions import rendered_now
from bot.core.tend_command import stored_digest
from bot.messages.ids import ActionId
from bot.messages.render import MAX_VIEW_BLOCKS, render_view
from bot.platform.context import Services
from bot.platform.followups import Followup, Step, Update
from bot.platform.followups import Home as HomeStep
from bot.rituals import registry
from bot.rituals.common.commitments import close_commitment, local_today
from bot.rituals.digest.home import smallest_min_group
from bot.slack.gateway import SlackCallError
from bot.storage.digests import latest_digest, managers_of_digests_made_at
from bot.storage.models import Commitment, Person, Team

log = logging.getLogger(__name__)

TEMPLATE = "home.json.j2"
MAX_CHECKINS = 8
MAX_COMMITMENTS = 8  # two blocks each
MAX_COACH_TEAMS = 8  # two blocks each


# -- building the view -------------------------------------------------------------------
def build_home(session: Session, workspace_id: str, user_id: str, now: datetime, *,
               notice: str | None = None) -> dict[str, Any]:
    """The Home view for `user_id` (of `workspace_id`) at `now`; `notice` is a one-line
    note shown on top (a refusal after a Home click, which has no conversation to answer
    in)."""
    roles = sections.roles_of(session, workspace_id, user_id)
    context: dict[str, Any] = {
        "notice": notice, "welcome": roles.none, "edit_action": ActionId.HOME_EDIT_TEAM.value,
        "legend": sections.LEGEND,
        "member": (_member(session, workspace_id, user_id, roles, now) if roles.member
                   else None),
        "coach": _coach(session, roles.coach, now) if roles.coach else None,
        # Each ritual's part for a member or manager (open goals, agreements).
        "team_blocks": sections.ritual_blocks(session, workspace_id, user_id, roles, now),
    }
    # The latest digest of each of their teams: the team sees its own output (a coach
    # sees configuration and health, not digests).
    teams = list(dict.fromkeys([*roles.manager, *(team for team, _ in roles.member)]))
    if not teams:
        return render_view(TEMPLATE, manager=None, **context)
    # Everything else first, then as many whole digests as the remaining blocks allow.
    skeleton = render_view(TEMPLATE, manager={"digests": [], "more": len(teams)}, **context)
    shown = _fitting(session, teams, MAX_VIEW_BLOCKS - len(skeleton["blocks"]))
    return render_view(TEMPLATE, manager={"digests": shown, "more": len(teams) - len(shown)},
                       **context)


def _cap(items: list[Any], limit: int) -> tuple[list[Any], int]:
    return items[:limit], max(0, len(items) - limit)


def _member(session: Session, workspace_id: str, user_id: str, roles: sections.Roles,
            now: datetime) -> dict[str, Any]:
    person = session.get(Person, (workspace_id, user_id))
    today = local_today(session, workspace_id, user_id, now)
    checkins, more_checkins = _cap(sections.next_runs(roles.member, person, now),
                                   MAX_CHECKINS)
    commitments, more_commitments = _cap(
        sections.open_commitments(session, workspace_id, user_id), MAX_COMMITMENTS)
    return {"checkins": checkins, "more_checkins": more_checkins,
            "commitments": [sections.commitment_item(session, c, today=today)
                            for c in commitments],
            "more_commitments": more_commitments,
            "min_group": smallest_min_group([team for team, _ in roles.member])}


def _coach(session: Session, teams: list[Team], now: datetime) -> dict[str, Any]:
    shown, more = _cap(teams, MAX_COACH_TEAMS)
    return {"teams": [sections.coach_team(session, team, now) for team in shown],
            "more": more}


def _fitting(session: Session, teams: list[Team], room: int) -> list[dict[str, Any]]:
    """The leading teams' digests that fit whole in `room` blocks ("No digest yet" takes
    one), rendered one by one so that digests which will not be shown are not built."""
    shown: list[dict[str, Any]] = []
    for team in teams:
        row = latest_digest(session, team.id)
        blocks = stored_digest(team, row.view).blocks if row else None
        cost = len(blocks) if blocks else 1
        if cost > room:
            break
        shown.append({"name": team.name, "blocks": blocks})
        room -= cost
    return shown


# -- publishing --------------------------------------------------------------------------
def publish_home(services: Services, workspace_id: str, user_id: str, *,
                 notice: str | None = None) -> bool:
    """Build and publish `user_id`'s Home; False (logged) if Slack refused it."""
    with services.db.scope() as session:
        view = build_home(session, workspace_id, user_id, services.now(), notice=notice)
    try:
        services.gateway_for(workspace_id).publish_home(user_id, view)
    except SlackCallError as exc:
        log.warning("home not published: %s", exc)
        return False
    return True


def refresh_homes(services: Services, workspace_id: str, user_ids: Iterable[str]) -> None:
    """Re-publish the Homes of the people whose Home shows something that changed."""
    refresh_homes_of(services, ((workspace_id, user_id) for user_id in user_ids))


def refresh_homes_of(services: Services, people: Iterable[tuple[str, str]]) -> None:
    """`refresh_homes` for (workspace, user) pairs from several workspaces (the clock)."""
    for workspace_id, user_id in dict.fromkeys(people):
        publish_home(services, workspace_id, user_id)


def managers_of_new_digests(session: Session, *, now: datetime) -> list[tuple[str, str]]:
    """Who should see a new digest on their Home, as (workspace, user): the managers of
    each team whose digest was published at `now` (a tick stamps the digests it
    publishes with its `now`)."""
    return managers_of_digests_made_at(session, now)


# -- clicks in the Home --------------------------------------------------------------------
def close_from_home(services: Services, *, workspace_id: str, commitment_id: int,
                    decision: str, user_id: str) -> Followup:
    """A Done / Not yet / Drop or Kept / Partly / Missed click in the Home tab.

    It acts as a click in the latest message listing the commitment would (so "Not yet"
    carries it once per check-in). The followup updates that message to match, then
    re-publishes the Home, with the refusal on top if the click was refused: a Home
    click has no conversation to answer in privately.
    """
    now = services.now()
    steps: list[Step] = []
    with services.db.scope() as session:
        commitment = session.get(Commitment, commitment_id)
        listing = (sections.listing_occurrence(session, commitment)
                   if commitment is not None else None)
        outcome = close_commitment(session, workspace_id=workspace_id,
                                   commitment_id=commitment_id, user_id=user_id,
                                   decision=decision,
                                   occurrence_id=listing.id if listing else None, now=now,
                                   policy_of=registry.commitment_policy)
        message = (rendered_now(session, listing, workspace_id=workspace_id, user_id=user_id,
                                 now=now)
                   if outcome.ok and listing is not None else None)
        if message is not None and listing is not None and listing.channel_id \
                and listing.message_ts:
            steps.append(Update(listing.channel_id, listing.message_ts, message.text,
                                message.blocks))
    # If Slack refuses the update, the message lags behind but the Home is still right.
    steps.append(HomeStep(user_id, notice=None if outcome.ok
                          else outcome.message or "That did not work."))
    return Followup(workspace_id, tuple(steps))
