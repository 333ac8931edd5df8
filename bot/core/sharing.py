"""'Share in digest': a person shares one of their own replies, by their explicit choice."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.messages.render import Template, render_view
from bot.platform.context import Caller, Services
from bot.platform.notices import open_form
from bot.storage.events import first_delivery, handled
from bot.storage.models import Reply
from bot.storage.replies import find_reply
from bot.storage.scoping import reply_in_workspace
from bot.storage.shares import share_reply

ONLY_YOUR_OWN = ("Only your own replies in tend threads can be shared in the digest. "
                 "Nothing was shared.")
KINDS = ("highlight", "ask")


def _own_reply(session: Session, caller: Caller, reply: Reply | None) -> Reply | None:
    """The reply if the caller wrote it, in a thread of the caller's own workspace."""
    if reply is None or reply.user_id != caller.user_id:
        return None
    return reply_in_workspace(session, reply, caller.workspace_id)


def open_share_modal(services: Services, *, caller: Caller, channel_id: str, message_ts: str,
                     trigger_id: str) -> str | None:
    """Open the modal before the ack (the trigger lasts 3 s); returns what to tell the
    person privately instead, if anything."""
    with services.db.scope() as session:
        reply = _own_reply(session, caller, find_reply(session, channel_id=channel_id,
                                                       ts=message_ts))
        view = render_view(Template.SHARE_MODAL, reply_id=reply.id, text=reply.text
                           ) if reply is not None else None
    if view is None:
        return ONLY_YOUR_OWN
    return open_form(services, workspace_id=caller.workspace_id, trigger_id=trigger_id, view=view,
                     form="share", again="Use *Share in digest* again.")


def share(services: Services, *, caller: Caller, reply_id: int, kind: str, named: bool,
          submission_id: str) -> str | None:
    """Record the author's choice, once per submitted view; returns a refusal, or None
    when shared."""
    if kind not in KINDS:
        return "Choose a highlight or an ask."
    with services.db.scope() as session:
        if handled(session, event_id=submission_id):
            return None
        reply = _own_reply(session, caller, session.get(Reply, reply_id))
        if reply is None:
            return ONLY_YOUR_OWN
        if not first_delivery(session, event_id=submission_id, now=services.now()):
            return None  # a twin recorded it (last guard; `handled` waits)
        # The same store as `share:` lines; shared before, the latest choice wins.
        share_reply(session, reply, kind=kind, named=named, by_keyword=False,
                    now=services.now())
    return None
