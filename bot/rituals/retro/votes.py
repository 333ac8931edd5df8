"""A Keep / Change / Drop click: recorded once per member per ritual per retro (P8)."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from bot.platform.context import Services
from bot.platform.followups import Followup, Note
from bot.rituals.base import RitualDefinition
from bot.rituals.kinds import RitualKind
from bot.rituals.retro.rules import RetroChoice
from bot.storage.models import Occurrence
from bot.storage.retro import record_vote, result_of
from bot.storage.scoping import occurrence_in_workspace
from bot.storage.teams import active_people

log = logging.getLogger(__name__)

NOT_IN_TEAM = "Only the team's members and managers vote in its retrospective."
CLOSED = "Voting on this retrospective has closed: nothing was changed."
GONE = "That retrospective or ritual no longer exists."
RECORDED = ("Your vote — *{choice}* on *{title}* — is recorded. It is secret: nobody sees "
            "who voted what. Click another button to change it. Only the team's counts "
            "are shown, after voting closes, and only when enough people voted.")


def vote(services: Services, *, workspace_id: str, occurrence_id: int, ritual_id: int,
         choice: RetroChoice, user_id: str, channel_id: str) -> Followup:
    """Record the vote (a replay or a change of mind replaces it); the followup tells
    the voter privately what happened."""
    with services.db.scope() as session:
        occurrence = occurrence_in_workspace(session, occurrence_id, workspace_id)
        refusal, title = _check(session, occurrence, ritual_id, user_id)
        if refusal is None:
            record_vote(session, occurrence_id=occurrence_id, ritual_id=ritual_id,
                        user_id=user_id, choice=choice, now=services.now())
            log.info("retro %s: a vote recorded", occurrence_id)  # never who, never what
    text = refusal or RECORDED.format(choice=choice.value, title=title)
    return Followup(workspace_id, (Note(user_id, text, channel=channel_id),))


def _check(session: Session, occurrence: Occurrence | None, ritual_id: int, user_id: str
           ) -> tuple[str | None, str]:
    """Why the vote is refused (or None), and the voted ritual's title."""
    if occurrence is None or occurrence.ritual.kind != RitualKind.RETRO \
            or ritual_id not in occurrence.details.get("rituals", []):
        return GONE, ""
    team = occurrence.ritual.team
    if user_id not in active_people(team, "member", "manager"):
        return NOT_IN_TEAM, ""
    if result_of(session, occurrence.id) is not None:
        return CLOSED, ""
    voted = next((r for r in team.rituals if r.id == ritual_id), None)
    if voted is None:
        return GONE, ""
    return None, RitualDefinition.titles().get(voted.kind, voted.kind)
