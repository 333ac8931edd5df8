"""The `/tend` command: what each person may ask for, answered privately.

Every answer goes back in the command's acknowledgement (ephemeral), so only the
person who typed it sees it. Slow work (`my-data`) is done after the ack.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.core.nudges import set_reminders
from bot.core.setup import may_set_up
from bot.messages.render import MAX_MESSAGE_BLOCKS, Message, Template, render_message
from bot.platform.context import Caller, Services
from bot.rituals import registry
from bot.rituals.common.commitment_rules import CommitmentError, parse_when
from bot.rituals.common.commitments import local_today
from bot.rituals.common.schedule import next_fire_time
from bot.rituals.digest.chart import render_trend_chart
from bot.rituals.digest.flows import render_digest, view_from_json
from bot.rituals.digest.period import Window
from bot.storage.digests import latest_digest
from bot.storage.models import Person, Team, TeamRole
from bot.storage.schedules import recompute_next_due
from bot.storage.teams import ritual_cadence, roles_of, team_by_key, teams_where

NOT_ON_A_TEAM = ("Only a team's members and managers can read its digest here, and only "
                 "for their own teams. The digest has team-level figures only.")
NOT_A_COACH = "Only {team}'s coaches (or a workspace admin) can change its rituals."


@dataclass(frozen=True)
class Answer:
    message: Message
    open_setup: str | None = None  # "" for a new team, else the team key
    later: str | None = None  # work to do after the ack ("my-data")
    open_propose: bool = False  # the proposal modal (its trigger lasts 3 s)


def answer(services: Services, caller: Caller, text: str) -> Answer:
    words = text.strip().split()
    verb = words[0].lower() if words else "help"
    handler = COMMANDS.get(verb)
    if handler is None:
        return Answer(_notice(f"I don't know `/tend {verb}`.\n\n{help_text(services, caller)}"))
    return handler(services, caller, words[1:])


def _notice(text: str) -> Message:
    return render_message(Template.NOTICE, text=text)


# -- help, by role -------------------------------------------------------------------------
def _roles(services: Services, caller: Caller) -> set[str]:
    with services.db.scope() as session:
        return {role.role for role in session.scalars(
            roles_of(caller.workspace_id, caller.user_id).where(TeamRole.active.is_(True)))}


def help_text(services: Services, caller: Caller) -> str:
    roles = _roles(services, caller)
    phrases = [r.help_phrase for r in registry.all_rituals()]
    lines = ["*tend* holds short, regular, two-way conversations: "
             f"{', '.join(phrases[:-1])}, and {phrases[-1]}.", ""]
    if "member" in roles or not roles:
        lines += ["• `/tend away 2026-12-31` — no prompts for you until then (`/tend away off`"
                  " to come back); nobody is told who is away",
                  "• `/tend reminders off` / `on` — the one private reminder for an "
                  "unanswered prompt"]
        lines += [line for r in registry.all_rituals() for line in r.help_lines]
        lines.append("• `share: <words>` in any tend thread — offers those words to your "
                     "team's digest, unnamed (`share named: <words>` signs them); edit the "
                     "line away to take them back")
    if roles & {"member", "manager"}:
        lines.append("• `/tend propose` — propose a change to one of your team's rituals: "
                     "the team decides by secret vote")
        lines.append("• `/tend digest` — the latest digest of each of your teams")
    if "coach" in roles:
        lines += ["• `/tend setup [team]` — create or edit a team and its rituals",
                  "• `/tend pause team ritual` / `resume team ritual` — e.g. "
                  "`/tend pause platform quads`",
                  "• `/tend skip team ritual` — skip its next occurrence; "
                  "`/tend skip team 2026-12-25` — a holiday for all its rituals"]
    lines += ["• `/tend my-data` — everything tend stores about you, as a file in a DM",
              "• `/tend forget-me` — delete your stored answers (asks first)",
              "• `/tend help` — this list"]
    return "\n".join(lines)


def _help(services: Services, caller: Caller, args: list[str]) -> Answer:
    return Answer(_notice(help_text(services, caller)))


# -- members and managers: their own teams' digests -----------------------------------------
def _digest(services: Services, caller: Caller, args: list[str]) -> Answer:
    return Answer(digests_for(services, caller))


def digests_for(services: Services, caller: Caller) -> Message:
    """The latest digest of each team the caller is a member or manager of, in the
    caller's workspace (a coach reads configuration and health, not digests: P7)."""
    with services.db.scope() as session:
        teams = own_teams(session, caller.workspace_id, caller.user_id)
        if not teams:
            return _notice(NOT_ON_A_TEAM)
        parts: list[Message] = []
        for team in teams:
            row = latest_digest(session, team.id)
            parts.append(stored_digest(team, row.view) if row else _notice(
                f"No digest has been posted for *{team.name}* yet."))
    return _combine(parts)


def own_teams(session: Session, workspace_id: str, user_id: str) -> list[Team]:
    """The teams whose digest the person may read: those they are a member or a manager
    of (active), each once, by name."""
    teams = {team.id: team for role in ("member", "manager")
             for team in teams_where(session, workspace_id, user_id, role)}
    return sorted(teams.values(), key=lambda team: (team.name, team.id))


def stored_digest(team: Team, stored: dict[str, object]) -> Message:
    view = view_from_json(stored["policy"])  # type: ignore[arg-type]
    window = Window(period=view.period,
                    start=datetime.fromisoformat(str(stored["start"])),
                    end=datetime.fromisoformat(str(stored["end"])))
    chart = render_trend_chart([], title=team.name)  # the text trend is in the message
    return render_digest(view, window, ZoneInfo(team.timezone), int(str(stored["min_group"])),
                         chart)


def _combine(parts: list[Message]) -> Message:
    blocks: list[dict[str, object]] = []
    for part in parts:
        if len(blocks) + len(part.blocks) > MAX_MESSAGE_BLOCKS:
            break
        blocks.extend(part.blocks)
    return Message(text=" · ".join(p.text for p in parts), blocks=blocks)


# -- anyone in a team: propose a change ------------------------------------------------------
def _propose(services: Services, caller: Caller, args: list[str]) -> Answer:
    return Answer(_notice("Opening the proposal form…"), open_propose=True)


# -- coaches: setup, pause, resume, skip ------------------------------------------------------
def _setup(services: Services, caller: Caller, args: list[str]) -> Answer:
    key = args[0].lower() if args else None
    return Answer(_notice("Opening the setup form…"), open_setup=key or "")


def _team_ritual(services: Services, caller: Caller, args: list[str], usage: str
                 ) -> tuple[str, str | None] | Answer:
    if not args:
        return Answer(_notice(f"Which team? `{usage}`"))
    key = args[0].lower()
    with services.db.scope() as session:
        team = team_by_key(session, caller.workspace_id, key)
        if team is None:
            return Answer(_notice(f"There is no team `{key}`."))
        if not may_set_up(services, session, caller, key):
            return Answer(_notice(NOT_A_COACH.format(team=team.name)))
    return key, (args[1].lower() if len(args) > 1 else None)


def _switch(enabled: bool) -> Callable[[Services, Caller, list[str]], Answer]:
    verb = "resume" if enabled else "pause"

    def run(services: Services, caller: Caller, args: list[str]) -> Answer:
        found = _team_ritual(services, caller, args, f"/tend {verb} team ritual")
        if isinstance(found, Answer):
            return found
        key, name = found
        if name not in registry.kinds():
            return Answer(_notice(f"Which ritual? One of {', '.join(registry.kinds())}."))
        with services.db.scope() as session:
            team = team_by_key(session, caller.workspace_id, key)
            ritual = next((r for r in team.rituals if r.kind == name), None) if team else None
            if ritual is None or ritual.options.get("removed_from_config"):
                return Answer(_notice(f"{key} has no {name} configured: `/tend setup {key}`."))
            ritual.enabled = enabled
            recompute_next_due(session, rituals=[ritual.id])
        state = "running again" if enabled else "paused"
        return Answer(_notice(f"{name} of {key} is {state}. (`tend export` shows "
                              f"`enabled: {str(enabled).lower()}`.)"))
    return run


def _skip(services: Services, caller: Caller, args: list[str]) -> Answer:
    found = _team_ritual(services, caller, args, "/tend skip team ritual|YYYY-MM-DD")
    if isinstance(found, Answer):
        return found
    key, what = found
    with services.db.scope() as session:
        team = team_by_key(session, caller.workspace_id, key)
        assert team is not None
        if what is None:
            days = ", ".join(team.skip_dates or []) or "none"
            return Answer(_notice(f"Dates {team.name} skips: {days}."))
        zone = ZoneInfo(team.timezone)
        try:
            day = date.fromisoformat(what)
        except ValueError:
            ritual = next((r for r in team.rituals if r.kind == what and r.enabled), None)
            if ritual is None:
                return Answer(_notice(f"`{what}` is neither a date (2026-12-25) nor a "
                                      f"running ritual of {key}."))
            fire = next_fire_time(ritual_cadence(ritual), zone, services.now(),
                                  anchor=ritual.anchor_date)
            day = fire.astimezone(zone).date()
            skipped = sorted({*ritual.options.get("skip_dates", []), day.isoformat()})
            ritual.options = {**ritual.options, "skip_dates": skipped}
            recompute_next_due(session, rituals=[ritual.id])
            return Answer(_notice(f"The next {what} of {team.name}, on {day:%a %d %b}, "
                                  "will be skipped."))
        if day < services.now().astimezone(zone).date():
            return Answer(_notice(f"{day:%d %b %Y} has passed."))
        team.skip_dates = sorted({*(team.skip_dates or []), day.isoformat()})
        recompute_next_due(session, teams=[team.id])
        return Answer(_notice(f"{team.name}'s rituals will skip {day:%a %d %b %Y}."))


# -- members: away, reminders, my data, forget me ------------------------------------------------
def _away(services: Services, caller: Caller, args: list[str]) -> Answer:
    now = services.now()
    with services.db.scope() as session:
        person = session.get(Person, (caller.workspace_id, caller.user_id))
        if person is None:
            return Answer(_notice("tend has no prompts for you: nothing to pause."))
        if not args:
            state = (f"You are away until {person.away_until:%a %d %b %Y}."
                     if person.away_until else "You are not away.")
            return Answer(_notice(f"{state} `/tend away 2026-12-31` or `/tend away off`."))
        if args[0].lower() == "off":
            person.away_until = None
            recompute_next_due(session, person=(caller.workspace_id, caller.user_id))
            return Answer(_notice("Welcome back: your prompts resume from the next one."))
        today = local_today(session, caller.workspace_id, caller.user_id, now)
        try:
            until = parse_when(" ".join(args), today=today)
        except CommitmentError:
            return Answer(_notice(f"I could not read {' '.join(args)!r} as a date: try "
                                  "`/tend away 2026-12-31`."))
        if until < today or until > today + timedelta(days=366):
            return Answer(_notice("Pick a date from today to a year ahead."))
        person.away_until = until
        recompute_next_due(session, person=(caller.workspace_id, caller.user_id))
    return Answer(_notice(f"You are away until {until:%a %d %b %Y}: no prompts until then. "
                          "Nobody is told who is away."))


def away_this_week(services: Services, caller: Caller) -> str:
    """'Skip me this week' on a prompt: away until this Sunday, their own calendar."""
    with services.db.scope() as session:
        person = session.get(Person, (caller.workspace_id, caller.user_id))
        if person is None:
            return "tend has no prompts for you."
        today = local_today(session, caller.workspace_id, caller.user_id,
                            services.now())
        sunday = today + timedelta(days=6 - today.weekday())
        person.away_until = max(person.away_until or sunday, sunday)
        recompute_next_due(session, person=(caller.workspace_id, caller.user_id))
    return (f"Skipped: no prompts for you until after {sunday:%a %d %b}. Nobody is told "
            "who is away.")


def _reminders(services: Services, caller: Caller, args: list[str]) -> Answer:
    if not args or args[0].lower() not in ("on", "off"):
        return Answer(_notice("`/tend reminders off` or `/tend reminders on`."))
    return Answer(_notice(set_reminders(services, caller, on=args[0].lower() == "on")))


def _my_data(services: Services, caller: Caller, args: list[str]) -> Answer:
    return Answer(_notice("Preparing your data: it will arrive as a file in a DM from tend."),
                  later="my-data")


def _forget_me(services: Services, caller: Caller, args: list[str]) -> Answer:
    return Answer(render_message(Template.FORGET_ME_CONFIRM))


COMMANDS: dict[str, Callable[[Services, Caller, list[str]], Answer]] = {
    "help": _help, "digest": _digest, "setup": _setup, "pause": _switch(False),
    "resume": _switch(True), "skip": _skip, "away": _away, "reminders": _reminders,
    "my-data": _my_data, "forget-me": _forget_me, "propose": _propose,
}
