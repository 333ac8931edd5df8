"""Slack mrkdwn to safe HTML, for the demo transcript.

Slack text arrives with `&`, `<` and `>` escaped as entities; a raw `<…>` is a control
sequence (mention, channel, link). So: pull out the control sequences and code spans
first, decode Slack's three entities, HTML-escape what is left, and only then add
formatting tags. User text can therefore never produce a tag of its own.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

# The shortcodes tend and its demo team use; anything else stays as `:name:` text.
EMOJI: dict[str, str] = {
    "pushpin": "📌", "dart": "🎯", "repeat": "🔁", "white_check_mark": "✅",
    "heavy_check_mark": "✔️", "x": "❌", "warning": "⚠️", "tada": "🎉", "wave": "👋",
    "calendar": "📆", "date": "📅", "spiral_calendar_pad": "🗓️", "memo": "📝",
    "seedling": "🌱", "sparkles": "✨", "+1": "👍", "thumbsup": "👍", "-1": "👎",
    "eyes": "👀", "raised_hands": "🙌", "clap": "👏", "heart": "❤️", "pray": "🙏",
    "muscle": "💪", "fire": "🔥", "rocket": "🚀", "star": "⭐", "bulb": "💡",
    "speech_balloon": "💬", "handshake": "🤝", "bar_chart": "📊",
    "chart_with_upwards_trend": "📈", "hourglass": "⌛", "hourglass_flowing_sand": "⏳",
    "alarm_clock": "⏰", "bell": "🔔", "busts_in_silhouette": "👥", "point_right": "👉",
    "arrows_counterclockwise": "🔄", "arrow_right": "➡️", "question": "❓",
    "smile": "😄", "slightly_smiling_face": "🙂", "thinking_face": "🤔", "ok_hand": "👌",
    "checkered_flag": "🏁", "no_entry_sign": "🚫", "zzz": "💤", "lock": "🔒",
    "mag": "🔍", "trophy": "🏆", "100": "💯",
}

_SLACK_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITY_CHARS = {"amp": "&", "lt": "<", "gt": ">"}
_TOKEN = re.compile(r"<([^<>\n]*)>")
_INLINE_CODE = re.compile(r"`([^`\n]+)`")
_CODE_FENCE = re.compile(r"```(.*?)```", re.DOTALL)
_PLACEHOLDER = re.compile(r"\x00(\d+)\x00")
_EMOJI_CODE = re.compile(r":([a-z0-9_+\-]+):")
_LINK_SCHEMES = ("http://", "https://", "mailto:")
# Slack only formats when the marker hugs a word and is not inside one (snake_case stays).
_STYLES = [
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), "b"),
    (re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])"), "i"),
    (re.compile(r"(?<![\w~])~(?=\S)(.+?)(?<=\S)~(?![\w~])"), "s"),
]
_QUOTE = re.compile(r"^(?:&gt;|>)(?!&gt;&gt;|>>) ?")
_QUOTE_REST = re.compile(r"^(?:&gt;&gt;&gt;|>>>) ?")


def decode_entities(text: str) -> str:
    """Slack's own escaping undone once (so `&amp;lt;` stays the literal `&lt;`)."""
    return _SLACK_ENTITY.sub(lambda m: _ENTITY_CHARS[m.group(1)], text)


def emoji(name: str) -> str | None:
    return EMOJI.get(name)


def emojify(escaped: str) -> str:
    """Known `:shortcodes:` in already-escaped HTML to their characters."""
    return _EMOJI_CODE.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), escaped)


def plain_to_html(text: str, *, with_emoji: bool = True) -> str:
    """A `plain_text` object: shown literally, newlines kept."""
    out = html.escape(text.replace("\x00", ""), quote=False)
    return (emojify(out) if with_emoji else out).replace("\n", "<br>")


def mrkdwn_to_html(text: str, people: Mapping[str, str],
                   channels: Mapping[str, str] | None = None) -> str:
    """Slack mrkdwn to safe HTML. `people` maps user ids to names, `channels` channel
    ids to names (without `#`) for `<#C…>` references that carry no label."""
    names = _Names(people, channels or {})
    text = text.replace("\x00", "")  # reserved for placeholders below
    pieces: list[tuple[str, str]] = []  # ("line" | "block", html)
    parts = _CODE_FENCE.split(text)
    for i, part in enumerate(parts):
        if i % 2:
            code = _code(part.strip("\n"), names)
            pieces.append(("block", f'<pre class="code-block">{code}</pre>'))
            continue
        # Slack drops the line break that touches a fence.
        if i > 0:
            part = part.removeprefix("\n")
        if i < len(parts) - 1:
            part = part.removesuffix("\n")
        pieces.extend(_lines(part, names))
    return _join(pieces)


class _Names:
    def __init__(self, people: Mapping[str, str], channels: Mapping[str, str]) -> None:
        self.people, self.channels = people, channels


def _join(pieces: list[tuple[str, str]]) -> str:
    out: list[str] = []
    for i, (kind, fragment) in enumerate(pieces):
        if i and kind == "line" and pieces[i - 1][0] == "line":
            out.append("<br>")
        out.append(fragment)
    return "".join(out)


def _lines(part: str, names: _Names) -> list[tuple[str, str]]:
    if not part:
        return []
    pieces: list[tuple[str, str]] = []
    quoted: list[str] = []

    def flush() -> None:
        if quoted:
            pieces.append(("block", f"<blockquote>{'<br>'.join(quoted)}</blockquote>"))
            quoted.clear()

    lines = part.split("\n")
    for n, line in enumerate(lines):
        if _QUOTE_REST.match(line):  # `>>>` quotes everything after it
            rest = [_QUOTE_REST.sub("", line, count=1), *lines[n + 1:]]
            quoted.extend(_inline(r, names) for r in rest)
            break
        if _QUOTE.match(line):
            quoted.append(_inline(_QUOTE.sub("", line, count=1), names))
            continue
        flush()
        pieces.append(("line", _inline(line, names)))
    flush()
    return pieces


def _inline(line: str, names: _Names) -> str:
    """One line: code spans and control sequences are rendered and set aside first."""
    saved: list[str] = []

    def keep(fragment: str) -> str:
        saved.append(fragment)
        return f"\x00{len(saved) - 1}\x00"

    line = _INLINE_CODE.sub(lambda m: keep(f"<code>{_code(m.group(1), names)}</code>"), line)
    line = _TOKEN.sub(lambda m: keep(_token(m.group(1), names)), line)
    out = html.escape(decode_entities(line), quote=False)
    for pattern, tag in _STYLES:
        out = pattern.sub(rf"<{tag}>\1</{tag}>", out)
    out = emojify(out)
    return _restore(out, saved)


def _code(text: str, names: _Names) -> str:
    """Code is literal: references become their plain names, nothing is formatted."""
    saved: list[str] = []

    def keep(m: re.Match[str]) -> str:
        saved.append(html.escape(_token_text(m.group(1), names), quote=False))
        return f"\x00{len(saved) - 1}\x00"

    out = html.escape(decode_entities(_TOKEN.sub(keep, text)), quote=False)
    return _restore(out, saved).replace("\n", "<br>")


def _restore(out: str, saved: list[str]) -> str:
    return _PLACEHOLDER.sub(lambda m: saved[int(m.group(1))], out)


def _split(inner: str) -> tuple[str, str | None]:
    target, bar, label = inner.partition("|")
    return target, (decode_entities(label) if bar else None)


def _token_text(inner: str, names: _Names) -> str:
    """What a control sequence reads as, without markup."""
    target, label = _split(inner)
    if target.startswith("@"):
        uid = target[1:]
        return "@" + (names.people.get(uid) or label or uid).lstrip("@")
    if target.startswith("#"):
        cid = target[1:]
        return "#" + (label or names.channels.get(cid) or cid).lstrip("#")
    if target.startswith("!"):
        return _special(target[1:], label)
    if target.startswith(_LINK_SCHEMES):
        return label or decode_entities(target)
    return f"<{decode_entities(inner)}>"  # not a control sequence Slack knows: literal


def _special(command: str, label: str | None) -> str:
    word = command.split("^", 1)[0]
    if word in {"here", "channel", "everyone"}:
        return f"@{word}"
    return label or f"<!{decode_entities(command)}>"


def _token(inner: str, names: _Names) -> str:
    text = html.escape(_token_text(inner, names), quote=False)
    target, _ = _split(inner)
    if target.startswith(("@", "#")) or target in {"!here", "!channel", "!everyone"}:
        return f'<span class="mention">{text}</span>'
    if target.startswith(_LINK_SCHEMES):
        href = html.escape(decode_entities(target), quote=True)
        return f'<a href="{href}" rel="noopener noreferrer">{text}</a>'
    return text


def link_html(url: str, label: str) -> str:
    """A rich-text link; only schemes that cannot run script become anchors."""
    text = html.escape(label or url, quote=False)
    if not url.startswith(_LINK_SCHEMES):
        return text
    return f'<a href="{html.escape(url, quote=True)}" rel="noopener noreferrer">{text}</a>'
