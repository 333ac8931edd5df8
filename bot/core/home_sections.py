"""What the App Home shows each role, read from storage as plain data for the template.

A member sees only their own things: their next check-ins, commitments and (from each
ritual's `home_blocks`) goals (P7), and their teams' working agreements.
A coach sees configuration and, per ritual, whether recent runs were sent, team-level
only: a week of check-ins is one outcome for the whole team, never who was or was not
sent one, and nothing here counts replies (P1). Managers' digests are in `home.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.domain.enums import CommitmentDecision
from bot.domain.outcomes import CARRIED_NOTE
from bot.messages.text import slack_escape
from bot.rituals import registry
from bot.rituals.base import RitualDefinition
from bot.storage.commitments import open_commitments_of
from bot.storage.models import Commitment, Occurrence, Person, Ritual, Team, TeamRole
from bot.storage.occurrences import recent_listings
from bot.storage.proposals import changes_of
from bot.storage.scoping import rituals_in
from bot.storage.teams import active_people, active_roles_with_teams

SYMBOLS = {"sent": "✅", "not_sent": "✗", "skipped": "⏸", "pending": "⏳"}
LEGEND = "✅ sent · ✗ not sent · ⏸ skipped (holiday) · ⏳ under way"


@dataclass
class Roles:
    """The active roles of one person, by team (a person can hold several)."""

    member: list[tuple[Team, TeamRole]] = field(default_factory=list)
    coach: list[Team] = field(default_factory=list)
    manager: list[Team] = field(default_factory=list)

    @property
    def none(self) -> bool:
        return not (self.member or self.coach or self.manager)


def roles_of(session: Session, workspace_id: str, user_id: str) -> Roles:
    roles = Roles()
    for row in active_roles_with_teams(session, workspace_id, user_id):
        if row.role == "member":
            roles.member.append((row.team, row))
        elif row.role == "coach":
            roles.coach.append(row.team)
        elif row.role == "manager":
            roles.manager.append(row.team)
    return roles


def _rituals(team: Team) -> list[tuple[Ritual, RitualDefinition]]:
    """The team's rituals tend knows, in the registry's order."""
    found = [(r, d) for r in team.rituals if (d := registry.find(r.kind)) is not None]
    return sorted(found, key=lambda pair: (registry.order(pair[0].kind), pair[0].id))


# -- member ---------------------------------------------------------------------------
def next_runs(member: list[tuple[Team, TeamRole]], person: Person | None,
                  now: datetime) -> list[str]:
    """One line per ritual the person takes part in, soonest first."""
    dated: list[tuple[datetime, str]] = []
    for team, role in member:
        for ritual, definition in _rituals(team):
            if ritual.enabled:
                entry = definition.member_line(team, role, ritual, person, now)
                if entry is not None:
                    dated.append(entry)
    return [line for _, line in sorted(dated, key=lambda item: item[0])]


def ritual_blocks(session: Session, workspace_id: str, user_id: str, roles: Roles,
                  now: datetime) -> list[dict[str, Any]]:
    """Each ritual's own part of a member's or manager's Home (goal sharing: their open
    goals; the retro: their teams' agreements), in the registry's order."""
    member_of = [team for team, _ in roles.member]
    if not (member_of or roles.manager):
        return []
    return [block for ritual in registry.all_rituals()
            for block in ritual.home_blocks(session, workspace_id=workspace_id,
                                            user_id=user_id, member_of=member_of,
                                            manager_of=roles.manager, now=now)]


def open_commitments(session: Session, workspace_id: str, user_id: str) -> list[Commitment]:
    return open_commitments_of(session, rituals_in(workspace_id), user_id)


def listing_occurrence(session: Session, commitment: Commitment) -> Occurrence | None:
    """The latest sent message that lists this commitment with its buttons, if any.

    A Home click acts as if it were made there: "Not yet" carries the commitment from
    that check-in (once), and that message is updated to match.
    """
    policy = registry.commitment_policy(session.get_one(Ritual, commitment.ritual_id).kind)
    pair_only = policy is not None and not policy.owned_by_member  # in its own check-ins
    listings = recent_listings(session, ritual_id=commitment.ritual_id,
                               since=commitment.created_at,
                               subject_id=commitment.pair_member_id if pair_only else None)
    return next((o for o in listings if commitment.id in o.details.get("commitments", [])),
                None)


def commitment_item(session: Session, commitment: Commitment, *, today: date
                    ) -> dict[str, Any]:
    ritual = session.get_one(Ritual, commitment.ritual_id)
    listing = listing_occurrence(session, commitment)
    carried = listing is not None and commitment.carried_in_occurrence_id == listing.id
    policy = registry.commitment_policy(ritual.kind)
    where = policy.where if policy else "your check-in"
    note = ""
    if carried:
        note = f"{CARRIED_NOTE} to the next check-in"
    elif commitment.due_date < today:
        note = "  (past its date)"
    return {"id": commitment.id, "text": commitment.text, "due_date": commitment.due_date,
            "closes_as_kept": policy is not None
            and CommitmentDecision.KEPT in policy.decisions,
            "where": f"{where} · {slack_escape(ritual.team.name)}",
            "note": note,
            # Without a message listing it there is no check-in to carry it from yet.
            "can_carry": listing is not None and not carried}



# -- coach ----------------------------------------------------------------------------
def coach_team(session: Session, team: Team, now: datetime) -> dict[str, Any]:
    members = len(active_people(team, "member"))
    managers = len(active_people(team, "manager"))
    people = (f"{members} member{'s' if members != 1 else ''}, "
              f"{managers} manager{'s' if managers != 1 else ''}")
    rituals = _rituals(team)
    return {"key": team.key, "name": slack_escape(team.name), "people": people,
            "lines": [line for r, d in rituals
                      for line in (_configuration_line(team, r, d, now),
                                   *d.coach_notes(session, team, r, now))] or [
                "No rituals configured yet."],
            "health": [line for r, d in rituals
                       if (line := _health_line(session, team, r, d, now))],
            "changes": changelog_lines(session, team, limit=CHANGES_SHOWN)}


CHANGES_SHOWN = 3  # the latest changes on the coach's Home; `tend export --changelog` all


def changelog_lines(session: Session, team: Team, *, limit: int | None = None) -> list[str]:
    """The team's changelog, newest first: when, what, and how (never who voted, never
    an unsigned proposer: neither is recorded)."""
    zone = ZoneInfo(team.timezone)
    lines = [f"{c.at.astimezone(zone):%Y-%m-%d %H:%M} · {slack_escape(c.what)} ({c.how})"
             for c in changes_of(session, team.id, limit=limit)]
    return ["*Changes*: " + lines[0], *lines[1:]] if lines else []


def _configuration_line(team: Team, ritual: Ritual, definition: RitualDefinition,
                        now: datetime) -> str:
    return definition.configuration_line(team, ritual, now)


def _health_line(session: Session, team: Team, ritual: Ritual, definition: RitualDefinition,
                 now: datetime) -> str | None:
    runs = definition.health(session, team, ritual, now)
    if not runs and not ritual.enabled:
        return None
    shown = " · ".join(f"{SYMBOLS[outcome]} {label}" for label, outcome in runs)
    return f"*{definition.title}*: {shown or 'no runs yet'}"
