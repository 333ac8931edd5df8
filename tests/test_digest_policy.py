"""The digest policy: what a team digest may show (privacy promise P1-P4).

Examples for each rule in `bot.rituals.digest.policy`, then hypothesis properties over
generated team histories. The properties restate the rules from the module docstring
rather than calling its helpers, so they check the rules, not the code.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.rituals.digest.policy import (
    DIFFERENCE,
    MIN_GROUP_FLOOR,
    NOTE_DIFFERENCE,
    NOTE_TOO_FEW,
    TOO_FEW,
    DigestView,
    Figure,
    Measure,
    PeriodInput,
    SharedItem,
    SharedView,
    TrendPoint,
    decide,
    round_count,
)
from tests.properties import examples

KEYS = (
    "checkins_held",
    "commitments_made",
    "commitments_kept",
    "commitments_carried",
    "commitments_dropped",
    "goals_shared",
    "goals_done",
    "goals_partly",
    "goals_not_done",
    "goals_carried",
    "quad_cycles_held",
    "quad_commitments_kept",
)

ALICE, BOB, CAROL, DAN, ERIN = "U0ALIC", "U0BOBB", "U0CARO", "U0DANN", "U0ERIN"


def people(*ids: str) -> frozenset[str]:
    return frozenset(ids)


def measure(key: str, value: int, contributors: frozenset[str]) -> Measure:
    return Measure(key, key.replace("_", " "), value, contributors)


def period(name: str, *measures: Measure, shared: Sequence[SharedItem] = ()) -> PeriodInput:
    return PeriodInput(name, tuple(measures), tuple(shared))


def only(view: DigestView, key: str) -> Figure:
    (figure,) = [f for f in view.figures if f.key == key]
    return figure


def one(current: PeriodInput, previous: PeriodInput | None = None, **kw: object) -> DigestView:
    return decide(current, previous=previous, team_name="Platform", **kw)  # type: ignore[arg-type]


# Rule 3: rounding


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, (0, "none")),
        (1, (5, "fewer than 5")),
        (4, (5, "fewer than 5")),
        (5, (5, "about 5")),
        (7, (5, "about 5")),
        (8, (10, "about 10")),
        (12, (10, "about 10")),
        (13, (15, "about 15")),
        (25, (25, "about 25")),
        (1003, (1005, "about 1005")),
    ],
)
def test_counts_are_rounded(value: int, expected: tuple[int, str]) -> None:
    assert round_count(value) == expected


def test_a_negative_count_is_an_error() -> None:
    with pytest.raises(ValueError):
        round_count(-1)


@given(st.integers(min_value=0, max_value=10**6))
def test_rounding_is_to_a_multiple_of_five_and_never_far(value: int) -> None:
    rounded, display = round_count(value)
    assert rounded % 5 == 0
    if value >= 5:
        assert abs(rounded - value) <= 2 and display == f"about {rounded}"
    else:
        assert display == ("none" if value == 0 else "fewer than 5")


# Rules 1 and 4: team totals only, no slicing


def test_the_view_holds_team_totals_and_no_one_s_id() -> None:
    team = people(ALICE, BOB, CAROL, DAN)
    view = one(
        period(
            "2026-11",
            measure("commitments_kept", 23, team),
            measure("goals_done", 2, people(ALICE)),
            shared=[SharedItem("highlight", "We shipped it", ERIN, named=False)],
        )
    )
    assert only(view, "commitments_kept") == Figure(
        "commitments_kept", "commitments kept", True, "about 25", 25, None
    )
    text = repr(view)
    for person in (*team, ERIN):
        assert person not in text
    for cls in (DigestView, Figure, SharedView, TrendPoint):
        assert "contributors" not in {f.name for f in dataclasses.fields(cls)}


def test_the_api_cannot_ask_for_a_sub_group() -> None:
    assert set(inspect.signature(decide).parameters) == {
        "current",
        "previous",
        "earlier",
        "team_name",
        "min_group",
    }
    # The team's size is the whole team's (what a people-figure is a share of), not a
    # sub-group's: nothing here names a role, a zone or a part of the team.
    assert {f.name for f in dataclasses.fields(PeriodInput)} == {
        "period", "measures", "shared", "team_size"}


# Rule 2: min_group


@pytest.mark.parametrize("min_group", [2, 1, 0, -3])
def test_min_group_is_never_below_three(min_group: int) -> None:
    assert MIN_GROUP_FLOOR == 3
    with pytest.raises(ValueError):
        one(period("2026-11"), min_group=min_group)


def test_figures_from_too_few_people_are_withheld_with_one_plain_sentence() -> None:
    view = one(
        period(
            "2026-11",
            measure("checkins_held", 9, people(ALICE, BOB, CAROL)),
            measure("goals_done", 2, people(ALICE, BOB)),
            measure("goals_partly", 1, people(CAROL)),
            measure("goals_not_done", 0, people()),
        )
    )
    assert only(view, "checkins_held").display == "about 10"
    for key in ("goals_done", "goals_partly", "goals_not_done"):
        figure = only(view, key)
        assert (figure.shown, figure.display, figure.rounded) == (False, None, None)
        assert figure.withheld_because == TOO_FEW
    assert view.notes == (NOTE_TOO_FEW,)


def test_a_larger_min_group_withholds_more() -> None:
    current = period("2026-11", measure("checkins_held", 9, people(ALICE, BOB, CAROL)))
    assert only(one(current), "checkins_held").shown
    assert only(one(current, min_group=4), "checkins_held").withheld_because == TOO_FEW


def test_none_is_shown_only_when_enough_people_took_part() -> None:
    team = people(ALICE, BOB, CAROL)
    view = one(period("2026-11", measure("commitments_dropped", 0, team)))
    assert only(view, "commitments_dropped").display == "none"
    assert only(view, "commitments_dropped").rounded == 0
    assert view.notes == ()


# Rule 5: the difference guard

BASE = people(ALICE, BOB, CAROL, DAN)


def guarded(before: Measure | None, now: Measure) -> Figure:
    previous = period("2026-10", before) if before else None
    return only(one(period("2026-11", now), previous), now.key)


@pytest.mark.parametrize(
    "now",
    [
        measure("commitments_kept", 14, BASE | {ERIN}),  # one joined, value moved
        measure("commitments_kept", 8, BASE - {DAN}),  # one left, value moved
        measure("commitments_kept", 11, BASE - {DAN}),  # moved within the same rounding
    ],
)
def test_a_change_one_person_explains_is_held_back(now: Measure) -> None:
    view = one(period("2026-11", now), period("2026-10", measure("commitments_kept", 10, BASE)))
    assert only(view, "commitments_kept") == Figure(
        "commitments_kept", "commitments kept", False, None, None, DIFFERENCE
    )
    assert view.notes == (NOTE_DIFFERENCE,)
    assert ERIN not in repr(view) and DAN not in repr(view)


@pytest.mark.parametrize(
    ("before", "now"),
    [
        # same people, different total: nobody is isolated
        (measure("goals_done", 10, BASE), measure("goals_done", 20, BASE)),
        # one person more, same total: nothing to attribute
        (measure("goals_done", 10, BASE), measure("goals_done", 10, BASE | {ERIN})),
        # two people changed: the change is shared
        (measure("goals_done", 10, BASE), measure("goals_done", 20, BASE - {DAN} | {ERIN})),
        # too few before, so nothing was shown to subtract from
        (measure("goals_done", 4, people(ALICE, BOB)), measure("goals_done", 9, BASE - {DAN})),
        # no figure before
        (None, measure("goals_done", 9, BASE)),
        (measure("goals_carried", 9, BASE), measure("goals_done", 12, BASE | {ERIN})),
    ],
)
def test_changes_no_single_person_explains_are_shown(before: Measure | None, now: Measure) -> None:
    assert guarded(before, now).shown


def test_too_few_comes_before_the_difference_guard() -> None:
    before = measure("goals_done", 5, people(ALICE, BOB, CAROL))
    figure = guarded(before, measure("goals_done", 3, people(ALICE, BOB)))
    assert figure.withheld_because == TOO_FEW


def test_both_notes_appear_once_each_in_a_fixed_order() -> None:
    before = period(
        "2026-10", measure("commitments_kept", 10, BASE), measure("goals_done", 10, BASE)
    )
    now = period(
        "2026-11",
        measure("commitments_kept", 12, BASE | {ERIN}),
        measure("goals_done", 12, BASE - {ALICE}),
        measure("goals_partly", 1, people(ALICE)),
    )
    assert one(now, before).notes == (NOTE_TOO_FEW, NOTE_DIFFERENCE)


# Rule 6: shared items


def test_shared_items_keep_their_order_text_and_anonymity() -> None:
    items = [
        SharedItem("ask", "Who knows <b>Postgres</b> & <@U0ZZZZ>?", ALICE, named=False),
        SharedItem("highlight", "   ", BOB, named=True),
        SharedItem("highlight", "", CAROL, named=False),
        SharedItem("highlight", "  Shipped the importer\n", DAN, named=True),
    ]
    view = one(period("2026-11", shared=items))
    assert view.shared == (
        SharedView("ask", "Who knows <b>Postgres</b> & <@U0ZZZZ>?", None),
        SharedView("highlight", "  Shipped the importer\n", DAN),
    )
    assert ALICE not in repr(view) and BOB not in repr(view) and CAROL not in repr(view)


def test_an_unknown_kind_of_shared_item_is_an_error() -> None:
    with pytest.raises(ValueError):
        one(period("2026-11", shared=[SharedItem("metric", "x", ALICE, named=False)]))


# Rule 7: trend


def test_the_first_digest_has_no_trend_and_later_ones_add_a_point() -> None:
    team = BASE | {ERIN}
    views: list[DigestView] = []
    for month, kept in enumerate([10, 22, 3, 31, 40, 48, 52], start=1):
        current = period(
            f"2026-{month:02d}",
            measure("commitments_kept", kept, team),
            measure("goals_done", kept, people(ALICE, BOB)),
        )
        views.append(decide(current, previous=None, earlier=views, team_name="Platform"))
    assert views[0].trend == ()
    assert [(p.period, dict(p.values)) for p in views[1].trend] == [
        ("2026-01", {"commitments_kept": 10}),
        ("2026-02", {"commitments_kept": 20}),
    ]
    last = views[-1].trend
    assert [p.period for p in last] == [f"2026-{m:02d}" for m in range(2, 8)]
    assert [p.values["commitments_kept"] for p in last] == [20, 5, 30, 40, 50, 50]
    assert all("goals_done" not in p.values for p in last)
    with pytest.raises(TypeError):
        last[-1].values["commitments_kept"] = 0  # type: ignore[index]


# Input checks


@pytest.mark.parametrize(
    ("current", "previous"),
    [
        (period("2026-11", measure("a", 1, BASE), measure("a", 2, BASE)), None),
        (period("2026-11", measure("a", -1, BASE)), None),
        (period("2026-11"), period("2026-11")),
    ],
)
def test_malformed_input_is_an_error(current: PeriodInput, previous: PeriodInput | None) -> None:
    with pytest.raises(ValueError):
        one(current, previous)


def test_earlier_digests_must_be_of_other_periods() -> None:
    first = one(period("2026-10"))
    with pytest.raises(ValueError):
        decide(period("2026-10"), previous=None, earlier=[first], team_name="Platform")
    with pytest.raises(ValueError):
        decide(period("2026-11"), previous=None, earlier=[first, first], team_name="Platform")


# Properties over generated team histories

ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
user_ids = st.text(ID_CHARS, min_size=4, max_size=4).map(lambda s: "U0" + s)
words = st.text("abcdefghij .,!?", max_size=20)  # cannot spell an id


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[str], int, list[PeriodInput]]:
    """A team of 5-30 people and 2-6 consecutive periods of measures and shared items.

    Each period a measure's contributors are drawn afresh, kept, or changed by one or
    two people, and its value kept or redrawn, so that the difference guard's cases
    (exactly one person in or out, value moved or not) come up often.
    """
    team = draw(st.lists(user_ids, min_size=5, max_size=30, unique=True))
    min_group = draw(st.integers(MIN_GROUP_FLOOR, 6))
    keys = draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=5, unique=True))
    last: dict[str, tuple[frozenset[str], int]] = {}
    periods: list[PeriodInput] = []
    for index in range(draw(st.integers(2, 6))):
        measures = []
        for key in keys:
            how = draw(st.sampled_from(["fresh", "same", "toggle1", "toggle2", "absent"]))
            if how == "absent":
                last.pop(key, None)
                continue
            before, value = last.get(key, (frozenset(), 0))
            if how == "fresh" or key not in last:
                size = draw(st.integers(0, len(team)))
                who = frozenset(draw(st.permutations(team))[:size])
            elif how == "same":
                who = before
            else:
                flips = draw(st.lists(st.sampled_from(team), min_size=1, max_size=2, unique=True))
                who = before ^ frozenset(flips[: 1 if how == "toggle1" else 2])
            if key not in last or draw(st.booleans()):
                value = draw(st.integers(0, 3 * len(who) + 3))
            last[key] = (who, value)
            measures.append(Measure(key, key.replace("_", " "), value, who))
        shared = draw(
            st.lists(
                st.builds(
                    SharedItem,
                    st.sampled_from(["highlight", "ask"]),
                    words,
                    st.sampled_from(team),
                    st.booleans(),
                ),
                max_size=4,
            )
        )
        periods.append(PeriodInput(f"2026-{index + 1:02d}", tuple(measures), tuple(shared)))
    return team, min_group, periods


def run(min_group: int, periods: Sequence[PeriodInput]) -> list[DigestView]:
    views: list[DigestView] = []
    previous: PeriodInput | None = None
    for current in periods:
        views.append(
            decide(
                current, previous=previous, earlier=views, team_name="Platform", min_group=min_group
            )
        )
        previous = current
    return views


@settings(max_examples=examples(150), deadline=None)
@given(histories())
def test_generated_histories_keep_the_privacy_promise(
    history: tuple[list[str], int, list[PeriodInput]],
) -> None:
    team, min_group, periods = history
    views = run(min_group, periods)
    shown_in: dict[str, dict[str, Figure]] = {}
    for index, (current, view) in enumerate(zip(periods, views, strict=True)):
        inputs = {m.key: m for m in current.measures}
        shown = {f.key: f for f in view.figures if f.shown}
        shown_in[view.period] = shown

        # No id anywhere but the author of a named shared item, once per such item.
        kept = [item for item in current.shared if item.text.strip()]
        assert [s.author_id for s in view.shared] == [
            i.author_id if i.named else None for i in kept
        ]
        assert [s.text for s in view.shared] == [i.text for i in kept]
        text = repr(view)
        for person in team:
            assert text.count(person) == sum(s.author_id == person for s in view.shared)

        # min_group, rounding, and the reason a figure is withheld.
        assert [f.key for f in view.figures] == [m.key for m in current.measures]
        for figure in view.figures:
            source = inputs[figure.key]
            enough = len(source.contributors) >= min_group
            if figure.shown:
                assert enough and figure.withheld_because is None
                assert figure.rounded is not None and figure.rounded % 5 == 0
                assert (figure.rounded, figure.display) == round_count(source.value)
            else:
                assert figure.display is None and figure.rounded is None
                assert figure.withheld_because == (DIFFERENCE if enough else TOO_FEW)
        reasons = {f.withheld_because for f in view.figures}
        assert set(view.notes) == {
            note
            for reason, note in [(TOO_FEW, NOTE_TOO_FEW), (DIFFERENCE, NOTE_DIFFERENCE)]
            if reason in reasons
        }
        assert len(view.notes) == len(set(view.notes))

        # The difference guard, both ways: no figure shown in two consecutive digests
        # moved because of exactly one person, and none is held back without that.
        if index:
            before = {m.key: m for m in periods[index - 1].measures}
            for figure in view.figures:
                old, new = before.get(figure.key), inputs[figure.key]
                one_person_moved = (
                    old is not None
                    and len(old.contributors) >= min_group
                    and len(old.contributors ^ new.contributors) == 1
                    and old.value != new.value
                )
                if figure.key in shown_in[views[index - 1].period] and figure.shown:
                    assert not one_person_moved
                if figure.withheld_because == DIFFERENCE:
                    assert one_person_moved

        # The trend: earlier shown figures only, at most five before this one.
        if index == 0:
            assert view.trend == ()
        else:
            assert len(view.trend) == min(index, 5) + 1
            assert [p.period for p in view.trend] == [v.period for v in views[: index + 1]][-6:]
            for point in view.trend:
                assert dict(point.values) == {
                    k: f.rounded for k, f in shown_in[point.period].items()
                }


# Rule 9: people-figures, a share of the team in words ---------------------------------------
# Each band's words and the shares it covers, restated from the rule.
BANDS = (("none of the team", 0.0, 0.0), ("a few of the team", 0.0, 0.25),
         ("about a third of the team", 0.25, 0.4), ("about half of the team", 0.4, 0.6),
         ("most of the team", 0.6, 0.9), ("all or nearly all of the team", 0.9, 1.0))


def test_eight_people_who_all_held_their_check_in_read_as_the_team_not_about_10() -> None:
    """The issue's case: an 8-person team read "about 10 check-ins held"."""
    team = frozenset(f"U0P{n:03d}" for n in range(8))
    current = PeriodInput("2026-11-23", (Measure("checkins_held", "members who held their "
                                                 "check-in", 8, team, of_people=True),),
                          team_size=8)
    figure = only(decide(current, previous=None, team_name="Platform"), "checkins_held")
    assert (figure.display, figure.rounded, figure.share) == (
        "all or nearly all of the team", 100, True)


@settings(max_examples=examples(300), deadline=None)
@given(team_size=st.integers(3, 60), took_part=st.integers(0, 60), left=st.integers(0, 5),
       min_group=st.integers(3, 6))
def test_no_people_figure_reads_as_more_than_the_team(team_size: int, took_part: int,
                                                      left: int, min_group: int) -> None:
    """Over team sizes and participation (and people who left during the period, so
    more took part than are on the team now): a shown people-figure is words, never a
    number, its band holds the true share (capped at the whole team), and it never
    reads as more than the team. Kills: a people-figure shown with `round_count`
    (mutation: `of_people` ignored in `_figure`: "about 10" of 8) and words that
    overstate or understate the share (mutation: "most of the team" up to 110%)."""
    took_part = min(took_part, team_size + left)
    who = frozenset(f"U0P{n:03d}" for n in range(took_part))
    current = PeriodInput("2026-11", (Measure("checkins_held", "members who held their "
                                              "check-in", took_part, who, of_people=True),),
                          team_size=team_size)
    figure = only(decide(current, previous=None, team_name="T", min_group=min_group),
                  "checkins_held")
    if took_part < min_group:
        assert not figure.shown and figure.display is None  # P2 first
        return
    assert figure.display is not None and not any(c.isdigit() for c in figure.display)
    assert figure.rounded is not None and 0 < figure.rounded <= 100 and figure.rounded % 5 == 0
    share = min(took_part / team_size, 1.0)
    (low, high), = [(lo, hi) for words, lo, hi in BANDS if words == figure.display]
    assert low <= share <= high and (share < high or high == 1.0)
