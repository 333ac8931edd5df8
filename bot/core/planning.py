"""Planning what is due: the tick's one indexed question, then only the rituals it names.

`schedules.due_rituals` returns the rituals whose next due instant (`Ritual.next_due_at`)
is at or before `now`, or that a change marked for recomputing; a quiet tick stops
there. Each due ritual plans as before (its latest fire time per pair or session,
exactly once by the unique constraints, late ones recorded missed), and then its next
due instant moves on to its first fire time after `now` in any zone of its zone group:
the team's zone, or (`in_member_zone`) each active member's. See docs/architecture.md,
"What is due".
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.rituals import registry
from bot.rituals.base import PlanReport
from bot.rituals.common.schedule import next_due
from bot.storage import schedules

PLAN_BATCH = 100  # rituals of a kind planned at once (100 check-ins: 2,000 pairs of 20)


def plan_due(session: Session, *, now: datetime, catchup: timedelta) -> PlanReport:
    """Plan every ritual due at `now` and move each one's next due instant on."""
    by_kind: dict[str, list[int]] = {}
    for ritual_id, kind in schedules.due_rituals(session, now=now):
        by_kind.setdefault(kind, []).append(ritual_id)
    report = PlanReport()
    for ritual in registry.all_rituals():  # in the registry's order
        ids = by_kind.get(ritual.kind, [])
        # A few rituals at a time: each plans from its own rows, and a hook loads its
        # rituals' teams, roles and people at once; when every ritual is due (a restart
        # after an outage, a workspace adopted) the whole roster would be in memory.
        for start in range(0, len(ids), PLAN_BATCH):
            report += ritual.plan(session, now=now, catchup=catchup,
                                  ritual_ids=ids[start:start + PLAN_BATCH])
    for kind, ids in by_kind.items():
        definition = registry.find(kind)  # None: a kind no longer known, never due
        member_zone = definition is not None and definition.in_member_zone
        besides = definition.due_besides(session, ids) if definition is not None else {}
        schedules.set_next_due(session, {
            ritual.ritual_id: _earliest(
                next_due(ritual.cadence, ritual.zones, now, anchor=ritual.anchor)
                if definition is not None and ritual.enabled else None,
                besides.get(ritual.ritual_id))
            for ritual in schedules.schedule_inputs(session, ids, member_zone=member_zone)},
            after=now)
    return report


def _earliest(*instants: datetime | None) -> datetime | None:
    known = [at for at in instants if at is not None]
    return min(known) if known else None
