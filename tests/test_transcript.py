"""The demo transcript: Slack mrkdwn and Block Kit as one self-contained HTML page."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from bot.demo.mrkdwn import mrkdwn_to_html
from bot.demo.transcript import Attachment, Conversation, Entry, render_transcript

BOT = "UBOT"
PEOPLE = {"U1": "Maya Jansen", "U2": "Sam Lee", BOT: "tend"}
# 1795392000 is Mon 23 Nov 2026 00:00 UTC.
MONDAY = 1795392000
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def ts(hours: float, n: int = 0) -> str:
    return f"{int(MONDAY + hours * 3600)}.{n:06d}"


def entry(conv: str, at: str, user: str = "U1", text: str = "hi", **kw: Any) -> Entry:
    blocks = kw.pop("blocks", None)
    return Entry(conversation=conv, ts=at, user=user, text=text, blocks=blocks, **kw)


def render(entries: list[Entry], conversations: list[Conversation] | None = None,
           **kw: Any) -> str:
    convs = conversations or [Conversation("C1", "#platform", "channel")]
    return render_transcript(title="Demo", subtitle="Five weeks", conversations=convs,
                             entries=entries, people=PEOPLE, bot_user_id=BOT, **kw)


def blocks_html(*blocks: dict[str, Any]) -> str:
    page = render([entry("C1", ts(10), blocks=list(blocks))])
    return page.split('class="msg-content">', 1)[1].split("</article>", 1)[0]


VOID_TAGS = frozenset({"meta", "br", "hr", "img", "link", "input"})


class Collector(HTMLParser):
    """Records tags and attributes; HTMLParser never raises, so it checks nesting too."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend((tag, k, v or "") for k, v in attrs)
        if tag not in VOID_TAGS:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"unexpected </{tag}> with open {self.stack[-3:]}")
            return
        self.stack.pop()


def parse(page: str) -> Collector:
    collector = Collector()
    collector.feed(page)
    collector.close()
    return collector


# ---------------------------------------------------------------------------- mrkdwn


@pytest.mark.parametrize(("text", "expected"), [
    ("*bold* and _it_ and ~gone~", "<b>bold</b> and <i>it</i> and <s>gone</s>"),
    ("*_both_*", "<b><i>both</i></b>"),
    ("snake_case_name and 2*3*4", "snake_case_name and 2*3*4"),
    ("* not bold *", "* not bold *"),
    ("use `*raw*` here", "use <code>*raw*</code> here"),
    ("```\nline 1\n*line* 2\n```", '<pre class="code-block">line 1<br>*line* 2</pre>'),
    ("one\ntwo", "one<br>two"),
    ("&gt; quoted\n&gt; more\nafter", "<blockquote>quoted<br>more</blockquote>after"),
    ("> raw quote", "<blockquote>raw quote</blockquote>"),
    ("Tom &amp; Jerry", "Tom &amp; Jerry"),
    ("&amp;lt; stays literal", "&amp;lt; stays literal"),
    (":pushpin: :dart: :repeat: :white_check_mark:", "📌 🎯 🔁 ✅"),
    (":no_such_emoji: at 10:00:00", ":no_such_emoji: at 10:00:00"),
    ("<!here> look", '<span class="mention">@here</span> look'),
])
def test_mrkdwn_formatting(text: str, expected: str) -> None:
    assert mrkdwn_to_html(text, PEOPLE) == expected


def test_mrkdwn_never_lets_text_make_tags() -> None:
    out = mrkdwn_to_html("<script>alert(1)</script> &lt;b&gt;x&lt;/b&gt; <img src=x onerror=y>",
                         PEOPLE)
    assert "<script" not in out and "<b>" not in out and "<img" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "&lt;b&gt;x&lt;/b&gt;" in out
    assert parse(out).tags == []


def test_mrkdwn_quotes_cannot_break_attributes() -> None:
    out = mrkdwn_to_html('<https://x.test/?a="b"&amp;c=1|say "hi">', PEOPLE)
    assert out == ('<a href="https://x.test/?a=&quot;b&quot;&amp;c=1" '
                   'rel="noopener noreferrer">say "hi"</a>')


def test_mentions_channels_and_links() -> None:
    out = mrkdwn_to_html("<@U1> and <@U9|old name> in <#C1> or <#C2|random>: "
                         "<https://example.com|the guide>, <mailto:a@b.test>", PEOPLE,
                         {"C1": "platform"})
    assert '<span class="mention">@Maya Jansen</span>' in out
    assert '<span class="mention">@old name</span>' in out
    assert '<span class="mention">#platform</span>' in out
    assert '<span class="mention">#random</span>' in out
    assert '<a href="https://example.com" rel="noopener noreferrer">the guide</a>' in out
    assert '<a href="mailto:a@b.test" rel="noopener noreferrer">mailto:a@b.test</a>' in out


def test_unknown_control_sequences_and_scripts_links_stay_text() -> None:
    out = mrkdwn_to_html("`commit: <what> by <date>` <javascript:alert(1)|click>", PEOPLE)
    assert "<code>commit: &lt;what&gt; by &lt;date&gt;</code>" in out
    assert "<a" not in out and "&lt;javascript:alert(1)|click&gt;" in out


def test_mentions_inside_code_are_plain_names() -> None:
    assert mrkdwn_to_html("`ping <@U2>`", PEOPLE) == "<code>ping @Sam Lee</code>"


# ---------------------------------------------------------------------------- blocks


def test_header_section_fields_and_accessory() -> None:
    out = blocks_html(
        {"type": "header", "text": {"type": "plain_text", "text": ":dart: Goals <3"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Hi* <@U2>"},
         "fields": [{"type": "mrkdwn", "text": "*Due*\nFri"}, {"type": "plain_text", "text": "x"}],
         "accessory": {"type": "button", "text": {"type": "plain_text", "text": "Open"}}},
    )
    assert '<div class="b-header">🎯 Goals &lt;3</div>' in out
    assert "<b>Hi</b> <span class=\"mention\">@Sam Lee</span>" in out
    assert '<div class="b-fields"><div><b>Due</b><br>Fri</div><div>x</div></div>' in out
    assert '<div class="accessory"><span class="btn" role="button">Open</span></div>' in out


def test_divider_context_and_image() -> None:
    data_url = "data:image/png;base64," + base64.b64encode(PNG).decode()
    out = blocks_html(
        {"type": "divider"},
        {"type": "context", "elements": [
            {"type": "mrkdwn", "text": "_small_"}, {"type": "plain_text", "text": "plain"},
            {"type": "image", "image_url": data_url, "alt_text": "dot"}]},
        {"type": "image", "image_url": "https://example.com/chart.png", "alt_text": "a chart",
         "title": {"type": "plain_text", "text": "Chart"}},
    )
    assert '<hr class="b-divider">' in out
    assert '<div class="b-context"><span><i>small</i></span><span>plain</span>' in out
    assert f'<img class="context-img" src="{data_url}" alt="dot">' in out
    # A remote image would be fetched when the file is opened: its alt text stands in.
    assert "<figcaption>Chart</figcaption>" in out and "a chart" in out
    assert "example.com" not in out.replace('title="a chart"', "")


def test_actions_buttons_and_pickers() -> None:
    out = blocks_html({"type": "actions", "elements": [
        {"type": "button", "style": "primary", "text": {"type": "plain_text", "text": "Done"}},
        {"type": "button", "style": "danger", "text": {"type": "plain_text", "text": "Drop"}},
        {"type": "button", "text": {"type": "plain_text", "text": "Not yet"}},
        {"type": "static_select", "placeholder": {"type": "plain_text", "text": "Pick one"}},
        {"type": "users_select", "initial_user": "U2"},
        {"type": "datepicker", "initial_date": "2026-11-27"},
        {"type": "datepicker", "placeholder": {"type": "plain_text", "text": "When?"}},
    ]})
    assert '<span class="btn primary" role="button">Done</span>' in out
    assert '<span class="btn danger" role="button">Drop</span>' in out
    assert '<span class="btn" role="button">Not yet</span>' in out
    assert '<span class="placeholder">Pick one</span>' in out
    assert "Sam Lee" in out
    assert "Fri 27 Nov 2026" in out and '<span class="placeholder">When?</span>' in out


def test_input_rich_text_and_unknown_blocks() -> None:
    out = blocks_html(
        {"type": "input", "optional": True, "label": {"type": "plain_text", "text": "Goal"},
         "element": {"type": "plain_text_input",
                     "placeholder": {"type": "plain_text", "text": "What will be true?"}}},
        {"type": "rich_text", "elements": [
            {"type": "rich_text_section", "elements": [
                {"type": "text", "text": "plain <b> "},
                {"type": "text", "text": "strong", "style": {"bold": True}},
                {"type": "user", "user_id": "U1"}]},
            {"type": "rich_text_list", "style": "ordered", "elements": [
                {"type": "rich_text_section", "elements": [{"type": "text", "text": "first"}]}]},
        ]},
        {"type": "video", "title": {"type": "plain_text", "text": "x"}},
        {"type": "section", "fields": "not a list"},
    )
    assert '<div class="label">Goal <span class="optional">(optional)</span></div>' in out
    assert '<span class="placeholder">What will be true?</span>' in out
    assert "plain &lt;b&gt; <b>strong</b>" in out and "@Maya Jansen" in out
    assert "<ol><li>first</li></ol>" in out
    assert "[unsupported block: video]" in out
    assert "[malformed block: section]" in out


def test_fallback_text_when_there_are_no_blocks() -> None:
    page = render([entry("C1", ts(10), text="just *text*")])
    assert '<div class="b-text">just <b>text</b></div>' in page


# ---------------------------------------------------------------------------- layout


def test_thread_replies_under_their_parent_in_order() -> None:
    parent = ts(10)
    page = render([
        entry("C1", ts(12), user="U2", text="second reply", thread_ts=parent),
        entry("C1", ts(11), user=BOT, text="first reply", thread_ts=parent,
              reactions=(("white_check_mark", 2), ("custom", 1))),
        entry("C1", ts(13), text="later top-level"),
        entry("C1", parent, user=BOT, text="the parent", thread_ts=parent, edited=True),
    ])
    order = [page.index(s) for s in
             ("the parent", "2 replies", "first reply", "second reply", "later top-level")]
    assert order == sorted(order)
    thread = page[page.index('<div class="thread">'):page.index("later top-level")]
    assert "first reply" in thread and "second reply" in thread
    assert page.count('class="msg reply"') == 2
    assert '<span class="edited">(edited)</span>' in page
    assert '✅ <b>2</b></span>' in page and ":custom: <b>1</b>" in page


def test_sender_names_badge_and_local_time() -> None:
    page = render([entry("C1", ts(9), user=BOT), entry("C1", ts(9.5), user="U1"),
                   entry("C1", ts(9.75), user="U404")], timezone="Europe/Amsterdam")
    assert '<span class="sender">tend</span><span class="badge">APP</span>' in page
    assert page.count('class="badge"') == 1
    assert '<span class="sender">Maya Jansen</span>' in page and ">MJ</div>" in page
    assert '<span class="sender">U404</span>' in page
    assert "Mon 23 Nov 10:00" in page and "Mon 23 Nov 10:30" in page  # UTC+1
    assert "Monday 23 November 2026" in page


def test_sidebar_lists_channels_then_groups_then_dms() -> None:
    convs = [Conversation("D1", "tend → Maya Jansen", "dm"),
             Conversation("G1", "Maya Jansen, Sam Lee & tend", "group"),
             Conversation("C2", "#random", "channel"),
             Conversation("C1", "#platform", "channel")]
    page = render([entry("G1", ts(1)), entry("D9", ts(2))], conversations=convs)
    sidebar = page[page.index('<nav class="sidebar">'):page.index("</nav>")]
    links = re.findall(r'href="#(c-[^"]+)"', sidebar)
    assert links == ["c-C2", "c-C1", "c-G1", "c-D1", "c-D9"]
    headings = re.findall(r'<div class="nav-heading">([^<]+)</div>', sidebar)
    assert headings == ["Channels", "Group messages", "Direct messages"]
    main = page[page.index("</nav>"):]
    assert [main.index(f'id="{a}"') for a in links] == sorted(main.index(f'id="{a}"')
                                                             for a in links)
    assert "Maya Jansen, Sam Lee &amp; tend" in sidebar


def test_attachment_embedded_as_data_uri() -> None:
    chart = Attachment("digest.png", "Kept, by week", 'bars "kept"', PNG)
    page = render([entry("C1", ts(10), user=BOT, files=(chart,))])
    src = "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert f'<img src="{src}" alt="bars &quot;kept&quot;">' in page
    assert "Kept, by week" in page


def test_one_self_contained_document_that_parses() -> None:
    link = "https://example.com/guide"
    page = render([
        entry("C1", ts(10), text=f"see <{link}|the guide> and <script>x</script>"),
        entry("C1", ts(11), user=BOT, files=(Attachment("a.png", "A", "a", PNG),), blocks=[
            {"type": "image", "image_url": "https://tracker.example/pixel.png", "alt_text": "px"},
            {"type": "section", "accessory": {"type": "image", "alt_text": "thumb",
                                              "image_url": "http://tracker.example/t.png"}}]),
    ])
    assert page.startswith("<!DOCTYPE html>") and page.count("<html") == 1
    parsed = parse(page)
    assert parsed.problems == [] and parsed.stack == []
    assert "script" not in parsed.tags and "link" not in parsed.tags
    for tag, name, value in parsed.attrs:
        if name == "src":
            assert value.startswith("data:image/"), (tag, value)
        if name == "href":
            assert value.startswith("#") or value == link, (tag, value)
    assert "@import" not in page and "url(" not in page


def test_empty_conversation_and_bad_ts_do_not_crash() -> None:
    convs = [Conversation("C1", "#platform", "channel"), Conversation("C2", "quiet", "channel")]
    page = render([entry("C1", "not-a-ts"), entry("C1", "NaN"), entry("C1", ts(1))],
                  conversations=convs)
    assert "No messages." in page and "not-a-ts" in page
    assert '<h2 class="conv-title">#quiet</h2>' in page
