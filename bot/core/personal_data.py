"""P6: people own their data. `/tend my-data` sends it to them; `/tend forget-me` deletes it."""

from __future__ import annotations

import json
import logging

from bot.core.export_user import export_user
from bot.platform.context import Caller, Services
from bot.rituals import registry
from bot.rituals.digest.redaction import edit_posted, redact_digests
from bot.slack.gateway import SlackCallError
from bot.storage.digests import digests_of_teams
from bot.storage.forgetting import delete_person_rows
from bot.storage.proposals import forget_votes_and_proposals
from bot.storage.scoping import rituals_in, teams_in

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


def forget(services: Services, caller: Caller) -> str:
    """Delete what the person wrote, shared and set in this workspace, and take their
    shared words out of the workspace's stored and posted digests; team figures stay."""
    ws, user_id = caller.workspace_id, caller.user_id
    with services.db.scope() as session:
        # The rituals' own rows first: a goal points at the answer it was written in.
        own = [part for ritual in registry.all_rituals()
               for part in ritual.forget(session, rituals_in(ws), user_id)]
        deleted = delete_person_rows(session, ws, user_id)
        votes, proposals = forget_votes_and_proposals(session, ws, user_id)

        def theirs(item: dict[str, object]) -> bool:
            return item.get("author_id") == user_id or item.get("text") in deleted.shared_texts

        redaction = redact_digests(session, digests_of_teams(session, teams_in(ws)),
                                   drop=theirs)
    edit_posted(services.slack, redaction.posted)
    counts = [f"{deleted.answers} answers", f"{deleted.commitments} commitments",
              *(f"{count} {what}" for count, what in own),
              f"{deleted.shared} shared highlights"]
    proposing = (f" Deleted {votes} proposal votes and took you off {proposals} proposals "
                 "(their text is the team's)." if votes or proposals else "")
    return (f"Done: deleted {', '.join(counts[:-1])} and {counts[-1]}.{proposing} "
            "Team digests keep only team-level figures.")
