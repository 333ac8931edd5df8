"""Taking shared words back out of digests already built (P6 with P3).

A stored digest keeps the text of the items people chose to share. When their author
uses forget-me, or retention reaches the digest, those words must go: from the stored
view (which `/tend digest` and the Home show again), from the rendered copy in the
outbox (still pending, or kept after sending), and from the message already posted in
Slack. The figures stay: they are team-level and hold no one's words.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from bot.domain.enums import OutboxStatus
from bot.messages.render import Message
from bot.rituals.digest.flows import render_stored
from bot.slack.gateway import SlackCallError
from bot.slack.workspaces import SlackWorkspaces
from bot.storage import outbox
from bot.storage.models import Digest, Team

log = logging.getLogger(__name__)

SharedFilter = Callable[[dict[str, Any]], bool]  # True: take this stored shared item out


@dataclass(frozen=True)
class PostedDigest:
    """A digest already in Slack whose message must be edited to match its redaction."""

    workspace_id: str
    channel_id: str
    ts: str
    message: Message


@dataclass
class Redaction:
    digests: int = 0
    posted: list[PostedDigest] = field(default_factory=list)  # to edit once committed


def redact_digests(session: Session, digests: Iterable[Digest], *, drop: SharedFilter
                   ) -> Redaction:
    """Take the shared items `drop` picks out of `digests` and of their outbox copies."""
    done = Redaction()
    for row in digests:
        policy = row.view["policy"]
        kept = [item for item in policy["shared"] if not drop(item)]
        if len(kept) == len(policy["shared"]):
            continue
        # A new dict, not an in-place edit: the JSON column tracks assignment only.
        row.view = {**row.view, "policy": {**policy, "shared": kept}}
        done.digests += 1
        team = session.get_one(Team, row.team_id)
        message = render_stored(team, row.view)
        copy = outbox.message_by_key(session, f"digest:{row.team_id}:{row.period}")
        if copy is None:
            continue
        copy.payload = {**copy.payload, **message.as_dict()}
        if copy.status == OutboxStatus.SENT and copy.sent_channel_id and copy.sent_ts:
            done.posted.append(PostedDigest(team.workspace_id, copy.sent_channel_id,
                                       copy.sent_ts, message))
    return done


def edit_posted(slack: SlackWorkspaces, posted: Iterable[PostedDigest]) -> None:
    """Replace posted digests with their redacted version; a failure is logged only
    (the stored copies are already clean, and Slack may have lost the message)."""
    for digest in posted:
        try:
            slack.gateway(digest.workspace_id).update_message(
                digest.channel_id, digest.ts, text=digest.message.text,
                blocks=digest.message.blocks)
        except SlackCallError as exc:
            log.warning("a redacted digest was not updated in Slack: %s", exc)
