"""The digest trend chart: a valid, deterministic, small PNG plus words for everyone else."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.rituals.digest.chart import MAX_ALT_TEXT, PALETTE, Chart, Series, render_trend_chart

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MONTHS = ("Jun 2026", "Jul 2026", "Aug 2026", "Sep 2026", "Oct 2026", "Nov 2026")


def series(label: str, values: list[int | None], periods: tuple[str, ...] = MONTHS) -> Series:
    return Series(label, tuple(zip(periods, values, strict=True)))


SIX_BY_SIX = (
    series("weekly check-ins held", [20, 25, 25, 30, None, 35]),
    series("check-ins with an answer from both", [15, 20, None, 25, 25, 30]),
    series("goals shared", [10, 10, 15, 20, 20, 25]),
    series("goals closed", [5, 5, 10, None, None, 15]),
    series("quad meetings", [0, 5, 5, 10, 10, 10]),
    series("commitments kept", [None, 5, 10, 10, 15, 20]),
)


def decode(chart: Chart) -> Image.Image:
    assert chart.png.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(chart.png))
    image.load()
    assert image.format == "PNG"
    return image


@pytest.fixture(scope="module")
def six_by_six() -> Chart:
    return render_trend_chart(SIX_BY_SIX, title="Team trends")


def test_png_decodes_at_the_requested_size(six_by_six: Chart) -> None:
    assert decode(six_by_six).size == (800, 400)
    small = render_trend_chart(SIX_BY_SIX[:2], title="Team trends", width=500, height=300)
    assert decode(small).size == (500, 300)


def test_same_input_gives_the_same_bytes(six_by_six: Chart) -> None:
    again = render_trend_chart(list(SIX_BY_SIX), title="Team trends")
    assert again.png == six_by_six.png
    assert again == six_by_six


def test_data_is_exactly_what_was_given(six_by_six: Chart) -> None:
    assert six_by_six.data == SIX_BY_SIX
    as_lists = Series("goals shared", [("Jun 2026", 3), ("Jul 2026", None)])  # type: ignore[arg-type]
    chart = render_trend_chart([as_lists], title="t")
    assert chart.data == (Series("goals shared", (("Jun 2026", 3), ("Jul 2026", None))),)


def test_alt_text_names_every_series_and_shown_value_and_only_says_not_shown_for_gaps(
        six_by_six: Chart) -> None:
    alt = six_by_six.alt_text
    assert len(alt) <= MAX_ALT_TEXT
    assert alt.startswith("Line chart: Team trends, Jun 2026 to Nov 2026.")
    for s in SIX_BY_SIX:
        assert f"{s.label}: " in alt
        for period, value in s.points:
            said = "not shown" if value is None else f"about {value}"
            assert f"{period} {said}" in alt
    # A gap reads as exactly "not shown": no stand-in number follows it.
    assert "Oct 2026 not shown, Nov 2026 about 35." in alt
    assert alt.count("not shown") == sum(v is None for s in SIX_BY_SIX for _, v in s.points)


def test_alt_text_for_a_series_never_shown() -> None:
    chart = render_trend_chart([series("goals shared", [1, 2, 3, 4, 5, 6]),
                                series("goals closed", [None] * 6)], title="t")
    assert "goals closed: not shown in any period." in chart.alt_text


def test_alt_text_stays_within_the_limit_for_the_largest_chart() -> None:
    periods = tuple(f"Week {n} of the quarter" for n in range(1, 13))
    many = [series(f"a rather long series label number {i} for the legend",
                   [1000 * i + n for n in range(12)], periods) for i in range(8)]
    chart = render_trend_chart(many, title="t")
    assert len(chart.alt_text) <= MAX_ALT_TEXT
    assert decode(chart).size == (800, 400)


def test_text_fallback_has_one_compact_line_per_series() -> None:
    chart = render_trend_chart([
        series("weekly check-ins held", [20, 25, None], MONTHS[3:]),
        series("goals <closed> & kept", [1200, None, 5], MONTHS[3:]),
    ], title="Team trends")
    assert chart.text_fallback == (
        "weekly check-ins held: Sep about 20 · Oct about 25 · Nov —\n"
        "goals &lt;closed&gt; &amp; kept: Sep about 1,200 · Oct — · Nov about 5"
    )


def test_text_fallback_keeps_whole_period_labels_when_first_words_repeat() -> None:
    chart = render_trend_chart([series("held", [1, 2], ("Week 1", "Week 2"))], title="t")
    assert chart.text_fallback == "held: Week 1 about 1 · Week 2 about 2"


@pytest.mark.parametrize("given", [[], [series("held", [None] * 6)], [Series("held", ())]])
def test_no_trend_yet(given: list[Series]) -> None:
    chart = render_trend_chart(given, title="Team trends")
    assert decode(chart).size == (800, 400)
    assert len(chart.png) < 20_000
    assert "No trend yet" in chart.alt_text
    assert "No trend yet" in chart.text_fallback
    assert chart.data == ()


def test_a_missing_value_is_a_gap_not_a_zero() -> None:
    def blue_pixels_in_the_middle(values: list[int | None]) -> int:
        image = decode(render_trend_chart([series("held", values, MONTHS[:3])],
                                          title="t")).convert("RGB")
        blue = tuple(int(PALETTE[0][i:i + 2], 16) for i in (1, 3, 5))
        return sum(
            1 for x in range(395, 406) for y in range(image.height)
            if all(abs(a - b) < 40 for a, b in zip(image.getpixel((x, y)), blue, strict=True))
        )

    assert blue_pixels_in_the_middle([10, 10, 10]) > 0
    assert blue_pixels_in_the_middle([10, None, 10]) == 0


def test_png_stays_small(six_by_six: Chart) -> None:
    assert len(six_by_six.png) < 100_000
    busy = [series(f"series {i} with a long label", [97 * i + 131 * n for n in range(6)])
            for i in range(6)]
    assert len(render_trend_chart(busy, title="x" * 200).png) < 100_000


@pytest.mark.parametrize("given, message", [
    ([series("a", [1] * 6), series("b", [1, 2], MONTHS[:2])], "same periods"),
    ([series("a", [1, -1, 1, 1, 1, 1])], "ints >= 0"),
    ([series("a", [1, True, 1, 1, 1, 1])], "ints >= 0"),  # type: ignore[list-item]
    ([series("a", [1, 2.5, 1, 1, 1, 1])], "ints >= 0"),  # type: ignore[list-item]
    ([series("a", [1] * 6), series("a", [2] * 6)], "distinct"),
    ([series(" ", [1] * 6)], "label"),
    ([series("a", [1, 2], ("Jun", "Jun"))], "twice"),
    ([series(f"s{i}", [1] * 6) for i in range(9)], "at most 8 series"),
])
def test_malformed_input_is_refused(given: list[Series], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        render_trend_chart(given, title="t")


def test_bad_title_or_size_is_refused() -> None:
    with pytest.raises(ValueError, match="title"):
        render_trend_chart([], title="  ")
    with pytest.raises(ValueError, match="size"):
        render_trend_chart([], title="t", width=10)
