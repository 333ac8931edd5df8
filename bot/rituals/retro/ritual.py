"""The team retrospective (`retro`): one session in the team channel at its cadence, the
team's working agreements (`agree:` lines), and a secret Keep / Change / Drop vote on
each of the team's rituals. Its definition for the registry."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any, ClassVar

from sqlalchemy import Select
from sqlalchemy.orm import Session

from bot.messages.text import slack_escape
from bot.platform.context import Services
from bot.rituals.base import (
    AfterAck,
    PlanReport,
    ReplyLines,
    RitualDefinition,
    SetupPart,
    TeamText,
)
from bot.rituals.common.home import (
    team_session_line,
    team_session_runs,
    team_zone_configuration_line,
)
from bot.rituals.kinds import RitualKind
from bot.rituals.retro import home
from bot.rituals.retro.config import AGREEMENTS_FIELD, PROMPTS, RetroSpec
from bot.rituals.retro.flows import next_closes, plan_retros, sync_agreement_from_reply
from bot.rituals.retro.rules import AgreementError, is_agreement_line
from bot.storage.models import Occurrence, Person, Ritual, Team, TeamRole
from bot.storage.retro import delete_votes_of, replace_agreements, team_agreements, votes_of
from bot.storage.teams import active_role_holders


def _read_agreements(session: Session, team: Team) -> list[str] | None:
    return team_agreements(session, team_id=team.id) or None


def _write_agreements(session: Session, team: Team, texts: list[str], now: datetime) -> bool:
    return replace_agreements(session, team_id=team.id, texts=texts, now=now)


class Retro(RitualDefinition):
    kind = RitualKind.RETRO
    title = "Retrospective"
    help_phrase = "a team retrospective"
    config_spec = RetroSpec
    config_descriptions: ClassVar[dict[str, str]] = {
        "rituals.retro": "The team retrospective in the team channel: what helped, what got "
        "in the way, one thing to try, the team's working agreements, and a secret keep / "
        "change / drop vote on each ritual (team counts only, after 7 days or at the next "
        "retro).",
        "team.agreements": "The team's working agreements (`agree:` lines of its "
        "retrospectives), unattributed, each at most 300 characters. Left out: the "
        "agreements stay as they are; `[]` removes them all.",
        "retro.prompts": "The team's own questions for each retrospective: a list of 1–5. "
        "Left out: tend's defaults (docs/prompts.md).",
    }
    setup = SetupPart(
        title="Team retrospective",
        help="A session in the team channel: what helped, what got in the way, working "
             "agreements, and keep / change / drop on each ritual.",
        defaults={"every": "month", "day": "last thu", "time": "15:00"})
    prompts = PROMPTS
    reply_lines = ReplyLines(is_agreement_line, sync_agreement_from_reply, (AgreementError,))
    team_text = TeamText("agreements", AGREEMENTS_FIELD, _read_agreements, _write_agreements)
    help_lines = ("• In a retrospective's thread, `agree: <a norm the team keeps>` records a "
                  "team working agreement (📌); editing or deleting the line follows",)

    def plan(self, session: Session, *, now: datetime, catchup: timedelta,
             ritual_ids: Collection[int]) -> PlanReport:
        return PlanReport(planned=plan_retros(session, now=now, catchup=catchup,
                                              ritual_ids=ritual_ids))

    def due_besides(self, session: Session, ritual_ids: Collection[int]
                    ) -> dict[int, datetime]:
        return next_closes(session, ritual_ids)  # an open vote closes between sessions

    def register_listeners(self, app: Any, services: Services, after_ack: AfterAck) -> None:
        # Imported only here: bot.handlers, whose guard it uses, imports the registry.
        from bot.rituals.retro import listeners

        listeners.register(app, services, after_ack)

    def participants(self, session: Session, occurrence: Occurrence) -> set[str]:
        """The whole team: the session is in its channel."""
        return active_role_holders(session, occurrence.ritual.team_id)


    def member_line(self, team: Team, role: TeamRole, ritual: Ritual, person: Person | None,
                    now: datetime) -> tuple[datetime, str] | None:
        return team_session_line(
            team, ritual, now,
            f"*Retrospective* in <#{team.channel_id}> · {slack_escape(team.name)}")

    def home_blocks(self, session: Session, *, workspace_id: str, user_id: str,
                    member_of: list[Team], manager_of: list[Team], now: datetime
                    ) -> list[dict[str, Any]]:
        """Every member's and manager's Home lists their teams' agreements."""
        return home.agreement_blocks(session, list(dict.fromkeys([*member_of, *manager_of])))

    def configuration_line(self, team: Team, ritual: Ritual, now: datetime) -> str:
        return team_zone_configuration_line(team, ritual, now, self.title)

    def coach_notes(self, session: Session, team: Team, ritual: Ritual, now: datetime
                    ) -> list[str]:
        return home.coach_notes(session, team, ritual, now)

    def health(self, session: Session, team: Team, ritual: Ritual, now: datetime
               ) -> list[tuple[str, str]]:
        return team_session_runs(session, team, ritual, now, label_format="{month}")

    def export_user(self, session: Session, rituals: Select[int], user_id: str
                    ) -> dict[str, Any]:
        """The person's own retro votes (theirs alone to see: P8)."""
        return {"retro_votes": [
            {"retro": v.occurrence_id, "ritual": v.ritual_id, "choice": v.choice,
             "voted_at": v.updated_at.isoformat()}
            for v in votes_of(session, rituals, user_id)]}

    def forget(self, session: Session, rituals: Select[int], user_id: str
               ) -> list[tuple[int, str]]:
        """Their votes go; agreements are the team's text, unattributed, and stay."""
        return [(delete_votes_of(session, rituals, user_id), "retro votes")]
