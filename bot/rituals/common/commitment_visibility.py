"""Which commitments may be shown in a conversation (P7: content stays with its people).

A commitment's words were written in one conversation. They may be listed in another
only when everyone who will see it there was a participant of the first: after a quad
is redrawn or a member's line manager changes, older commitments stay where they were
made (their original message keeps its buttons) rather than reaching new eyes.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from bot.storage.models import Commitment, Occurrence


def shareable_with(session: Session, commitments: list[Commitment], audience: set[str], *,
                   participants: Callable[[Session, Occurrence], set[str]]
                   ) -> list[Commitment]:
    """`participants` is the ritual's own: a commitment is made in its ritual's thread."""
    origins: dict[int, set[str]] = {}
    shown: list[Commitment] = []
    for commitment in commitments:
        if commitment.occurrence_id not in origins:
            origin = session.get_one(Occurrence, commitment.occurrence_id)
            origins[commitment.occurrence_id] = participants(session, origin)
        if audience <= origins[commitment.occurrence_id]:
            shown.append(commitment)
    return shown
