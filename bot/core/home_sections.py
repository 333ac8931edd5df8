"""What the App Home shows each role, read from storage as plain data for the template.

A member sees only their own things: their next check-ins, commitments and goals (P7).
A coach sees configuration and, per ritual, whether recent runs were held, team-level
only: a week of check-ins is one outcome for the whole team, never who was or was not
sent one, and nothing here counts replies (P1). Managers' digests are in `home.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.messages.render import slack_escape
from bot.rituals.common.schedule import fire_times_between, next_fire_time
from bot.rituals.common.sessions import TEAM_SUBJECT
from bot.rituals.digest.period import period_name
from bot.rituals.digest.policy import MIN_GROUP_FLOOR
from bot.storage.models import Commitment, Digest, Goal, Occurrence, Person, Ritual, Team, TeamRole
from bot.storage.scoping import rituals_in
from bot.storage.teams import active_people, line_manager, ritual_cadence, skip_dates

RITUAL_NAMES = {"weekly_feedback": "Weekly check-ins", "monthly_goals": "Goal sharing",
                "quads": "Quads", "digest": "Digest"}
RITUAL_ORDER = tuple(RITUAL_NAMES)
QUAD_MIN_MEMBERS = 3  # quads are not formed below this (bot/rituals/quads/flows.py)
HEALTH_RUNS = 4  # how many recent runs of each ritual a coach sees
MAX_SKIPPED_RUNS = 60  # holidays in a row we look past for a "next run"
# A digest fire time this recent with no digest yet is still being built, not missed.
DIGEST_GRACE = timedelta(hours=3)

# Occurrence status -> what a coach is told. "held" is the quads' team-level marker.
OUTCOMES = {"sent": "held", "held": "held", "missed": "not_held", "failed": "not_held",
            "skipped": "skipped", "pending": "pending"}
SYMBOLS = {"held": "✅", "not_held": "✗", "skipped": "⏸", "pending": "⏳"}
LEGEND = "✅ held · ✗ not held · ⏸ skipped (holiday) · ⏳ under way"


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
    rows = session.scalars(
        select(TeamRole).join(Team).where(Team.workspace_id == workspace_id,
                                          TeamRole.user_id == user_id,
                                          TeamRole.active.is_(True))
        .options(selectinload(TeamRole.team).selectinload(Team.rituals),
                 selectinload(TeamRole.team).selectinload(Team.roles))
        .order_by(Team.name, Team.id)).all()
    roles = Roles()
    for row in rows:
        if row.role == "member":
            roles.member.append((row.team, row))
        elif row.role == "coach":
            roles.coach.append(row.team)
        elif row.role == "manager":
            roles.manager.append(row.team)
    return roles


def when(instant: datetime, zone: ZoneInfo) -> str:
    local = instant.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def next_run(ritual: Ritual, zone: ZoneInfo, now: datetime, *, since: datetime,
             away_until: date | None = None) -> datetime | None:
    """The next fire time that will actually run: past holidays and an away period."""
    holidays = skip_dates(ritual)
    fire = max(now, since)
    for _ in range(MAX_SKIPPED_RUNS):
        fire = next_fire_time(ritual_cadence(ritual), zone, fire, anchor=ritual.anchor_date)
        day = fire.astimezone(zone).date()
        if day not in holidays and (away_until is None or day > away_until):
            return fire
    return None


def _rituals(team: Team) -> list[Ritual]:
    return sorted(team.rituals, key=lambda r: (RITUAL_ORDER.index(r.kind)
                                               if r.kind in RITUAL_ORDER else 99, r.id))


# -- member ---------------------------------------------------------------------------
def next_checkins(member: list[tuple[Team, TeamRole]], person: Person | None,
                  now: datetime) -> list[str]:
    """One line per ritual the person takes part in, soonest first."""
    dated: list[tuple[datetime, str]] = []
    for team, role in member:
        for ritual in _rituals(team):
            if ritual.enabled:
                entry = _checkin_line(team, role, ritual, person, now)
                if entry is not None:
                    dated.append(entry)
    return [line for _, line in sorted(dated, key=lambda item: item[0])]


def _checkin_line(team: Team, role: TeamRole, ritual: Ritual, person: Person | None,
                  now: datetime) -> tuple[datetime, str] | None:
    name = slack_escape(team.name)
    if ritual.kind == "weekly_feedback":
        manager = line_manager(team, role)
        if manager is None or manager == role.user_id:
            return None  # nobody to meet, or a manager listed as a member
        title = f"*Weekly check-in* with <@{manager}> · {name}"
        if person is None or not person.tz:
            return (datetime.max.replace(tzinfo=now.tzinfo),
                    f"{title} — {ritual_cadence(ritual).describe()}, in your own time zone "
                    "(tend has not learned it from Slack yet)")
        zone = ZoneInfo(person.tz)
        fire = next_run(ritual, zone, now, since=max(role.since, ritual.since),
                        away_until=person.away_until)
        return None if fire is None else (
            fire, f"{title} — {when(fire, zone)} your time ({person.tz})")
    if ritual.kind == "quads" and len(active_people(team, "member")) < QUAD_MIN_MEMBERS:
        return None
    if ritual.kind not in ("monthly_goals", "quads"):
        return None
    zone = ZoneInfo(team.timezone)
    fire = next_run(ritual, zone, now, since=ritual.since)
    if fire is None:
        return None
    title = (f"*Goal sharing* in <#{team.channel_id}> · {name}"
             if ritual.kind == "monthly_goals" else f"*Quad cycle* · {name}")
    return fire, f"{title} — {when(fire, zone)} ({team.timezone})"


def open_commitments(session: Session, workspace_id: str, user_id: str) -> list[Commitment]:
    return list(session.scalars(
        select(Commitment).where(Commitment.owner_id == user_id, Commitment.status == "open",
                                 Commitment.ritual_id.in_(rituals_in(workspace_id)))
        .order_by(Commitment.due_date, Commitment.id)))


def listing_occurrence(session: Session, commitment: Commitment) -> Occurrence | None:
    """The latest sent message that lists this commitment with its buttons, if any.

    A Home click acts as if it were made there: "Not yet" carries the commitment from
    that check-in (once), and that message is updated to match.
    """
    query = (select(Occurrence)
             .where(Occurrence.ritual_id == commitment.ritual_id, Occurrence.status == "sent",
                    Occurrence.scheduled_at >= commitment.created_at)
             .order_by(Occurrence.scheduled_at.desc()).limit(20))
    if session.get_one(Ritual, commitment.ritual_id).kind == "weekly_feedback":
        query = query.where(Occurrence.subject_id == commitment.pair_member_id)
    return next((o for o in session.scalars(query)
                 if commitment.id in o.details.get("commitments", [])), None)


def commitment_item(session: Session, commitment: Commitment, *, today: date
                    ) -> dict[str, Any]:
    ritual = session.get_one(Ritual, commitment.ritual_id)
    listing = listing_occurrence(session, commitment)
    carried = listing is not None and commitment.carried_in_occurrence_id == listing.id
    quad = ritual.kind == "quads"
    where = "your quad" if quad else "your check-in"
    note = ""
    if carried:
        note = "  ⏳ *not yet* — carried to the next check-in"
    elif commitment.due_date < today:
        note = "  (past its date)"
    return {"id": commitment.id, "text": commitment.text, "due_date": commitment.due_date,
            "quad": quad, "where": f"{where} · {slack_escape(ritual.team.name)}",
            "note": note,
            # Without a message listing it there is no check-in to carry it from yet.
            "can_carry": listing is not None and not carried}


def open_goals(session: Session, workspace_id: str, user_id: str) -> list[dict[str, Any]]:
    goals = session.scalars(
        select(Goal).where(Goal.owner_id == user_id, Goal.status == "open",
                           Goal.ritual_id.in_(rituals_in(workspace_id)))
        .order_by(Goal.due_date, Goal.id)).all()
    teams = {r.id: r.team.name for r in session.scalars(
        select(Ritual).where(Ritual.id.in_({g.ritual_id for g in goals})))}
    return [{"what": g.what, "measure": g.measure, "due_date": g.due_date,
             "team": slack_escape(teams.get(g.ritual_id, ""))} for g in goals]


def smallest_min_group(teams: list[Team]) -> int:
    """The lowest `min_group` among these teams: "at least N people" is true of each."""
    found = [int(r.options.get("min_group", MIN_GROUP_FLOOR))
             for team in teams for r in team.rituals if r.kind == "digest"]
    return max(MIN_GROUP_FLOOR, min(found, default=MIN_GROUP_FLOOR))


# -- coach ----------------------------------------------------------------------------
def coach_team(session: Session, team: Team, now: datetime) -> dict[str, Any]:
    members = len(active_people(team, "member"))
    managers = len(active_people(team, "manager"))
    people = (f"{members} member{'s' if members != 1 else ''}, "
              f"{managers} manager{'s' if managers != 1 else ''}")
    rituals = _rituals(team)
    return {"key": team.key, "name": slack_escape(team.name), "people": people,
            "lines": [_configuration_line(team, r, now) for r in rituals] or [
                "No rituals configured yet."],
            "health": [line for r in rituals if (line := _health_line(session, team, r, now))]}


def _configuration_line(team: Team, ritual: Ritual, now: datetime) -> str:
    name = RITUAL_NAMES.get(ritual.kind, ritual.kind)
    cadence = ritual_cadence(ritual).describe()
    if not ritual.enabled:
        return f"• *{name}*: {cadence} — paused"
    zone = ZoneInfo(team.timezone)
    fire = next_run(ritual, zone, now, since=ritual.since)
    upcoming = when(fire, zone) if fire else "none scheduled"
    if ritual.kind == "weekly_feedback":
        return (f"• *{name}*: {cadence}, in each member's own time zone — next e.g. "
                f"{upcoming} in {team.timezone}")
    return f"• *{name}*: {cadence} ({team.timezone}) — next {upcoming}"


def _health_line(session: Session, team: Team, ritual: Ritual, now: datetime) -> str | None:
    if ritual.kind == "weekly_feedback":
        runs = _checkin_weeks(session, team, ritual, now)
    elif ritual.kind == "digest":
        runs = _digest_runs(session, team, ritual, now)
    else:
        runs = _team_sessions(session, team, ritual, now)
    if not runs and not ritual.enabled:
        return None
    shown = " · ".join(f"{SYMBOLS[outcome]} {label}" for label, outcome in runs)
    return f"*{RITUAL_NAMES.get(ritual.kind, ritual.kind)}*: {shown or 'no runs yet'}"


def _checkin_weeks(session: Session, team: Team, ritual: Ritual, now: datetime
                   ) -> list[tuple[str, str]]:
    """One outcome per week for the whole team: held if any check-in was sent.

    Each check-in is placed in its member's own calendar week, then only the week's
    combined outcome is kept: who was or was not sent one is not shown.
    """
    every = 2 if ritual.every == "2 weeks" else 1
    rows = session.execute(
        select(Occurrence.subject_id, Occurrence.scheduled_at, Occurrence.status)
        .where(Occurrence.ritual_id == ritual.id, Occurrence.scheduled_at <= now,
               Occurrence.scheduled_at >= now - timedelta(weeks=(HEALTH_RUNS + 1) * every))
    ).all()
    zones = dict(session.execute(select(Person.user_id, Person.tz).where(
        Person.workspace_id == team.workspace_id,
        Person.user_id.in_({subject for subject, _, _ in rows}))).all())
    weeks: dict[date, set[str]] = {}
    for subject, scheduled_at, status in rows:
        local = scheduled_at.astimezone(ZoneInfo(zones.get(subject) or team.timezone)).date()
        weeks.setdefault(local - timedelta(days=local.weekday()), set()).add(
            OUTCOMES.get(status, "not_held"))
    return [(f"wk {monday.day} {monday:%b}", _combined(weeks[monday]))
            for monday in sorted(weeks)[-HEALTH_RUNS:]]


def _combined(outcomes: set[str]) -> str:
    for outcome in ("held", "pending", "not_held"):
        if outcome in outcomes:
            return outcome
    return "skipped"


def _team_sessions(session: Session, team: Team, ritual: Ritual, now: datetime
                   ) -> list[tuple[str, str]]:
    rows = session.scalars(
        select(Occurrence).where(Occurrence.ritual_id == ritual.id,
                                 Occurrence.subject_id == TEAM_SUBJECT,
                                 Occurrence.scheduled_at <= now)
        .order_by(Occurrence.scheduled_at.desc()).limit(HEALTH_RUNS)).all()
    zone = ZoneInfo(team.timezone)
    runs: list[tuple[str, str]] = []
    for row in reversed(rows):
        local = row.scheduled_at.astimezone(zone)
        label = f"{local:%b}" if ritual.kind == "monthly_goals" else f"{local.day} {local:%b}"
        # A quad cycle with too few members is marked but formed no quads.
        outcome = ("not_held" if row.reason == "too_few_members"
                   else OUTCOMES.get(row.status, "not_held"))
        runs.append((label, outcome))
    return runs


def _digest_runs(session: Session, team: Team, ritual: Ritual, now: datetime
                 ) -> list[tuple[str, str]]:
    """Each recent fire time of the digest, and whether that period's digest exists."""
    cadence, zone = ritual_cadence(ritual), ZoneInfo(team.timezone)
    span = timedelta(days=36) if cadence.every == "month" else timedelta(weeks=2)
    start = max(ritual.since, now - span * (HEALTH_RUNS + 1))
    fires = fire_times_between(cadence, zone, start, now,
                               anchor=ritual.anchor_date)[-HEALTH_RUNS:]
    posted = set(session.scalars(select(Digest.period).where(Digest.team_id == team.id)))
    runs: list[tuple[str, str]] = []
    for fire in fires:
        local = fire.astimezone(zone)
        label = f"{local:%b}" if cadence.every == "month" else f"{local.day} {local:%b}"
        if period_name(cadence, zone, fire) in posted:
            runs.append((label, "held"))
        elif local.date() in skip_dates(ritual):
            runs.append((label, "skipped"))
        else:
            runs.append((label, "pending" if now - fire < DIGEST_GRACE else "not_held"))
    return runs
