"""One private reminder for an unanswered prompt (P5), and turning reminders off or on.

Planned in the tick like every other message: a due reminder becomes an outbox row in
the tick's transaction, keyed `occurrence:<id>:nudge:<user>` and inserted with
`enqueue_once`, so repeated or concurrent ticks send it at most once. It goes to the
person alone (a DM), names nobody else's answers, and is logged only as a count (P1).
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.domain.enums import OccurrenceStatus
from bot.messages.render import Message, Template, render_message
from bot.platform.context import Caller, Services
from bot.platform.followups import Followup, Update
from bot.rituals import registry
from bot.rituals.base import Nudges
from bot.rituals.common.nudge_rules import Waiting, next_waking_moment, nudge_at, nudge_due
from bot.rituals.common.schedule import next_fire_time
from bot.storage import outbox
from bot.storage.models import Occurrence, Person, Ritual
from bot.storage.nudges import (
    already_nudged,
    answered,
    people_by_key,
    prompt_sent_at,
    prompts_to_look_at,
    served_teams,
    set_nudge_from,
)
from bot.storage.people import ensure_people
from bot.storage.scoping import workspace_of
from bot.storage.teams import ritual_cadence

log = logging.getLogger(__name__)

# Longer than the largest gap between two occurrences (a monthly cadence, 35 days):
# an older prompt has certainly been followed by its next one, so it is never nudged.
HORIZON = timedelta(days=37)


REMINDERS_OFF = "Reminders are off. `/tend reminders on` turns them back on."


def nudge_key(occurrence_id: int, user_id: str) -> str:
    return f"occurrence:{occurrence_id}:nudge:{user_id}"


def plan_nudges(session: Session, *, now: datetime, nudge_after: timedelta) -> int:
    """Queue the reminders due at `now`; returns how many were queued (a count only).

    Only prompts whose `nudge_from` (indexed) is at least `nudge_after` old are looked
    at, so a quiet tick reads none. Each is then cleared (answered, reminded, moved on,
    nobody left to remind) or moved to the moment its next reminder may fall due.
    """
    prompts = prompts_to_look_at(session, before=now - nudge_after)
    if not prompts:
        return 0
    served = served_teams(session, {o.ritual.team_id for o in prompts})
    current = [o for o in prompts if _current(o, served, now=now)]
    later: dict[int, datetime | None] = {o.id: None for o in prompts}  # None: never again
    for o in current:
        if o.status == OccurrenceStatus.PENDING:
            later[o.id] = o.nudge_from  # not posted yet: look again next tick
    sent = [o for o in current if o.status == OccurrenceStatus.SENT]
    pending = [(o, u) for o in sent for u in _asked(o)]
    replied = answered(session, [o.id for o in sent])
    done = already_nudged(session, [nudge_key(o.id, u) for o, u in pending])
    people = people_by_key(session, {(workspace_of(o), u) for o, u in pending})
    prompted = prompt_sent_at(session, [o.id for o in sent])
    next_at: dict[tuple[int, str, datetime], datetime] = {}  # many share a schedule
    queued = 0
    for occurrence, user_id in pending:
        person = people.get((workspace_of(occurrence), user_id))
        if ((occurrence.id, user_id) in replied or nudge_key(occurrence.id, user_id) in done
                or person is None):
            continue
        zone = person.tz or occurrence.ritual.team.timezone
        waiting = Waiting(
            occurrence_id=occurrence.id, user_id=user_id, timezone=zone,
            prompted_at=prompted.get(occurrence.id, occurrence.scheduled_at),
            next_prompt_at=_next_prompt(occurrence, zone, cache=next_at))
        if _may_remind(person, occurrence.ritual, now=now) and nudge_due(
                waiting, now=now, delay=nudge_after):
            message = render_nudge(occurrence, zone=zone)
            outbox.enqueue_once(session, workspace_id=workspace_of(occurrence),
                                key=nudge_key(occurrence.id, user_id),
                                payload=message.as_dict(), now=now, users=[user_id])
            queued += 1
            continue
        again = _look_again(person, occurrence.ritual, waiting, now=now, delay=nudge_after)
        if again is not None:
            earliest = later[occurrence.id]
            later[occurrence.id] = min(again - nudge_after, earliest or again)
    set_nudge_from(session, later)
    if queued:
        log.info("nudges: %d queued", queued)
    return queued


def _current(occurrence: Occurrence, served: set[int], *, now: datetime) -> bool:
    """A prompt whose reminders may still matter: of a ritual that reminds, running, in
    a workspace still served, posted or about to be, and younger than the horizon."""
    ritual = occurrence.ritual
    definition = registry.find(ritual.kind)
    return (definition is not None and definition.nudges is not None and ritual.enabled
            and ritual.team_id in served
            and occurrence.status in (OccurrenceStatus.PENDING, OccurrenceStatus.SENT)
            and occurrence.scheduled_at > now - HORIZON)


def _look_again(person: Person, ritual: Ritual, waiting: Waiting, *, now: datetime,
                delay: timedelta) -> datetime | None:
    """When this person's reminder may next fall due, or None if it never will (they
    turned reminders off, are unreachable, left the team, or the prompt moves on first).
    Someone away is looked at again the morning after their last day away."""
    if (person.reminders_off or person.unreachable_reason
            or not _is_member(person, ritual)):
        return None
    zone = ZoneInfo(waiting.timezone)
    moment = max(nudge_at(waiting, delay=delay), now)
    if person.away_until is not None:
        back = datetime.combine(person.away_until + timedelta(days=1), time(0), tzinfo=zone)
        moment = max(moment, back)
    moment = next_waking_moment(moment, zone)
    if moment <= now:  # waking now, but not due (cannot happen): look again next tick
        moment = now
    return moment if moment < waiting.next_prompt_at else None


def _nudges(occurrence: Occurrence) -> Nudges:
    nudges = registry.definition(occurrence.ritual.kind).nudges
    assert nudges is not None  # only such rituals' prompts are selected
    return nudges


def _asked(occurrence: Occurrence) -> list[str]:
    """Who the prompt asks: the member of a check-in (not the manager), or a quad's members."""
    return _nudges(occurrence).asked(occurrence)


def _may_remind(person: Person, ritual: Ritual, *, now: datetime) -> bool:
    """Not for people who turned reminders off, are away, unreachable or left the team."""
    if person.reminders_off or person.unreachable_reason:
        return False
    today = now.astimezone(ZoneInfo(person.tz or ritual.team.timezone)).date()
    if person.away_until is not None and person.away_until >= today:
        return False
    return _is_member(person, ritual)


def _is_member(person: Person, ritual: Ritual) -> bool:
    return any(r.user_id == person.user_id and r.active and r.role == "member"
               for r in ritual.team.roles)


def _next_prompt(occurrence: Occurrence, member_zone: str, *,
                 cache: dict[tuple[int, str, datetime], datetime]) -> datetime:
    """When this prompt's next occurrence arrives: check-ins fire in the member's zone,
    quads in the team's."""
    ritual = occurrence.ritual
    zone = _nudges(occurrence).zone(ritual, member_zone)
    key = (ritual.id, zone, occurrence.scheduled_at)
    if key not in cache:
        cache[key] = next_fire_time(ritual_cadence(ritual), ZoneInfo(zone),
                                    occurrence.scheduled_at, anchor=ritual.anchor_date)
    return cache[key]


def render_nudge(occurrence: Occurrence, *, zone: str) -> Message:
    """The reminder names the ritual and where it is, never anyone else's answers."""
    return _nudges(occurrence).render(occurrence, zone)


# -- turning reminders off and on ------------------------------------------------------

def set_reminders(services: Services, caller: Caller, on: bool) -> str:
    """Store the person's choice; returns the confirmation to show them (privately)."""
    with services.db.scope() as session:
        ensure_people(session, caller.workspace_id, {caller.user_id})
        session.get_one(Person, (caller.workspace_id, caller.user_id)).reminders_off = not on
    if not on:
        return REMINDERS_OFF
    return (f"Reminders are on: when a prompt has waited {_delay_words(services.nudge_after)} "
            "for your answer, tend reminds you once, privately, on a weekday between 09:00 "
            "and 18:00 your time. `/tend reminders off` turns them off.")


def turn_off_from_button(services: Services, *, caller: Caller, channel_id: str,
                         message_ts: str) -> Followup:
    """The reminder's own button: turn them off; the followup says so in place of the
    reminder (if Slack refuses, the choice is stored and only the message stays)."""
    text = set_reminders(services, caller, on=False)
    if not (channel_id and message_ts):
        return Followup(caller.workspace_id)
    note = render_message(Template.NOTICE, text=text)
    return Followup(caller.workspace_id, (Update(channel_id, message_ts, note.text,
                                                 note.blocks),))


def _delay_words(delay: timedelta) -> str:
    hours = delay.total_seconds() / 3600
    if hours == 24:
        return "a day"
    return f"{hours:g} hour{'s' if hours != 1 else ''}"

