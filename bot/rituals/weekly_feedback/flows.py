"""Turning due check-ins into occurrences and outbox messages, in one transaction."""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.domain.enums import OccurrenceStatus
from bot.rituals.base import PlanReport, pair_participants
from bot.rituals.common.commitment_view import MAX_LISTED_COMMITMENTS
from bot.rituals.common.commitment_visibility import shareable_with
from bot.rituals.weekly_feedback.messages import render_checkin
from bot.rituals.weekly_feedback.planning import KIND, CheckinPair, DueCheckin, due_checkins
from bot.storage import occurrences, outbox
from bot.storage.commitments import open_commitments_of_pair
from bot.storage.models import Occurrence
from bot.storage.teams import line_manager, ritual_cadence, skip_dates
from bot.storage.weekly_feedback import checkin_rituals

log = logging.getLogger(__name__)


def checkin_pairs(session: Session, ritual_ids: Collection[int] | None = None
                  ) -> tuple[list[CheckinPair], list[tuple[str, str]]]:
    """Every active (member, line manager) pair of an enabled weekly check-in (of these
    rituals only, if given: the tick passes the due ones).

    Also returns (user_id, reason) for members skipped, so the clock can log why.
    """
    rituals, people = checkin_rituals(session, kind=KIND, ritual_ids=ritual_ids)
    pairs: list[CheckinPair] = []
    skipped: list[tuple[str, str]] = []
    for ritual in rituals:
        cadence = ritual_cadence(ritual)
        for role in ritual.team.roles:
            if role.role != "member" or not role.active:
                continue
            manager = line_manager(ritual.team, role)
            if manager is None or manager == role.user_id:
                continue  # nobody to meet, or a manager listed as a member
            person = people[(ritual.team.workspace_id, role.user_id)]
            if person.unreachable_reason or not person.tz:
                skipped.append((role.user_id, person.unreachable_reason or "timezone_unknown"))
                continue
            pairs.append(CheckinPair(
                ritual_id=ritual.id, member_id=role.user_id, manager_id=manager,
                timezone=person.tz, cadence=cadence, anchor=ritual.anchor_date,
                since=max(role.since, ritual.since), skip_dates=skip_dates(ritual),
                away_until=person.away_until, workspace_id=ritual.team.workspace_id,
            ))
    return pairs, skipped


def plan_checkins(session: Session, *, now: datetime, catchup: timedelta,
                  ritual_ids: Collection[int] | None = None) -> PlanReport:
    """Plan the due check-ins of these rituals (None: every weekly check-in)."""
    pairs, skipped = checkin_pairs(session, ritual_ids)
    for user_id, reason in skipped:
        log.debug("check-in skipped for %s: %s", user_id, reason)
    candidates = due_checkins(pairs, now=now, catchup=catchup)
    known = occurrences.existing_keys(
        session, [(d.pair.ritual_id, d.pair.member_id, d.scheduled_at) for d in candidates])
    fresh = [d for d in candidates
             if (d.pair.ritual_id, d.pair.member_id, d.scheduled_at) not in known]
    report = PlanReport(skipped=len(skipped))
    for due in fresh:
        created = _create_occurrence(session, due, now=now)
        if created is None:
            continue  # another tick got there first
        if due.skipped:
            continue
        if due.missed:
            report.missed += 1
            log.info("check-in missed (older than the catch-up window): occurrence %s",
                     created.id)
        else:
            report.planned += 1
    return report


def _create_occurrence(session: Session, due: DueCheckin, *, now: datetime) -> Occurrence | None:
    pair = due.pair
    open_items = shareable_with(session, open_commitments_of_pair(
        session, ritual_id=pair.ritual_id, pair_member_id=pair.member_id),
        {pair.member_id, pair.manager_id}, participants=pair_participants)
    listed = [c.id for c in open_items[:MAX_LISTED_COMMITMENTS]]
    held = occurrences.prompted_before(session, ritual_id=pair.ritual_id,
                                       subject_id=pair.member_id,
                                       counterpart_id=pair.manager_id, before=due.scheduled_at)
    ids = occurrences.insert_new(session, [{
        "ritual_id": pair.ritual_id, "subject_id": pair.member_id,
        "counterpart_id": pair.manager_id, "scheduled_at": due.scheduled_at,
        "status": (OccurrenceStatus.SKIPPED if due.skipped else OccurrenceStatus.MISSED
                   if due.missed else OccurrenceStatus.PENDING),
        "reason": "older_than_catchup_window" if due.missed and not due.skipped else None,
        "details": {"commitments": listed,
                    "hidden_commitments": len(open_items) - len(listed), "round": held},
        "created_at": now,
    }])
    if not ids:
        return None
    occurrence = session.get_one(Occurrence, ids[0])
    if not (due.missed or due.skipped):
        today = now.astimezone(ZoneInfo(pair.timezone)).date()
        message = render_checkin(session, occurrence, today=today)
        outbox.enqueue(
            session, workspace_id=pair.workspace_id, key=f"occurrence:{occurrence.id}:prompt",
            payload=message.as_dict(),
            users=[pair.manager_id, pair.member_id], occurrence_id=occurrence.id, now=now,
        )
    return occurrence
