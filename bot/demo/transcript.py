"""The `tend demo` transcript: Slack conversations as one self-contained HTML page.

A pure function from data to a string. Everything is inline (CSS, images as data: URIs)
so a coach can open the file anywhere, offline, and nothing is fetched from outside;
the only external URLs are links that were in the message text itself.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from bot.demo.mrkdwn import emoji, link_html, mrkdwn_to_html, plain_to_html

__all__ = ["Attachment", "Conversation", "Entry", "mrkdwn_to_html", "render_transcript"]

Block = dict[str, Any]


@dataclass(frozen=True)
class Conversation:
    id: str  # Slack channel id: "C…" channel, "G…" group DM, "D…" DM
    title: str  # "#platform", "Maya Jansen, Sam Lee & tend", "tend → Maya Jansen"
    kind: str  # "channel" | "group" | "dm"


@dataclass(frozen=True)
class Attachment:
    filename: str
    title: str
    alt_text: str
    png: bytes  # embedded as a data: URI


@dataclass(frozen=True)
class Entry:
    conversation: str  # Conversation.id
    ts: str  # Slack ts; seconds since the epoch of the simulated time
    user: str  # a user id; the bot's id for tend's own posts
    text: str  # the fallback text, shown when there are no blocks
    blocks: list[dict] | None
    thread_ts: str | None = None
    edited: bool = False
    reactions: tuple[tuple[str, int], ...] = ()  # (emoji name, count)
    files: tuple[Attachment, ...] = ()


_KIND_ORDER = {"channel": 0, "group": 1, "dm": 2}
_KIND_HEADINGS = {"channel": "Channels", "group": "Group messages", "dm": "Direct messages"}
_KIND_LABELS = {"channel": "Channel", "group": "Group DM", "dm": "Direct message"}
# English names by hand: strftime's %a/%b follow the machine's locale.
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]
_AVATAR_COLOURS = ["#e01e5a", "#36c5f0", "#2eb67d", "#ecb22e", "#4a154b", "#1264a3",
                   "#e8912d", "#9e3997", "#2bac76", "#611f69"]
_DATA_IMAGE = re.compile(r"^data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*$")


@dataclass(frozen=True)
class _Context:
    people: Mapping[str, str]
    channels: Mapping[str, str]
    bot_user_id: str
    zone: ZoneInfo

    def mrkdwn(self, text: str) -> str:
        return mrkdwn_to_html(text, self.people, self.channels)

    def name(self, user: str) -> str:
        if user == self.bot_user_id:
            return self.people.get(user, "tend")
        return self.people.get(user, user)


# ---------------------------------------------------------------------------- document


def render_transcript(*, title: str, subtitle: str, conversations: list[Conversation],
                      entries: list[Entry], people: dict[str, str], bot_user_id: str,
                      timezone: str = "UTC") -> str:
    """A complete HTML document. `people` maps user ids to display names.

    Conversations are listed channels first, then group DMs, then DMs (each kind in the
    order given); messages in time order, thread replies under their parent.
    Raises `zoneinfo.ZoneInfoNotFoundError` for an unknown `timezone`.
    """
    convs = _with_implicit(conversations, entries)
    ctx = _Context(people=people, bot_user_id=bot_user_id, zone=ZoneInfo(timezone),
                   channels={c.id: c.title.lstrip("#") for c in convs if c.kind == "channel"})
    by_conv: dict[str, list[Entry]] = {c.id: [] for c in convs}
    for entry in entries:
        by_conv[entry.conversation].append(entry)
    sidebar = _sidebar(title, subtitle, convs, by_conv)
    sections = "\n".join(_conversation(c, by_conv[c.id], ctx) for c in convs)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f'<div class="app">\n{sidebar}\n<main class="main">\n'
        f'<header class="page-head"><h1>{_esc(title)}</h1>'
        f'<p class="subtitle">{_esc(subtitle)}</p>'
        f'<p class="tz">Times shown in {_esc(timezone)}.</p></header>\n'
        f"{sections}\n</main>\n</div>\n</body>\n</html>\n"
    )


def _with_implicit(conversations: list[Conversation], entries: list[Entry]) -> list[Conversation]:
    """Sorted conversations, plus any an entry names that the caller forgot."""
    known = {c.id for c in conversations}
    extra: list[Conversation] = []
    for entry in entries:
        if entry.conversation not in known:
            known.add(entry.conversation)
            kind = {"C": "channel", "G": "group", "D": "dm"}.get(entry.conversation[:1], "dm")
            extra.append(Conversation(entry.conversation, entry.conversation, kind))
    return sorted([*conversations, *extra], key=lambda c: _KIND_ORDER.get(c.kind, 3))


def _sidebar(title: str, subtitle: str, convs: list[Conversation],
             by_conv: Mapping[str, list[Entry]]) -> str:
    out = [f'<nav class="sidebar"><div class="workspace">{_esc(title)}</div>'
           f'<div class="workspace-sub">{_esc(subtitle)}</div>']
    heading = None
    for conv in convs:
        if conv.kind != heading:
            heading = conv.kind
            out.append(f'<div class="nav-heading">{_KIND_HEADINGS.get(conv.kind, "Other")}</div>')
        icon = {"channel": "", "group": '<span class="dot group"></span>'}.get(
            conv.kind, '<span class="dot"></span>')
        label = _label(conv)
        count = len(by_conv[conv.id])
        out.append(f'<a class="nav-item" href="#{_anchor(conv.id)}" title="{_attr(label)}">{icon}'
                   f'<span class="nav-label">{_esc(label)}</span>'
                   f'<span class="nav-count">{count}</span></a>')
    out.append("</nav>")
    return "\n".join(out)


def _label(conv: Conversation) -> str:
    return "#" + conv.title if conv.kind == "channel" and conv.title[:1] != "#" else conv.title


def _conversation(conv: Conversation, entries: list[Entry], ctx: _Context) -> str:
    top, replies = _threads(entries)
    kind = _KIND_LABELS.get(conv.kind, conv.kind)
    out = [f'<section class="conversation" id="{_anchor(conv.id)}">',
           f'<h2 class="conv-title">{_esc(_label(conv))}</h2>',
           f'<div class="conv-meta">{_esc(kind)} · {_plural(len(entries), "message")}</div>']
    if not top:
        out.append('<p class="empty">No messages.</p>')
    last_day: date | None = None
    for entry in top:
        when = _when(entry.ts, ctx.zone)
        if when and when.date() != last_day:
            last_day = when.date()
            out.append(f'<div class="day"><span>{_day_label(when)}</span></div>')
        out.append(_message(entry, ctx, replies.get(entry.ts, [])))
    out.append("</section>")
    return "\n".join(out)


def _threads(entries: list[Entry]) -> tuple[list[Entry], dict[str, list[Entry]]]:
    """Top-level messages in time order, and each parent's replies in time order.
    A reply whose parent is not in the transcript is shown at the top level."""
    ordered = sorted(entries, key=lambda e: _ts_key(e.ts))
    parents = {e.ts for e in ordered if not e.thread_ts or e.thread_ts == e.ts}
    top: list[Entry] = []
    replies: dict[str, list[Entry]] = {}
    for entry in ordered:
        if entry.thread_ts and entry.thread_ts != entry.ts and entry.thread_ts in parents:
            replies.setdefault(entry.thread_ts, []).append(entry)
        else:
            top.append(entry)
    return top, replies


# ---------------------------------------------------------------------------- messages


def _message(entry: Entry, ctx: _Context, replies: list[Entry], *, reply: bool = False) -> str:
    is_bot = entry.user == ctx.bot_user_id
    name = ctx.name(entry.user)
    when = _when(entry.ts, ctx.zone)
    stamp = _short_time(when) if when else entry.ts
    iso = f' datetime="{when.isoformat()}"' if when else ""
    msg_id = _anchor(f"{entry.conversation}-{entry.ts}", prefix="m-")
    badge = '<span class="badge">APP</span>' if is_bot else ""
    edited = ' <span class="edited">(edited)</span>' if entry.edited else ""
    parts = [
        f'<article class="msg{" reply" if reply else ""}" id="{msg_id}">',
        _avatar(name, entry.user, is_bot),
        '<div class="msg-body">',
        f'<div class="msg-head"><span class="sender">{_esc(name)}</span>{badge}'
        f'<a class="time" href="#{msg_id}"><time{iso}>{_esc(stamp)}</time></a></div>',
        f'<div class="msg-content">{_content(entry, ctx)}{edited}</div>',
    ]
    parts.extend(_file(f) for f in entry.files)
    if entry.reactions:
        parts.append(_reactions(entry.reactions))
    if replies:
        parts.append(_thread(replies, ctx))
    parts.append("</div></article>")
    return "\n".join(parts)


def _content(entry: Entry, ctx: _Context) -> str:
    # Slack shows the blocks when there are any; the text is only the notification.
    if entry.blocks:
        return "".join(_block(b, ctx) for b in entry.blocks)
    return f'<div class="b-text">{ctx.mrkdwn(entry.text)}</div>'


def _thread(replies: list[Entry], ctx: _Context) -> str:
    last = _when(replies[-1].ts, ctx.zone)
    last_note = f" · last reply {_esc(_short_time(last))}" if last else ""
    summary = (f'<div class="thread-summary"><span class="replies">'
               f'{_plural(len(replies), "reply", "replies")}</span>{last_note}</div>')
    body = "\n".join(_message(r, ctx, [], reply=True) for r in replies)
    return f'{summary}\n<div class="thread">\n{body}\n</div>'


def _avatar(name: str, user: str, is_bot: bool) -> str:
    words = [w for w in re.split(r"\s+", name.strip()) if w[:1].isalnum()]
    initials = "".join(w[0] for w in words[:2]).upper() or "?"
    colour = "#2eb67d" if is_bot else _AVATAR_COLOURS[sum(map(ord, user)) % len(_AVATAR_COLOURS)]
    return (f'<div class="avatar" style="background:{colour}" aria-hidden="true">'
            f"{_esc(initials)}</div>")


def _reactions(reactions: Iterable[tuple[str, int]]) -> str:
    pills = "".join(
        f'<span class="reaction" title=":{_esc(name)}:">{emoji(name) or _esc(f":{name}:")}'
        f" <b>{int(count)}</b></span>"
        for name, count in reactions)
    return f'<div class="reactions">{pills}</div>'


def _file(attachment: Attachment) -> str:
    mime = _sniff(attachment.png)
    data = base64.b64encode(attachment.png).decode("ascii")
    return (f'<figure class="file"><figcaption>{_esc(attachment.title)}'
            f' <span class="filename">{_esc(attachment.filename)}</span></figcaption>'
            f'<img src="data:{mime};base64,{data}" alt="{_attr(attachment.alt_text)}"></figure>')


def _sniff(data: bytes) -> str:
    """The real image type, so a JPEG handed over as `png` still shows."""
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if data.startswith(b"GIF8"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return "image/png"


# ---------------------------------------------------------------------------- blocks


def _block(block: Block, ctx: _Context) -> str:
    kind = block.get("type", "?") if isinstance(block, dict) else "?"
    render = _BLOCKS.get(kind)
    if render is None:
        return f'<div class="unsupported">[unsupported block: {_esc(str(kind))}]</div>'
    try:
        return render(block, ctx)
    except (AttributeError, KeyError, TypeError, ValueError):
        # A malformed block should mark the transcript, not abort a five-week run.
        return f'<div class="unsupported">[malformed block: {_esc(str(kind))}]</div>'


def _text(obj: Any, ctx: _Context) -> str:
    """A Block Kit text object (or a bare string) to HTML."""
    if obj is None:
        return ""
    if isinstance(obj, str):
        return plain_to_html(obj)
    if obj.get("type") == "mrkdwn":
        return ctx.mrkdwn(obj.get("text", ""))
    return plain_to_html(obj.get("text", ""), with_emoji=obj.get("emoji", True) is not False)


def _items(block: Block, key: str) -> list[Any]:
    items = block.get(key) or []
    if not isinstance(items, list):
        raise TypeError(f"{key} should be a list")  # caught in _block: marked malformed
    return items


def _header(block: Block, ctx: _Context) -> str:
    return f'<div class="b-header">{_text(block.get("text"), ctx)}</div>'


def _section(block: Block, ctx: _Context) -> str:
    body = ""
    if block.get("text"):
        body += f'<div class="b-text">{_text(block["text"], ctx)}</div>'
    if block.get("fields"):
        fields = "".join(f"<div>{_text(f, ctx)}</div>" for f in _items(block, "fields"))
        body += f'<div class="b-fields">{fields}</div>'
    accessory = block.get("accessory")
    if accessory:
        side = _image(accessory, "thumb") if accessory.get("type") == "image" else \
            _element(accessory, ctx)
        return (f'<div class="b-section with-accessory"><div class="main-part">{body}</div>'
                f'<div class="accessory">{side}</div></div>')
    return f'<div class="b-section">{body}</div>'


def _divider(block: Block, ctx: _Context) -> str:
    return '<hr class="b-divider">'


def _context(block: Block, ctx: _Context) -> str:
    items = []
    for el in _items(block, "elements"):
        if el.get("type") == "image":
            items.append(_image(el, "context-img"))
        else:
            items.append(f"<span>{_text(el, ctx)}</span>")
    return f'<div class="b-context">{"".join(items)}</div>'


def _actions(block: Block, ctx: _Context) -> str:
    buttons = "".join(_element(e, ctx) for e in _items(block, "elements"))
    return f'<div class="b-actions">{buttons}</div>'


def _image_block(block: Block, ctx: _Context) -> str:
    title = block.get("title")
    caption = f"<figcaption>{_text(title, ctx)}</figcaption>" if title else ""
    return f'<figure class="b-image">{caption}{_image(block, "block-img")}</figure>'


def _input(block: Block, ctx: _Context) -> str:
    optional = ' <span class="optional">(optional)</span>' if block.get("optional") else ""
    hint = block.get("hint")
    hint_html = f'<div class="hint">{_text(hint, ctx)}</div>' if hint else ""
    element = _element(block.get("element", {}), ctx)
    return (f'<div class="b-input"><div class="label">{_text(block.get("label"), ctx)}'
            f"{optional}</div>{element}{hint_html}</div>")


def _image(el: Block, css: str) -> str:
    """Only data: URIs are embedded; a remote image would be fetched, so show its alt."""
    url = el.get("image_url") or ""
    alt = el.get("alt_text") or ""
    if _DATA_IMAGE.match(url):
        return f'<img class="{css}" src="{_attr(url)}" alt="{_attr(alt)}">'
    return (f'<span class="{css} img-missing" title="{_attr(alt)}">'
            f"{_esc(alt) if css != 'context-img' else ''}</span>")


# ---------------------------------------------------------------------------- elements


def _element(el: Block, ctx: _Context) -> str:
    kind = el.get("type", "?")
    render = _ELEMENTS.get(kind)
    if render is None:
        if kind.endswith("_select"):
            return _select(el, ctx)
        return f'<span class="unsupported">[unsupported element: {_esc(kind)}]</span>'
    return render(el, ctx)


def _button(el: Block, ctx: _Context) -> str:
    style = el.get("style")
    css = {"primary": "btn primary", "danger": "btn danger"}.get(style or "", "btn")
    link = ' <span class="ext">↗</span>' if el.get("url") else ""
    return f'<span class="{css}" role="button">{_text(el.get("text"), ctx)}{link}</span>'


def _select(el: Block, ctx: _Context) -> str:
    chosen = el.get("initial_option")
    if chosen:
        label = _text(chosen.get("text"), ctx)
    elif el.get("initial_user"):
        label = _esc(ctx.name(el["initial_user"]))
    elif cid := el.get("initial_channel") or el.get("initial_conversation"):
        label = _esc("#" + ctx.channels.get(cid, cid))
    else:
        label = _placeholder(el, ctx, "Select…")
    return f'<span class="box select">{label}<span class="caret">▾</span></span>'


def _placeholder(el: Block, ctx: _Context, default: str) -> str:
    return f'<span class="placeholder">{_text(el.get("placeholder"), ctx) or default}</span>'


def _datepicker(el: Block, ctx: _Context) -> str:
    initial = el.get("initial_date")
    label = _esc(_date_label(initial)) if initial else _placeholder(el, ctx, "Select a date")
    return f'<span class="box select date"><span class="glyph">📅</span>{label}</span>'


def _timepicker(el: Block, ctx: _Context) -> str:
    initial = el.get("initial_time")
    label = _esc(initial) if initial else _placeholder(el, ctx, "Select time")
    return f'<span class="box select date"><span class="glyph">🕒</span>{label}</span>'


def _text_input(el: Block, ctx: _Context) -> str:
    value = el.get("initial_value")
    label = _esc(value) if value else _placeholder(el, ctx, "")
    tall = " multiline" if el.get("multiline") else ""
    return f'<span class="box textbox{tall}">{label}</span>'


def _choices(el: Block, ctx: _Context) -> str:
    radio = el.get("type") == "radio_buttons"
    chosen = el.get("initial_options") or [el.get("initial_option") or {}]
    chosen_values = {o.get("value") for o in chosen if o}
    marks = ("◉", "○") if radio else ("☑", "☐")
    rows = "".join(
        f'<div class="choice">{marks[0] if o.get("value") in chosen_values else marks[1]} '
        f'{_text(o.get("text"), ctx)}</div>' for o in el.get("options", []))
    return f'<div class="choices">{rows}</div>'


def _overflow(el: Block, ctx: _Context) -> str:
    return '<span class="btn overflow" role="button">⋯</span>'


# ---------------------------------------------------------------------------- rich text


def _rich_text(block: Block, ctx: _Context) -> str:
    parts = "".join(_rich_part(p, ctx) for p in _items(block, "elements"))
    return f'<div class="b-rich">{parts}</div>'


def _rich_part(part: Block, ctx: _Context) -> str:
    kind = part.get("type")
    inner = _rich_inline(part.get("elements", []), ctx) if kind != "rich_text_list" else ""
    if kind == "rich_text_section":
        return f"<div>{inner}</div>"
    if kind == "rich_text_quote":
        return f"<blockquote>{inner}</blockquote>"
    if kind == "rich_text_preformatted":
        return f'<pre class="code-block">{inner}</pre>'
    if kind == "rich_text_list":
        tag = "ol" if part.get("style") == "ordered" else "ul"
        items = "".join(f"<li>{_rich_inline(s.get('elements', []), ctx)}</li>"
                        for s in part.get("elements", []))
        return f"<{tag}>{items}</{tag}>"
    return f'<div class="unsupported">[unsupported rich text: {_esc(str(kind))}]</div>'


def _rich_inline(elements: list[Block], ctx: _Context) -> str:
    return "".join(_rich_element(el, ctx) for el in elements)


def _rich_element(el: Block, ctx: _Context) -> str:
    kind = el.get("type")
    if kind == "text":
        out = _esc(el.get("text", "")).replace("\n", "<br>")
        style = el.get("style") or {}
        for key, tag in (("code", "code"), ("bold", "b"), ("italic", "i"), ("strike", "s")):
            if style.get(key):
                out = f"<{tag}>{out}</{tag}>"
        return out
    if kind == "link":
        return link_html(el.get("url", ""), el.get("text", ""))
    if kind == "user":
        return f'<span class="mention">@{_esc(ctx.name(el.get("user_id", "")))}</span>'
    if kind == "channel":
        cid = el.get("channel_id", "")
        return f'<span class="mention">#{_esc(ctx.channels.get(cid, cid))}</span>'
    if kind == "broadcast":
        return f'<span class="mention">@{_esc(el.get("range", "here"))}</span>'
    if kind == "emoji":
        return _rich_emoji(el)
    if kind in {"date", "usergroup"}:
        return _esc(el.get("fallback") or el.get("usergroup_id", ""))
    return _esc(el.get("text", ""))


def _rich_emoji(el: Block) -> str:
    name = el.get("name", "")
    code = el.get("unicode")
    if code and re.fullmatch(r"[0-9a-fA-F]{1,6}(-[0-9a-fA-F]{1,6})*", code):
        return "".join(chr(int(c, 16)) for c in code.split("-"))
    return emoji(name) or _esc(f":{name}:")


_BLOCKS: dict[str, Callable[[Block, _Context], str]] = {
    "header": _header, "section": _section, "divider": _divider, "context": _context,
    "actions": _actions, "image": _image_block, "input": _input, "rich_text": _rich_text,
}
_ELEMENTS: dict[str, Callable[[Block, _Context], str]] = {
    "button": _button, "datepicker": _datepicker, "timepicker": _timepicker,
    "plain_text_input": _text_input, "checkboxes": _choices, "radio_buttons": _choices,
    "overflow": _overflow, "image": lambda el, ctx: _image(el, "thumb"),
}


# ---------------------------------------------------------------------------- helpers


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _attr(text: str) -> str:
    return html.escape(text, quote=True)


def _anchor(raw: str, prefix: str = "c-") -> str:
    return prefix + re.sub(r"[^A-Za-z0-9_-]", "-", raw)


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _ts_key(ts: str) -> Decimal:
    # Decimal, not float: a double cannot hold all 16 digits of a Slack ts.
    try:
        key = Decimal(ts)
    except InvalidOperation:
        return Decimal(0)
    return key if key.is_finite() else Decimal(0)  # NaN would make sorting raise


def _when(ts: str, zone: ZoneInfo) -> datetime | None:
    try:
        return datetime.fromtimestamp(float(Decimal(ts)), tz=zone)
    except (InvalidOperation, OverflowError, OSError, ValueError):
        return None


def _short_time(when: datetime) -> str:
    """"Mon 23 Nov 10:00"."""
    return f"{_DAYS[when.weekday()][:3]} {when.day} {_MONTHS[when.month - 1][:3]} {when:%H:%M}"


def _day_label(when: datetime) -> str:
    return f"{_DAYS[when.weekday()]} {when.day} {_MONTHS[when.month - 1]} {when.year}"


def _date_label(iso: str) -> str:
    try:
        d = date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{_DAYS[d.weekday()][:3]} {d.day} {_MONTHS[d.month - 1][:3]} {d.year}"


_CSS = """
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:15px/1.46668 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Lato,
  "Helvetica Neue",Arial,sans-serif,"Apple Color Emoji","Segoe UI Emoji","Noto Color Emoji";
  color:#1d1c1d;background:#fff}
a{color:#1264a3;text-decoration:none}
a:hover{text-decoration:underline}
.app{display:flex;min-height:100vh}
.sidebar{flex:0 0 260px;background:#3f0e40;color:#cfc3cf;padding:14px 0 24px;position:sticky;
  top:0;height:100vh;overflow-y:auto}
.workspace{color:#fff;font-weight:900;font-size:18px;padding:0 16px}
.workspace-sub{font-size:13px;padding:2px 16px 10px;border-bottom:1px solid #5d2c5d;
  margin-bottom:8px}
.nav-heading{font-size:13px;font-weight:700;padding:12px 16px 4px;color:#bcabbc}
.nav-item{display:flex;align-items:center;gap:8px;padding:3px 16px;color:#cfc3cf;
  font-size:15px;white-space:nowrap}
.nav-item:hover{background:#350d36;text-decoration:none}
.nav-label{flex:1;overflow:hidden;text-overflow:ellipsis}
.nav-count{font-size:12px;color:#9a869a}
.dot{flex:0 0 9px;height:9px;border-radius:50%;background:#2bac76}
.dot.group{border-radius:3px;background:#cfc3cf}
.main{flex:1;min-width:0;max-width:980px;padding:0 28px 60px}
.page-head{padding:22px 0 10px;border-bottom:1px solid #ddd}
.page-head h1{margin:0;font-size:24px}
.subtitle{margin:4px 0 0;color:#616061}
.tz{margin:2px 0 0;color:#868686;font-size:13px}
.conversation{padding-top:18px;border-bottom:1px solid #e8e8e8;padding-bottom:16px}
.conv-title{margin:0;font-size:20px;font-weight:900}
.conv-meta{color:#616061;font-size:13px;margin-bottom:6px}
.empty{color:#868686;font-style:italic}
.day{text-align:center;border-top:1px solid #ddd;margin:22px 0 6px;height:0}
.day span{position:relative;top:-12px;background:#fff;border:1px solid #ddd;
  border-radius:24px;padding:2px 14px;font-size:13px;font-weight:700}
.msg{display:flex;gap:10px;padding:8px 8px 8px 4px;border-radius:6px}
.msg:hover{background:#f8f8f8}
.avatar{flex:0 0 36px;height:36px;border-radius:6px;color:#fff;font-weight:700;
  font-size:14px;display:flex;align-items:center;justify-content:center}
.reply .avatar{flex-basis:28px;height:28px;font-size:12px}
.msg-body{flex:1;min-width:0}
.msg-head{display:flex;align-items:baseline;gap:6px;flex-wrap:wrap}
.sender{font-weight:900}
.badge{font-size:10px;font-weight:700;color:#616061;background:#e8e8e8;border-radius:3px;
  padding:0 4px;line-height:16px}
.time{font-size:12px;color:#616061}
.msg-content{overflow-wrap:anywhere}
.edited{font-size:12px;color:#868686}
.b-header{font-size:18px;font-weight:900;margin:4px 0}
.b-section{margin:4px 0}
.b-section.with-accessory{display:flex;gap:12px;align-items:flex-start}
.main-part{flex:1;min-width:0}
.b-fields{display:grid;grid-template-columns:1fr 1fr;gap:6px 16px;margin-top:4px}
.b-divider{border:0;border-top:1px solid #ddd;margin:10px 0}
.b-context{font-size:12px;color:#616061;display:flex;gap:6px;align-items:center;flex-wrap:wrap;
  margin:4px 0}
.b-context code{font-size:11px}
.b-actions{display:flex;gap:8px;flex-wrap:wrap;margin:8px 0}
.btn{display:inline-block;border:1px solid #bbb;border-radius:4px;padding:3px 12px;
  font-size:13px;font-weight:700;background:#fff;color:#1d1c1d;line-height:20px}
.btn.primary{background:#007a5a;border-color:#007a5a;color:#fff}
.btn.danger{background:#e01e5a;border-color:#e01e5a;color:#fff}
.btn.overflow{padding:3px 8px}
.box{display:inline-flex;align-items:center;gap:6px;min-width:160px;border:1px solid #bbb;
  border-radius:4px;padding:3px 10px;font-size:14px;background:#fff;line-height:20px}
.box .caret{margin-left:auto;color:#616061}
.box.textbox{display:flex;width:100%}
.box.multiline{min-height:64px;align-items:flex-start}
.placeholder{color:#868686}
.b-input{margin:8px 0}
.b-input .label{font-weight:700;margin-bottom:4px}
.optional{font-weight:400;color:#616061}
.hint{font-size:12px;color:#616061;margin-top:2px}
.choice{margin:2px 0}
.b-image{margin:8px 0}
figcaption{font-size:13px;color:#616061;margin-bottom:4px}
.filename{color:#9a9a9a;font-size:12px}
.block-img,.file img{max-width:min(100%,560px);border:1px solid #e0e0e0;border-radius:8px;
  display:block}
.thumb{width:72px;height:72px;object-fit:cover;border-radius:6px;display:block}
.context-img{width:18px;height:18px;border-radius:4px;display:inline-block;vertical-align:middle}
.img-missing{display:flex;align-items:center;justify-content:center;min-height:48px;
  background:#f4f4f4;color:#868686;font-size:12px;border:1px dashed #ccc;text-align:center;
  padding:4px}
.context-img.img-missing{display:inline-block;min-height:0;padding:0}
.file{margin:6px 0}
.reactions{display:flex;gap:4px;flex-wrap:wrap;margin-top:4px}
.reaction{display:inline-flex;align-items:center;gap:4px;border:1px solid #d0d0d0;
  background:#f6f6f6;border-radius:12px;padding:0 8px;font-size:13px;line-height:22px}
.reaction b{font-size:11px;color:#1264a3}
.thread-summary{font-size:13px;color:#616061;margin-top:4px}
.replies{color:#1264a3;font-weight:700}
.thread{border-left:3px solid #e0e0e0;margin:4px 0 0 2px;padding-left:10px}
.mention{background:#e8f5fa;color:#1264a3;border-radius:3px;padding:0 2px}
code{font:12px/1.5 Monaco,Menlo,Consolas,"Courier New",monospace;color:#c01343;
  background:#f6f6f6;border:1px solid #e1e1e1;border-radius:3px;padding:1px 3px}
.code-block{font:12px/1.5 Monaco,Menlo,Consolas,"Courier New",monospace;background:#f8f8f8;
  border:1px solid #e1e1e1;border-radius:4px;padding:8px;margin:4px 0;white-space:pre-wrap}
blockquote{margin:4px 0;padding-left:12px;border-left:4px solid #ddd}
.b-rich ul,.b-rich ol{margin:2px 0;padding-left:24px}
.unsupported{font-size:12px;color:#868686;font-style:italic}
@media (max-width:760px){
  .app{display:block}
  .sidebar{position:static;height:auto}
  .main{padding:0 12px 40px}
}
@media print{
  .sidebar{display:none}
  .main{max-width:none;padding:0}
  .msg{break-inside:avoid}
  .msg:hover{background:none}
  .conversation{break-before:page}
  .conversation:first-of-type{break-before:auto}
  *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"""
