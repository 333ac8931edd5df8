"""The `/tend` command: what each person may ask for, answered privately."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.digest.chart import render_trend_chart
from bot.messages.render import MAX_MESSAGE_BLOCKS, Message, render_message
from bot.rituals.digest_period import Window
from bot.services.context import Services
from bot.services.digests import latest_digest, render_digest, view_from_json
from bot.storage.models import Team, TeamRole

HELP = ("*tend* holds short, regular, two-way conversations: weekly check-ins, monthly "
        "goal sharing and peer quads.\n"
        "• `/tend digest` — managers: the latest team digest of each team you manage\n"
        "• `/tend help` — this list")
NOT_A_MANAGER = ("Only a team's managers can read its digest here, and only for the "
                 "teams they manage. The digest has team-level figures only.")


def answer(services: Services, *, user_id: str, text: str) -> Message:
    words = text.strip().lower().split()
    if words and words[0] == "digest":
        return digests_for(services, user_id=user_id)
    if words and words[0] != "help":
        return _notice(f"I don't know `/tend {words[0]}`.\n\n{HELP}")
    return _notice(HELP)


def _notice(text: str) -> Message:
    return render_message("notice.json.j2", text=text)


def digests_for(services: Services, *, user_id: str) -> Message:
    with services.db.scope() as session:
        teams = session.scalars(
            select(Team).join(TeamRole).where(TeamRole.user_id == user_id,
                                              TeamRole.role == "manager",
                                              TeamRole.active.is_(True))
            .order_by(Team.name)).all()
        if not teams:
            return _notice(NOT_A_MANAGER)
        parts: list[Message] = []
        for team in teams:
            row = latest_digest(session, team.id)
            parts.append(_stored_digest(team, row.view) if row else _notice(
                f"No digest has been posted for *{team.name}* yet."))
    return _combine(parts)


def _stored_digest(team: Team, stored: dict[str, object]) -> Message:
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
