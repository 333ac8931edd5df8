"""What a tick has to do: one statement of indexed EXISTS tests, one per tick step.

Each test is the EXISTS form of the step's own query: it uses the criterion the step's
storage function selects with (`schedules.rituals_due`, `nudges.prompts_due`, ...), so
the probe cannot say "nothing" while the step would find something. A quiet tick asks
this and nothing else (docs/architecture.md, "What is due").
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from bot.storage import (
    digests,
    introductions,
    nudges,
    outbox,
    people,
    proposals,
    retention,
    schedules,
    workspaces,
)
from bot.storage.models import (
    ConversationToOpen,
    Digest,
    Introduction,
    Occurrence,
    OutboxMessage,
    Person,
    Proposal,
    Ritual,
    Workspace,
)


@dataclass(frozen=True)
class Due:
    """Which tick steps have work, in the tick's order."""

    unknown_zones: bool
    introductions: bool
    rituals: bool
    proposals: bool
    reminders: bool
    new_digests: bool
    messages: bool
    stale_zones: bool
    conversations: bool
    old_rows: bool
    departed: bool


def what_is_due(session: Session, *, now: datetime, nudge_after: timedelta,
                keep: timedelta, grace: timedelta) -> Due:
    """Ask every step's indexed question at once (`keep`: the retention limit, `grace`:
    how long an uninstalled workspace's data is kept)."""
    tests: dict[str, ColumnElement[bool]] = {
        "unknown_zones": exists().where(people.needing_timezone(now=now, unknown_only=True))
        .select_from(Person),
        "introductions": exists().where(introductions.waiting()).select_from(Introduction),
        "rituals": exists().where(schedules.rituals_due(now)).select_from(Ritual),
        "proposals": exists().where(proposals.proposals_due(now)).select_from(Proposal),
        "reminders": exists().where(nudges.prompts_due(now - nudge_after))
        .select_from(Occurrence),
        "new_digests": exists().where(digests.made_at(now)).select_from(Digest),
        "messages": exists().where(outbox.messages_due(now)).select_from(OutboxMessage),
        "stale_zones": exists().where(people.needing_timezone(now=now)).select_from(Person),
        # The whole queue: the step opens its oldest, whatever their age.
        "conversations": exists().select_from(ConversationToOpen),
        "old_rows": retention.anything_old(before=now - keep,
                                           events_before=now - retention.EVENT_IDS_KEPT,
                                           now=now),
        "departed": exists().where(workspaces.departed(now=now, grace=grace))
        .select_from(Workspace),
    }
    assert list(tests) == [f.name for f in fields(Due)]
    row = session.execute(select(*(test.label(name) for name, test in tests.items()))).one()
    return Due(**{name: bool(value) for name, value in row._mapping.items()})
