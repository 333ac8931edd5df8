"""P6: people own their data. `/tend my-data` sends it to them; `/tend forget-me` deletes it."""

from __future__ import annotations

import json
import logging

from sqlalchemy import delete, select

from bot.services.context import Caller, Services
from bot.services.export_user import export_user
from bot.slack.gateway import SlackCallError
from bot.storage.models import Commitment, Goal, Person, Reply, SharedReply
from bot.storage.scoping import occurrences_in, rituals_in, teams_in

log = logging.getLogger(__name__)


def send_my_data(services: Services, caller: Caller) -> None:
    """Everything stored about the person, as a JSON file in a DM to them alone."""
    with services.db.scope() as session:
        data = export_user(session, caller.workspace_id, caller.user_id)
    content = json.dumps(data, indent=2, ensure_ascii=False).encode()
    try:
        gateway = services.gateway_for(caller.workspace_id)
        channel = gateway.open_conversation([caller.user_id])
        gateway.upload_file(channel, thread_ts=None, content=content,
                                     filename="tend-my-data.json",
                                     title="Everything tend stores about you",
                                     alt_text="Your tend data as JSON")
    except SlackCallError as exc:
        log.warning("my-data not delivered: %s", exc)


def forget(services: Services, caller: Caller) -> dict[str, int]:
    """Delete what the person wrote in this workspace and their settings there; team
    aggregates stay."""
    ws, user_id = caller.workspace_id, caller.user_id
    with services.db.scope() as session:
        reply_ids = list(session.scalars(select(Reply.id).where(
            Reply.user_id == user_id, Reply.occurrence_id.in_(occurrences_in(ws)))))
        counts = {
            "shared": session.execute(delete(SharedReply).where(
                SharedReply.author_id == user_id,
                SharedReply.team_id.in_(teams_in(ws)))).rowcount,
            "commitments": session.execute(delete(Commitment).where(
                Commitment.owner_id == user_id,
                Commitment.ritual_id.in_(rituals_in(ws)))).rowcount,
            "goals": session.execute(delete(Goal).where(
                Goal.owner_id == user_id, Goal.ritual_id.in_(rituals_in(ws)))).rowcount,
            "answers": session.execute(delete(Reply).where(Reply.id.in_(reply_ids))).rowcount,
        }
        person = session.get(Person, (ws, user_id))
        if person is not None:
            person.away_until, person.reminders_off = None, False
    return counts
