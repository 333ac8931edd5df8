"""A workspace leaving: tokens go at once, its data after the grace period (P6).

`app_uninstalled` and `tokens_revoked` (of the bot token) delete the workspace's tokens
from the installation store immediately and stop everything for it: nothing is planned,
unsent messages are dropped. Its teams, people, conversations and history are deleted
by the clock `TEND_UNINSTALL_GRACE_DAYS` later, unless it is reinstalled before then.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from bot.platform.context import Services
from bot.slack.workspaces import InstalledWorkspaces
from bot.storage import slack_oauth, workspaces

log = logging.getLogger(__name__)


def forget_tokens(services: Services, workspace_id: str) -> None:
    """Delete the workspace's tokens now and stop acting for it."""
    if isinstance(services.slack, InstalledWorkspaces):
        slack_oauth.delete_workspace_tokens(services.slack.store, workspace_id)
    services.slack.forget(workspace_id)
    with services.db.scope() as session:
        workspaces.mark_uninstalled(session, workspace_id, now=services.now())
    log.info("workspace %s uninstalled: tokens deleted, data kept until the grace period ends",
             workspace_id)


def tokens_revoked(services: Services, workspace_id: str, tokens: dict[str, Any]) -> None:
    """Without its bot token tend can do nothing there: treat it as an uninstall.

    Revoked user tokens (tend asks for none) are removed from the store all the same.
    """
    if tokens.get("bot"):
        forget_tokens(services, workspace_id)
        return
    if isinstance(services.slack, InstalledWorkspaces):
        slack_oauth.delete_user_tokens(services.slack.store, workspace_id,
                                       [str(user_id) for user_id in tokens.get("oauth") or []])


def purge_departed(services: Services, *, now: datetime) -> list[str]:
    """Delete the data of workspaces uninstalled longer ago than the grace period."""
    with services.db.scope() as session:
        due = workspaces.due_for_purge(session, now=now, grace=services.uninstall_grace)
        for workspace_id in due:
            counts = workspaces.purge_workspace(session, workspace_id)
            log.info("workspace %s purged: %s", workspace_id, counts)
    return due
