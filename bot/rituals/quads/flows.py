"""Planning a quad cycle: keep, patch or redraw the groups, then prompt each group.

Groups are drawn afresh every `regroup_every` cycles (and when there are none). In the
cycles between, people who left the team leave their group and newcomers join the
smallest group that can take them; if that leaves a group of fewer than three or more
than five, or puts a manager with their report, the groups are drawn afresh instead.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.domain.enums import OccurrenceStatus
from bot.messages.render import Message, Template, render_message
from bot.rituals.common.commitment_view import MAX_LISTED_COMMITMENTS, commitment_view
from bot.rituals.common.commitment_visibility import shareable_with
from bot.rituals.common.sessions import due_sessions, following_session
from bot.rituals.common.team_sessions import claim_session
from bot.rituals.kinds import RitualKind
from bot.rituals.quads.config import PROMPTS
from bot.rituals.quads.grouping import Pair, draw_groups, pair_counts
from bot.storage import occurrences, outbox
from bot.storage.commitments import commitments_by_ids, open_commitments_of_pair
from bot.storage.models import Occurrence, QuadGroup, Ritual, Team
from bot.storage.quads import active_groups, all_groups, held_cycles
from bot.storage.teams import active_people, line_manager, team_rituals

log = logging.getLogger(__name__)

KIND = RitualKind.QUADS
MIN_GROUP, MAX_GROUP = 3, 5


def plan_quad_cycles(session: Session, *, now: datetime, catchup: timedelta,
                     ritual_ids: Collection[int] | None = None) -> int:
    """Plan the due sessions of these rituals (None: every one of its kind)."""
    planned = 0
    for due in due_sessions(team_rituals(session, KIND, ritual_ids), now=now, catchup=catchup):
        marker = claim_session(session, due, now=now, held_status=OccurrenceStatus.HELD)
        if marker is None or due.missed or due.skipped:
            continue
        ritual = session.get_one(Ritual, due.ritual.ritual_id)
        members = active_people(ritual.team, "member")
        if len(members) < MIN_GROUP:
            _tell_coaches_too_few(session, ritual, len(members), now=now)
            marker.reason = "too_few_members"
            continue
        cycle = _held_cycles(session, ritual.id)
        groups, fresh = _groups_for_cycle(session, ritual, members, cycle=cycle, now=now)
        next_cycle = following_session(due.ritual, due.scheduled_at)
        for group in groups:
            _enqueue_cycle(session, ritual, group, cycle=cycle, fresh=fresh,
                           scheduled_at=due.scheduled_at, next_cycle=next_cycle, now=now)
            planned += 1
    return planned


def _held_cycles(session: Session, ritual_id: int) -> int:
    """This cycle's number, counting from 1."""
    return held_cycles(session, ritual_id)


def forbidden_pairs(ritual: Ritual, members: list[str]) -> set[Pair]:
    """Managers and their own reports, unless the team's file says they may mix."""
    if ritual.options.get("managers_with_reports"):
        return set()
    present = set(members)
    pairs: set[Pair] = set()
    for role in ritual.team.roles:
        if role.role == "member" and role.active and role.user_id in present:
            manager = line_manager(ritual.team, role)
            if manager in present and manager != role.user_id:
                pairs.add(frozenset((manager, role.user_id)))
    return pairs


def _groups_for_cycle(session: Session, ritual: Ritual, members: list[str], *, cycle: int,
                      now: datetime) -> tuple[list[QuadGroup], bool]:
    current = active_groups(session, ritual.id)
    regroup_every = int(ritual.options.get("regroup_every", 4))
    forbidden = forbidden_pairs(ritual, members)
    if current and (cycle - 1) % regroup_every != 0:
        patched = _patch(current, members, forbidden)
        if patched is not None:
            return _replace(session, ritual, current, patched, draw=current[0].draw,
                            now=now), False
    return _draw(session, ritual, current, members, forbidden, now=now), True


def _patch(current: list[QuadGroup], members: list[str], forbidden: set[Pair]
           ) -> list[list[str]] | None:
    """Current groups minus leavers plus newcomers; None when that cannot stay valid."""
    present = set(members)
    groups = [[u for u in g.members["ids"] if u in present] for g in current]
    placed = {u for g in groups for u in g}
    for newcomer in (m for m in members if m not in placed):
        fits = [g for g in groups if len(g) < MAX_GROUP
                and not any(frozenset((newcomer, u)) in forbidden for u in g)]
        if not fits:
            return None
        min(fits, key=len).append(newcomer)
    if any(len(g) < MIN_GROUP for g in groups):
        return None
    return groups


def _draw(session: Session, ritual: Ritual, current: list[QuadGroup], members: list[str],
          forbidden: set[Pair], *, now: datetime) -> list[QuadGroup]:
    everything = all_groups(session, ritual.id)
    # A pair counts once per draw, however often its group was patched within the draw.
    by_draw: dict[int, list[list[str]]] = {}
    for group in everything:
        by_draw.setdefault(group.draw, []).append(group.members["ids"])
    history = pair_counts([_distinct_pairs_round(groups) for groups in by_draw.values()])
    draw = max(by_draw, default=0) + 1
    grouping = draw_groups(members, history=history, forbidden=forbidden,
                           seed=ritual.id * 1_000 + draw)
    if grouping.forbidden_pairs_used:
        log.info("quads of ritual %s: no grouping keeps every manager apart from their "
                 "reports", ritual.id)
    return _replace(session, ritual, current, [list(g) for g in grouping.groups], draw=draw,
                    now=now)


def _distinct_pairs_round(groups: list[list[str]]) -> list[list[str]]:
    """Groups of one draw as pairs, so patched duplicates of a group count once."""
    pairs = {frozenset(p) for g in groups for p in _pairs(g)}
    return [sorted(p) for p in pairs]


def _pairs(group: list[str]) -> list[tuple[str, str]]:
    return [(a, b) for i, a in enumerate(group) for b in group[i + 1:]]


def _replace(session: Session, ritual: Ritual, current: list[QuadGroup],
             groups: list[list[str]], *, draw: int, now: datetime) -> list[QuadGroup]:
    """Keep unchanged groups; deactivate the others and store the new ones."""
    unchanged = {tuple(sorted(g.members["ids"])): g for g in current}
    result: list[QuadGroup] = []
    wanted = [tuple(sorted(g)) for g in groups]
    for group in current:
        if tuple(sorted(group.members["ids"])) not in wanted or group.draw != draw:
            group.active = False
    for ids in wanted:
        kept = unchanged.get(ids)
        if kept is not None and kept.draw == draw:
            result.append(kept)
            continue
        row = QuadGroup(ritual_id=ritual.id, draw=draw, members={"ids": list(ids)},
                        active=True, created_at=now)
        session.add(row)
        result.append(row)
    session.flush()
    return result


def _enqueue_cycle(session: Session, ritual: Ritual, group: QuadGroup, *, cycle: int,
                   fresh: bool, scheduled_at: datetime, next_cycle: datetime,
                   now: datetime) -> None:
    members = list(group.members["ids"])
    own = [c for m in members
           for c in open_commitments_of_pair(session, ritual_id=ritual.id, pair_member_id=m)]
    shown = shareable_with(session, own, set(members), participants=quad_members)
    listed = [c.id for c in shown][:MAX_LISTED_COMMITMENTS]
    next_local = next_cycle.astimezone(ZoneInfo(ritual.team.timezone)).date()
    ids = occurrences.insert_new(session, [{
        "ritual_id": ritual.id, "subject_id": f"quad:{group.id}", "scheduled_at": scheduled_at,
        "status": OccurrenceStatus.PENDING, "created_at": now,
        "details": {"members": members, "group_id": group.id, "cycle": cycle, "fresh": fresh,
                    "commitments": listed, "next_cycle": next_local.isoformat()},
    }])
    if not ids:
        return
    occurrence = session.get_one(Occurrence, ids[0])
    message = render_quad_cycle(session, occurrence, today=scheduled_at.astimezone(
        ZoneInfo(ritual.team.timezone)).date())
    outbox.enqueue(session, workspace_id=ritual.team.workspace_id,
                   key=f"occurrence:{occurrence.id}:prompt",
                   payload=message.as_dict(), users=members, occurrence_id=occurrence.id,
                   now=now)


def quad_members(session: Session, occurrence: Occurrence) -> set[str]:
    """A quad's conversation is its members' group DM."""
    return {str(u) for u in occurrence.details.get("members", [])}


def render_quad_cycle(session: Session, occurrence: Occurrence, *, today: date) -> Message:
    details = occurrence.details
    commitments = commitments_by_ids(session, details.get("commitments", []))
    # Cycle 1 is the ritual's first: nobody has said anything to be held to yet.
    asked = PROMPTS.resolve(occurrence.ritual.options.get("prompts"),
                            round_index=int(details["cycle"]) - 1)
    return render_message(
        "quad_cycle.json.j2", members=details["members"], cycle=details["cycle"],
        first=details["cycle"] == 1, prompts=asked.of(),
        fresh=details.get("fresh", False), occurrence_id=occurrence.id,
        next_cycle=date.fromisoformat(details["next_cycle"]),
        commitments=[commitment_view(c, occurrence_id=occurrence.id, today=today)
                     for c in commitments],
    )


def _tell_coaches_too_few(session: Session, ritual: Ritual, count: int, *,
                          now: datetime) -> None:
    team: Team = ritual.team
    text = (f"*{team.name}* has {count} member{'s' if count != 1 else ''}: quads need at least "
            f"{MIN_GROUP} people, so no quads were formed this cycle. Add members to the team "
            "(or switch quads off) to start them.")
    message = render_message(Template.NOTICE, text=text)
    for coach in active_people(team, "coach"):
        # Told once per team size, not every cycle.
        outbox.enqueue_once(session, workspace_id=team.workspace_id,
                            key=f"ritual:{ritual.id}:too-few:{count}:{coach}",
                            payload=message.as_dict(), users=[coach], now=now)
