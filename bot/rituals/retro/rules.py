"""The team retrospective's rules, pure: `agree:` lines, votes, closing, what may be shown.

The thread syntax, documented for users:

    agree: <a norm the team keeps>
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.enums import RetroChoice

MAX_AGREEMENT = 300  # characters: a norm is one sentence, not an essay
MIN_GROUP_FLOOR = 3  # P2: no count is shown for fewer distinct people than this
OPEN_FOR = timedelta(days=7)  # voting closes after this, or at the next retro if sooner
AGREEMENT_HELP = ("Write it as `agree: <a norm the team keeps>`, e.g. "
                  "`agree: no meetings on Fridays`.")
# P2's sentence for a figure withheld because too few people took part (the digest's too).
TOO_FEW = "Not shown: too few people voted to share it without identifying anyone."

_PREFIX = re.compile(r"^\s*agree\s*:\s*", re.IGNORECASE)


class AgreementError(ValueError):
    """Why an `agree:` line records nothing, in words for its author."""


def is_agreement_line(text: str) -> bool:
    return bool(_PREFIX.match(text))


def parse_agreement(text: str) -> str:
    """The agreement an `agree:` line records, whitespace collapsed."""
    return validate_agreement(_PREFIX.sub("", text, count=1))


def validate_agreement(text: str) -> str:
    agreement = " ".join(text.split())
    if not agreement:
        raise AgreementError(f"Say what the team agrees. {AGREEMENT_HELP}")
    if len(agreement) > MAX_AGREEMENT:
        raise AgreementError(f"Keep an agreement to {MAX_AGREEMENT} characters (this has "
                             f"{len(agreement)}).")
    return agreement


def closes_at(session_at: datetime, next_session_at: datetime | None) -> datetime:
    """Voting closes 7 days after the session, or at the next retro if that is sooner."""
    week_later = session_at + OPEN_FOR
    return min(week_later, next_session_at) if next_session_at else week_later


@dataclass(frozen=True)
class RitualResult:
    """One ritual's line of a closed retro: counts, or None when too few voted (P2)."""

    title: str
    counts: dict[str, int] | None


def tally(title: str, choices: Iterable[str], *, min_group: int) -> RitualResult:
    """Team counts of one ritual's votes (one per voter), or None below min_group."""
    votes = list(choices)
    if len(votes) < max(min_group, MIN_GROUP_FLOOR):
        return RitualResult(title, None)
    return RitualResult(title, {c.value: votes.count(c.value) for c in RetroChoice})


def leading(counts: dict[str, int] | None) -> str | None:
    """The choice with strictly more votes than each other one, if counts are shown: a
    *drop* drafts a proposal to switch the ritual off, a *change* invites one."""
    if not counts:
        return None
    ranked = sorted(counts.items(), key=lambda item: item[1], reverse=True)
    top, votes = ranked[0]
    return top if votes > 0 and all(votes > n for _c, n in ranked[1:]) else None
