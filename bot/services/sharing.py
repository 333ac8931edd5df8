"""'Share in digest': a person shares one of their own replies, by their explicit choice."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.messages.render import render_view
from bot.services.context import Services
from bot.services.notices import tell_privately
from bot.storage.inserts import insert_ignoring_conflicts
from bot.storage.models import Occurrence, Reply, Ritual, SharedReply
from bot.storage.replies import find_reply

ONLY_YOUR_OWN = ("Only your own replies in tend threads can be shared in the digest. "
                 "Nothing was shared.")
KINDS = ("highlight", "ask")


def open_share_modal(services: Services, *, user_id: str, channel_id: str, message_ts: str,
                     trigger_id: str) -> None:
    with services.db.scope() as session:
        reply = find_reply(session, channel_id=channel_id, ts=message_ts)
        allowed = reply is not None and reply.user_id == user_id
        view = render_view("share_modal.json.j2", reply_id=reply.id, text=reply.text
                           ) if allowed and reply is not None else None
    if view is None:
        tell_privately(services, channel=channel_id, user=user_id, text=ONLY_YOUR_OWN)
        return
    services.gateway.open_view(trigger_id, view)


def share(services: Services, *, user_id: str, reply_id: int, kind: str, named: bool
          ) -> str | None:
    """Record the author's choice; returns a refusal, or None when shared."""
    if kind not in KINDS:
        return "Choose a highlight or an ask."
    with services.db.scope() as session:
        reply = session.get(Reply, reply_id)
        if reply is None or reply.user_id != user_id:
            return ONLY_YOUR_OWN
        team_id = _team_of(session, reply)
        inserted = insert_ignoring_conflicts(session, SharedReply, [{
            "reply_id": reply.id, "team_id": team_id, "author_id": user_id, "kind": kind,
            "named": named, "created_at": services.now(),
        }], returning=SharedReply.id)
        if not inserted:  # shared before: the latest choice of kind and name wins
            existing = session.query(SharedReply).filter_by(reply_id=reply.id).one()
            existing.kind, existing.named = kind, named
    return None


def _team_of(session: Session, reply: Reply) -> int:
    occurrence = session.get_one(Occurrence, reply.occurrence_id)
    return session.get_one(Ritual, occurrence.ritual_id).team_id
