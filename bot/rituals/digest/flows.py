"""Building, storing and sending team digests. What may be shown is decided only by
`bot.rituals.digest.policy`; this module gathers its input and renders its output."""

from __future__ import annotations

import base64
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.messages.render import Message, block_text_length, escape_clipped, render_message
from bot.rituals.base import RitualDefinition
from bot.rituals.common.schedule import latest_fire_time
from bot.rituals.common.sessions import due_sessions
from bot.rituals.digest.chart import Chart, Series, render_trend_chart
from bot.rituals.digest.measures import period_input
from bot.rituals.digest.period import Window, month_window, previous_window, window_ending
from bot.rituals.digest.policy import (
    DigestView,
    Figure,
    GuardMark,
    PeriodInput,
    SharedView,
    ShownBefore,
    TrendPoint,
    decide,
    guard_marks,
)
from bot.rituals.kinds import RitualKind
from bot.storage import outbox
from bot.storage.digests import digest_exists, digests_before
from bot.storage.inserts import insert_ignoring_conflicts
from bot.storage.models import Digest, Ritual, Team
from bot.storage.teams import ritual_cadence, team_rituals

KIND = RitualKind.DIGEST
EARLIER_FOR_TREND = 5
MAX_SHARED_EACH = 12  # highlights and asks each; keeps a digest within Slack's 50 blocks
# Slack refuses a message whose blocks hold about 13,000 characters of text
# (msg_blocks_too_long; users measured 13,172-13,297): stay well below.
BLOCK_TEXT_BUDGET = 12_000
SHARED_ITEM_LIMIT = 2_800  # one highlight or ask, escaped
SHARED_ITEM_MIN = 200  # a highlight clipped shorter than this is left out instead
SHARED_HEADINGS = 100  # the two headings above highlights and asks


@dataclass(frozen=True)
class BuiltDigest:
    view: DigestView
    window: Window
    message: Message
    chart: Chart
    min_group: int
    marks: dict[str, GuardMark]


def digest_ritual(team: Team) -> Ritual | None:
    return next((r for r in team.rituals if r.kind == KIND and r.enabled), None)


def digest_target(team: Team) -> str:
    """Where the team's digest goes: its `to` (a person or a channel), else the team's
    own channel: the team sees its own digest."""
    ritual = digest_ritual(team)
    to = ritual.options.get("to") if ritual else None
    return str(to) if to else team.channel_id


def build(session: Session, team: Team, window: Window, rituals: Sequence[RitualDefinition],
          *, calendar: bool = False) -> BuiltDigest:
    """The digest of `window`, from the database, with the figures `rituals` count;
    stores nothing."""
    ritual = digest_ritual(team)
    min_group = int(ritual.options.get("min_group", 3)) if ritual else 3
    cadence = ritual_cadence(ritual) if ritual and not calendar else None
    zone = ZoneInfo(team.timezone)
    current = period_input(session, team, rituals, period=window.period, start=window.start,
                           end=window.end)
    last = _last_stored(session, team, window.period)
    shown = shown_before(last)
    previous: PeriodInput | ShownBefore | None = shown
    if last is not None and shown is None:
        # A digest stored before guard marks existed: recount the period before it.
        anchor = ritual.anchor_date if ritual else window.start.date()
        before = previous_window(window, cadence, zone, anchor=anchor)
        previous = period_input(session, team, rituals, period=before.period, start=before.start,
                                end=before.end)
    view = decide(current, previous=previous,
                  earlier=_earlier_views(session, team, window.period),
                  team_name=team.name, min_group=min_group)
    chart = _chart(view)
    return BuiltDigest(view=view, window=window, chart=chart, min_group=min_group,
                       marks=guard_marks(current, view, shown),
                       message=render_digest(view, window, zone, min_group, chart))


def _last_stored(session: Session, team: Team, period: str) -> Digest | None:
    return next(iter(digests_before(session, team.id, period, limit=1)), None)


def shown_before(row: Digest | None) -> ShownBefore | None:
    """The guard marks stored with a published digest: what it showed (no ids)."""
    if row is None or "guard" not in row.view:
        return None
    return ShownBefore(period=row.period, marks={
        key: GuardMark(value=value, contributors=count)
        for key, (value, count) in row.view["guard"].items()})


def render_digest(view: DigestView, window: Window, zone: ZoneInfo, min_group: int,
                  chart: Chart) -> Message:
    """The digest message, its shared items clipped or left out to keep its blocks under
    `BLOCK_TEXT_BUDGET`; the figures, notes and trend are never cut for them."""
    shown = [{"line": f"• {f.label[0].upper()}{f.label[1:]}: *{f.display}*"}
             for f in view.figures if f.shown]
    start, end = window.start.astimezone(zone), window.end.astimezone(zone)
    context: dict[str, Any] = {
        "team_name": view.team_name, "period_label": _period_label(view.period),
        "span": f"from {start:%a %d %b} to {end:%a %d %b %Y}", "shown": shown,
        "notes": list(view.notes), "min_group": min_group,
        "trend_text": chart.text_fallback if len(view.trend) > 1 else ""}
    items = [s for s in view.shared if s.kind == "highlight"][:MAX_SHARED_EACH] + [
        s for s in view.shared if s.kind == "ask"][:MAX_SHARED_EACH]
    fixed = render_message("digest.json.j2", **context, highlights=[], asks=[],
                           more_shared=len(view.shared))
    fitted = _fit_shared(items, BLOCK_TEXT_BUDGET - block_text_length(fixed.blocks)
                         - SHARED_HEADINGS)
    while True:  # the estimate is close; this makes the budget a guarantee
        message = render_message(
            "digest.json.j2", **context,
            highlights=[s for s in fitted if s["kind"] == "highlight"],
            asks=[s for s in fitted if s["kind"] == "ask"],
            more_shared=len(view.shared) - len(fitted))
        if block_text_length(message.blocks) <= BLOCK_TEXT_BUDGET or not fitted:
            return message
        fitted.pop()


def _fit_shared(items: list[SharedView], budget: int) -> list[dict[str, Any]]:
    """Shared items in order, each whole (up to SHARED_ITEM_LIMIT) while the budget
    lasts, then one clipped to what is left if that is still worth reading."""
    fitted: list[dict[str, Any]] = []
    for item in items:
        by = len(f"\n— <@{item.author_id}>") if item.author_id else 0
        cost = 2 + by + len(escape_clipped(item.text, SHARED_ITEM_LIMIT))
        limit = SHARED_ITEM_LIMIT if cost <= budget else budget - 2 - by
        if limit < SHARED_ITEM_MIN:
            break
        fitted.append({"kind": item.kind, "text": item.text, "author_id": item.author_id,
                       "limit": limit})
        budget -= min(cost, 2 + by + limit)
    return fitted


def render_stored(team: Team, stored: dict[str, Any]) -> Message:
    """A stored digest rendered again as it was posted (its text trend included)."""
    view = view_from_json(stored["policy"])
    window = Window(period=view.period, start=datetime.fromisoformat(str(stored["start"])),
                    end=datetime.fromisoformat(str(stored["end"])))
    return render_digest(view, window, ZoneInfo(team.timezone), int(stored["min_group"]),
                         _chart(view))


def digest_text(built: BuiltDigest) -> str:
    """A plain-text rendering, for `tend digest --dry-run`."""
    view = built.view
    lines = [f"Team digest · {view.team_name} · {_period_label(view.period)}", ""]
    lines += [f"  {f.label}: {f.display}" for f in view.figures if f.shown] or [
        "  No figures to share this time."]
    lines += [f"  ({note})" for note in view.notes]
    for kind in ("highlight", "ask"):
        items = [s for s in view.shared if s.kind == kind]
        if items:
            lines += ["", f"{kind.capitalize()}s people chose to share:"]
            lines += [f"  “{s.text}”" + (f" — {s.author_id}" if s.author_id else "")
                      for s in items]
    if len(view.trend) > 1:
        lines += ["", "Trend:", built.chart.text_fallback]
    return "\n".join(lines)


def _period_label(period: str) -> str:
    if len(period) == 7:
        return datetime.strptime(period, "%Y-%m").strftime("%B %Y")
    return datetime.strptime(period, "%Y-%m-%d").strftime("week to %d %b %Y")


CHART_SERIES = 8  # the chart's legend holds eight; the text version lists every figure


def _chart(view: DigestView) -> Chart:
    keys = [f.key for f in view.figures if f.shown][:CHART_SERIES]
    # A people-figure is charted as its band's share of the team (rule 9 of the policy).
    labels = {f.key: f"{f.label} (% of the team)" if f.share else f.label
              for f in view.figures}
    series = [Series(label=labels[k], points=tuple(
        (_period_label(p.period), p.values.get(k)) for p in view.trend)) for k in keys]
    return render_trend_chart(series, title=f"{view.team_name}: trend")


# -- storing views (the policy's output only) ------------------------------------------
def view_to_json(view: DigestView) -> dict[str, Any]:
    return {
        "period": view.period, "team_name": view.team_name,
        "figures": [asdict(f) for f in view.figures],
        "shared": [asdict(s) for s in view.shared],
        "trend": [{"period": p.period, "values": dict(p.values)} for p in view.trend],
        "notes": list(view.notes),
    }


def view_from_json(data: dict[str, Any]) -> DigestView:
    return DigestView(
        period=data["period"], team_name=data["team_name"],
        figures=tuple(Figure(**f) for f in data["figures"]),
        shared=tuple(SharedView(**s) for s in data["shared"]),
        trend=tuple(TrendPoint(period=p["period"], values=p["values"]) for p in data["trend"]),
        notes=tuple(data["notes"]),
    )


def _earlier_views(session: Session, team: Team, period: str) -> list[DigestView]:
    rows = digests_before(session, team.id, period, limit=EARLIER_FOR_TREND)
    return [view_from_json(r.view["policy"]) for r in reversed(rows)]


# -- publishing ----------------------------------------------------------------------------
def to_store(built: BuiltDigest) -> dict[str, Any]:
    """What a digest row keeps: the policy's output, its window and min_group, and the
    guard marks for the next digest (team totals and head counts; never ids, P1)."""
    return {"policy": view_to_json(built.view), "start": built.window.start.isoformat(),
            "end": built.window.end.isoformat(), "min_group": built.min_group,
            "guard": {key: [m.value, m.contributors] for key, m in built.marks.items()}}


def publish(session: Session, team: Team, built: BuiltDigest, *, now: datetime) -> bool:
    """Store the digest and queue it; False if this team's period was already published."""
    ids = insert_ignoring_conflicts(session, Digest, [{
        "team_id": team.id, "period": built.view.period, "view": to_store(built),
        "created_at": now,
    }], returning=Digest.id)
    if not ids:
        return False
    target = digest_target(team)
    payload: dict[str, Any] = built.message.as_dict()
    if len(built.view.trend) > 1:  # a first digest has no trend to draw
        payload["upload"] = {"content_b64": base64.b64encode(built.chart.png).decode(),
                             "filename": f"tend-digest-{built.view.period}.png",
                             "title": f"{team.name}: trend",
                             "alt_text": built.chart.alt_text}
    key = f"digest:{team.id}:{built.view.period}"
    if target.startswith(("U", "W")):
        outbox.enqueue(session, workspace_id=team.workspace_id, key=key, payload=payload,
                       users=[target], now=now)
    else:
        outbox.enqueue(session, workspace_id=team.workspace_id, key=key,
                       payload={**payload, "join": True},
                       channel_id=target, now=now)
    return True


def plan_digests(session: Session, rituals: Sequence[RitualDefinition], *, now: datetime,
                 catchup: timedelta, ritual_ids: Collection[int] | None = None) -> int:
    """Plan the due sessions of these rituals (None: every one of its kind)."""
    published = 0
    for due in due_sessions(team_rituals(session, KIND, ritual_ids), now=now, catchup=catchup):
        if due.missed or due.skipped:
            continue  # a late digest is built on demand (`tend digest`), not sent late
        team = session.get_one(Team, due.ritual.team_id)
        window = window_ending(due.ritual.cadence, ZoneInfo(team.timezone),
                               due.scheduled_at, anchor=due.ritual.anchor)
        if digest_exists(session, team.id, window.period):
            continue
        published += publish(session, team, build(session, team, window, rituals), now=now)
    return published


def window_for(team: Team, *, month: str | None, now: datetime) -> tuple[Window, bool]:
    """The window `tend digest` builds: a given month, or the latest digest period."""
    ritual = digest_ritual(team)
    zone = ZoneInfo(team.timezone)
    cadence = ritual_cadence(ritual) if ritual else None
    anchor = ritual.anchor_date if ritual else now.date()
    if month is not None:
        window = month_window(month, zone, cadence=cadence, anchor=anchor)
        return window, cadence is None or cadence.every != "month" or window.period != month
    if cadence is None:
        return month_window(f"{now.astimezone(zone):%Y-%m}", zone, cadence=None,
                            anchor=anchor), True
    fire = latest_fire_time(cadence, zone, now, anchor=anchor)
    return window_ending(cadence, zone, fire, anchor=anchor), False
