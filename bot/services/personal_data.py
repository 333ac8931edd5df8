"""P6: people own their data. `/tend my-data` sends it to them; `/tend forget-me` deletes it."""

from __future__ import annotations

import json
import logging

from sqlalchemy import delete, select

from bot.services.context import Services
from bot.services.export_user import export_user
from bot.slack.gateway import SlackCallError
from bot.storage.models import Commitment, Goal, Person, Reply, SharedReply

log = logging.getLogger(__name__)


def send_my_data(services: Services, user_id: str) -> None:
    """Everything stored about the person, as a JSON file in a DM to them alone."""
    with services.db.scope() as session:
        data = export_user(session, user_id)
    content = json.dumps(data, indent=2, ensure_ascii=False).encode()
    try:
        channel = services.gateway.open_conversation([user_id])
        services.gateway.upload_file(channel, thread_ts=None, content=content,
                                     filename="tend-my-data.json",
                                     title="Everything tend stores about you",
                                     alt_text="Your tend data as JSON")
    except SlackCallError as exc:
        log.warning("my-data not delivered: %s", exc)


def forget(services: Services, user_id: str) -> dict[str, int]:
    """Delete what the person wrote and their settings; team aggregates stay."""
    with services.db.scope() as session:
        reply_ids = list(session.scalars(select(Reply.id).where(Reply.user_id == user_id)))
        counts = {
            "shared": session.execute(delete(SharedReply).where(
                SharedReply.author_id == user_id)).rowcount,
            "commitments": session.execute(delete(Commitment).where(
                Commitment.owner_id == user_id)).rowcount,
            "goals": session.execute(delete(Goal).where(Goal.owner_id == user_id)).rowcount,
            "answers": session.execute(delete(Reply).where(Reply.id.in_(reply_ids))).rowcount,
        }
        person = session.get(Person, user_id)
        if person is not None:
            person.away_until, person.reminders_off = None, False
    return counts
