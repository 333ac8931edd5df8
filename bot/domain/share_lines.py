"""`share:` and `share named:` lines in a tend thread: words a person offers to their
team's digest by their own act (P3). Pure: no storage, no Slack.

A reply may hold one or more share lines among other lines ("Good week.\nshare: we
shipped the importer"); only the words after the keywords are offered, never the rest
of the reply. A reply's words are signed only if every share line in it says
`share named:`, so one unsigned line never becomes signed by another's choice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# At the start of a line (after a quote or bold/italic marks), the keyword and a colon.
_SHARE_LINE = re.compile(
    r"^[ \t>*_~]*share(?P<named>[ \t]+named)?[ \t]*:[*_~]*(?P<words>.*)$",
    re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class ShareLines:
    """The words a reply offers to the digest (empty: the keywords with nothing after
    them), and whether its author signed them."""

    words: str
    named: bool


def share_lines(text: str) -> ShareLines | None:
    """The reply's share lines, or None if it has none."""
    found = list(_SHARE_LINE.finditer(text))
    if not found:
        return None
    words = "\n".join(w for m in found if (w := m.group("words").strip()))
    return ShareLines(words=words, named=all(m.group("named") for m in found))


def shared_words(text: str) -> str:
    """What the digest shows of a reply shared by its share lines: their words only."""
    lines = share_lines(text)
    return lines.words if lines is not None else ""
