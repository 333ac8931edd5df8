"""What a digest shows, checked on the rendered output: text, blocks and chart data.

Property tests generate team histories (periods of measures with random contributors
and shared items), run them through the digest policy and the real renderers, and
check the privacy promise on what would be sent to Slack.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.messages.render import MAX_MESSAGE_BLOCKS
from bot.rituals import registry
from bot.rituals.common.measures import COMMITMENT_LABELS
from bot.rituals.digest.flows import _chart, render_digest
from bot.rituals.digest.period import Window
from bot.rituals.digest.policy import DigestView, Measure, PeriodInput, SharedItem, decide
from tests.goldens import assert_matches_golden
from tests.properties import examples

ZONE = ZoneInfo("Europe/Amsterdam")
PEOPLE = [f"U0P{n:03d}" for n in range(30)]
NAMES = {p: f"Person {n}" for n, p in enumerate(PEOPLE)}
# The figures that count people (shown as a share of the team in words).
PEOPLE_FIGURES = {"checkins_held"}
# Every figure a digest can hold: each ritual's own and the shared commitments'.
LABELS = {**COMMITMENT_LABELS,
          **{k: v for r in registry.all_rituals() for k, v in r.digest_labels.items()}}


def _window(period: str) -> Window:
    year, month = (int(x) for x in period.split("-"))
    return Window(period=period, start=datetime(year, month, 1, tzinfo=UTC),
                  end=datetime(year, month, 28, tzinfo=UTC))


def _render(view: DigestView, min_group: int = 3) -> tuple[str, object]:
    chart = _chart(view)
    message = render_digest(view, _window(view.period), ZONE, min_group, chart)
    assert len(message.blocks) <= MAX_MESSAGE_BLOCKS
    return json.dumps({"text": message.text, "blocks": message.blocks}), chart


@st.composite
def histories(draw: st.DrawFn) -> list[PeriodInput]:
    team = draw(st.lists(st.sampled_from(PEOPLE), min_size=3, max_size=20, unique=True))
    periods = [f"2026-{m:02d}" for m in range(1, draw(st.integers(2, 6)) + 1)]
    inputs = []
    for period in periods:
        measures = []
        for key in draw(st.lists(st.sampled_from(sorted(LABELS)), min_size=1, max_size=6,
                                 unique=True)):
            who = draw(st.lists(st.sampled_from(team), max_size=len(team), unique=True))
            people = key in PEOPLE_FIGURES  # counted one per person, as its ritual does
            measures.append(Measure(key=key, label=LABELS[key], contributors=frozenset(who),
                                    of_people=people, value=len(who) if people else
                                    draw(st.integers(len(who), 3 * len(who) + 1))))
        shared = [SharedItem(kind=draw(st.sampled_from(["highlight", "ask"])),
                             text=draw(st.text(min_size=1, max_size=60)),
                             author_id=draw(st.sampled_from(team)), named=draw(st.booleans()))
                  for _ in range(draw(st.integers(0, 30)))]
        inputs.append(PeriodInput(period=period, measures=tuple(measures),
                                  shared=tuple(shared), team_size=len(team)))
    return inputs


@settings(max_examples=examples(50), deadline=None)
@given(history=histories(), min_group=st.integers(3, 6))
def test_rendered_digests_keep_the_promise(history: list[PeriodInput], min_group: int) -> None:
    views: list[DigestView] = []
    previous: PeriodInput | None = None
    shown_before: dict[str, frozenset[str]] = {}
    for current in history:
        view = decide(current, previous=previous, earlier=views, team_name="Platform",
                      min_group=min_group)
        rendered, chart = _render(view, min_group)
        named = {s.author_id for s in current.shared if s.named and s.text.strip()}
        everyone = {p for m in current.measures for p in m.contributors} | {
            s.author_id for s in current.shared}
        for person in everyone - named:  # nobody appears unless they chose to be named
            assert person not in rendered and NAMES[person] not in rendered
            assert person not in repr(chart.data) and person not in chart.alt_text
        by_key = {m.key: m for m in current.measures}
        shown_now: dict[str, frozenset[str]] = {}
        for figure in view.figures:
            if figure.shown:
                measure = by_key[figure.key]
                assert len(measure.contributors) >= min_group  # P2
                assert figure.rounded is not None and figure.rounded % 5 == 0  # rounded
                assert f"*{figure.display}*" in rendered
                if measure.of_people:  # a share in words: never a number of people
                    assert figure.display is not None
                    assert not any(c.isdigit() for c in figure.display), figure
                shown_now[figure.key] = measure.contributors
                before = shown_before.get(figure.key)
                if before is not None and previous is not None:
                    old = {m.key: m for m in previous.measures}[figure.key]
                    # P4: no figure shown twice in a row moved because of one person.
                    assert len(before ^ measure.contributors) != 1 or old.value == measure.value
            else:  # withheld figures are not listed
                assert f"• {figure.label[0].upper()}{figure.label[1:]}: *" not in rendered
        for series in chart.data:  # the chart draws only shown, rounded figures
            for _period, value in series.points:
                assert value is None or value % 5 == 0
        views.append(view)
        previous, shown_before = current, shown_now


def _golden(name: str, rendered: str) -> None:
    pretty = json.dumps(json.loads(rendered), indent=2, ensure_ascii=False) + "\n"
    assert_matches_golden(name, pretty)


def _period(period: str, size: int, *, shared: tuple[SharedItem, ...] = ()) -> PeriodInput:
    """`size` of a team of `size + 2` members held their check-ins, made and kept
    commitments and shared goals."""
    team = frozenset(PEOPLE[:size])
    return PeriodInput(period=period, shared=shared, team_size=size + 2, measures=(
        Measure("checkins_held", LABELS["checkins_held"], size, team, of_people=True),
        Measure("commitments_made", LABELS["commitments_made"], 3 * size, team),
        Measure("commitments_kept", LABELS["commitments_kept"], 2 * size, team),
        Measure("goals_shared", LABELS["goals_shared"], size, team),
    ))


def test_golden_full_team_digest_with_trend_and_shared_items() -> None:
    october = decide(_period("2026-10", 8), previous=None, team_name="Platform")
    shared = (SharedItem("highlight", "We halved deploy time", PEOPLE[0], named=False),
              SharedItem("ask", "A second reviewer for the API work", PEOPLE[1], named=True))
    view = decide(_period("2026-11", 8, shared=shared), previous=_period("2026-10", 8),
                  earlier=[october], team_name="Platform")
    rendered, chart = _render(view)
    assert chart.data
    _golden("digest_full_team", rendered)


def test_golden_digest_of_a_team_below_the_threshold() -> None:
    view = decide(_period("2026-11", 2), previous=None, team_name="Pair")
    _golden("digest_below_threshold", _render(view)[0])


def test_golden_first_digest_has_no_trend() -> None:
    view = decide(_period("2026-11", 6), previous=None, team_name="Platform")
    rendered, chart = _render(view)
    assert view.trend == () and "Trend" not in rendered and chart.data == ()
    _golden("digest_first", rendered)


def test_a_digest_with_more_figures_than_the_chart_holds_still_renders() -> None:
    team = frozenset(PEOPLE[:10])
    keys = sorted(LABELS)  # twelve kinds of figure, all shown
    periods = [PeriodInput(period=p, measures=tuple(
        Measure(k, LABELS[k], 10, team) for k in keys)) for p in ("2026-10", "2026-11")]
    first = decide(periods[0], previous=None, team_name="Platform")
    view = decide(periods[1], previous=periods[0], earlier=[first], team_name="Platform")
    rendered, chart = _render(view)
    assert len(chart.data) == 8 and all(f"{LABELS[k][1:]}" in rendered for k in keys)
