"""Slack text helpers with no Slack dependency: escaping and clipping mrkdwn.

Kept apart from `render` (which validates with slack_sdk) so that pure modules, such as
the digest's chart, can escape text without importing Slack.
"""

from __future__ import annotations


def slack_escape(value: object) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(value: object, limit: int) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape_clipped(value: object, limit: int) -> str:
    """Clip, then escape: at most `limit` characters once escaped, and never half an
    entity (escaping first and clipping after can leave `&am`)."""
    escaped = slack_escape(value)
    if len(escaped) <= limit:
        return escaped
    kept, size = [], 1  # the ellipsis
    for char in str(value):
        piece = _ESCAPES.get(char, char)
        if size + len(piece) > limit:
            break
        kept.append(piece)
        size += len(piece)
    return "".join(kept) + "…"
