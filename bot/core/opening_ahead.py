"""Opening conversations ahead of their first post, in the background of the clock.

A check-in pair's group DM never changes, so it is opened (conversations.open, Tier 3:
50+ a minute) as soon as the pair exists, a few each tick, and its id cached; at the
cadence time the fan-out then only posts. The opens are paced below Tier 3 by a token
bucket per process, leaving room for the opens the sender still makes itself; a 429
that gets through is retried by slack_sdk after Retry-After (see the gateway).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from itertools import groupby

from sqlalchemy.orm import Session

from bot.platform.pacing import TokenBucket
from bot.rituals import registry
from bot.slack.gateway import SlackCallError
from bot.slack.workspaces import SlackWorkspaces
from bot.storage.conversations import (
    conversations_to_open,
    forget_to_open,
    remember_conversation,
    users_key,
    want_conversations,
)
from bot.storage.db import Database
from bot.storage.teams import served_team_ids, team_by_id

log = logging.getLogger(__name__)


def mark_conversations_to_open(db: Database, *, now: datetime) -> int:
    """Mark every conversation the served teams' rituals will post to and that is not
    open yet (a team file applies this for its own teams; the clock does it for all as
    it starts, for teams set up before tend opened conversations ahead).

    One team's rows are loaded at a time and let go before the next, keeping only the
    key of each conversation: at 50,000 members the whole roster in the session at
    once would double the clock's memory."""
    marked = 0
    with db.scope() as session:
        team_ids = served_team_ids(session)
    for workspace_id, teams in groupby(team_ids, key=lambda pair: pair[0]):
        with db.scope() as session:
            marked += want_conversations(
                session, workspace_id=workspace_id, now=now,
                groups=_conversations_team_by_team(session, [team for _, team in teams]))
    return marked


def _conversations_team_by_team(session: Session, team_ids: list[int]
                                ) -> Iterator[list[str]]:
    """Each team's conversations, its rows let go (expunged) before the next team's are
    loaded: nothing else is in the session while want_conversations reads this."""
    for team_id in team_ids:
        yield from registry.conversations_of([team_by_id(session, team_id)])
        session.expunge_all()


def open_conversations_ahead(db: Database, slack: SlackWorkspaces, *, now: datetime,
                             bucket: TokenBucket) -> int:
    """Open the oldest conversations waiting, as many as the bucket allows now (never
    waiting for it: the next tick opens more); returns how many."""
    with db.scope() as session:
        waiting = conversations_to_open(session, limit=bucket.burst)
    opened = 0
    for workspace_id, users in waiting:
        if not bucket.take():
            break  # the rest next tick
        try:
            channel = slack.gateway(workspace_id).open_conversation(users)
        except SlackCallError as exc:
            if not exc.permanent:  # still limited after slack_sdk's retries, or down
                log.info("opening conversations ahead paused: %s", exc)
                break
            log.info("conversation of %d people not opened ahead: %s", len(users), exc.error)
            with db.scope() as session:
                forget_to_open(session, workspace_id=workspace_id, key=users_key(users))
            continue
        with db.scope() as session:
            remember_conversation(session, workspace_id=workspace_id, users=users,
                                  channel_id=channel, now=now)
        opened += 1
    return opened
