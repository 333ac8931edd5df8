"""Draw a team digest's trend chart: PNG bytes, alt text and a plain-text fallback.

Pure: no I/O, no clock. The caller passes only figures the digest policy allowed to be
shown (team-level, rounded); this module draws exactly those and adds no numbers of its
own beyond the y-axis ticks. A value of None ("not shown that period") is a gap in the
line, never a zero. The same input always gives the same bytes.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from PIL import Image, ImageDraw, ImageFont

from bot.messages.text import slack_escape

MAX_SERIES = 8  # one Okabe–Ito colour and one marker shape each
MAX_PERIODS = 12
MAX_ALT_TEXT = 1000
NO_TREND = "No trend yet"

# Okabe–Ito, ordered for contrast on white (yellow last: it is faint on white).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000",
           "#F0E442")
MARKERS = ("circle", "square", "triangle", "diamond", "triangle_down", "pentagon",
           "hexagon", "circle_open")

_SS = 2  # supersampling factor: draw big, downsample once, for smooth lines and text
_TEXT = "#222222"
_MUTED = "#666666"
_GRID = "#E3E3E3"
_AXIS = "#9A9A9A"


@dataclass(frozen=True)
class Series:
    label: str  # "weekly check-ins held"
    points: tuple[tuple[str, int | None], ...]  # (period label, rounded value or None)


@dataclass(frozen=True)
class Chart:
    png: bytes
    alt_text: str  # <= 1000 chars, every series' values in words
    text_fallback: str  # one mrkdwn line per series
    data: tuple[Series, ...]  # exactly what was drawn


def render_trend_chart(series: Sequence[Series], *, title: str, width: int = 800,
                       height: int = 400) -> Chart:
    """Draw `series` as a line chart with markers; empty or all-None gives "No trend yet".

    Every series must list the same periods in the same order (None where a value was
    not shown). Raises ValueError on malformed input: that is a caller bug.
    """
    data = _validated(series, title, width, height)
    if not any(value is not None for s in data for _, value in s.points):
        return Chart(png=_no_trend_png(title, width, height),
                     alt_text=_clip(f"Chart: {_one_line(title)}. {NO_TREND}: there are no "
                                    "figures to compare yet.", MAX_ALT_TEXT),
                     text_fallback=f"_{NO_TREND}_", data=())
    return Chart(png=_line_chart_png(data, title, width, height),
                 alt_text=_alt_text(data, title), text_fallback=_text_fallback(data),
                 data=data)


# --- validation -------------------------------------------------------------------------

def _validated(series: Sequence[Series], title: str, width: int,
               height: int) -> tuple[Series, ...]:
    if not isinstance(title, str) or not title.strip():
        raise ValueError("title must be a non-blank string")
    if not (320 <= width <= 4000 and 200 <= height <= 4000):
        raise ValueError(f"size {width}x{height} is outside 320..4000 x 200..4000")
    data = tuple(Series(label=s.label, points=tuple((p, v) for p, v in s.points))
                 for s in series)
    if len(data) > MAX_SERIES:
        raise ValueError(f"at most {MAX_SERIES} series, got {len(data)}")
    labels = [s.label for s in data]
    if any(not isinstance(label, str) or not label.strip() for label in labels):
        raise ValueError("every series needs a non-blank label")
    if len(set(labels)) != len(labels):
        raise ValueError("series labels must be distinct (the legend tells them apart)")
    periods = _periods(data)
    if len(periods) > MAX_PERIODS:
        raise ValueError(f"at most {MAX_PERIODS} periods, got {len(periods)}")
    if len(set(periods)) != len(periods):
        raise ValueError("a period appears twice")
    for s in data:
        if tuple(p for p, _ in s.points) != periods:
            raise ValueError(f"series {s.label!r} does not list the same periods as the first")
        for _, value in s.points:
            if value is not None and (type(value) is not int or value < 0):
                raise ValueError(f"series {s.label!r}: values are ints >= 0 or None, "
                                 f"got {value!r}")
    if any(not isinstance(p, str) or not p.strip() for p in periods):
        raise ValueError("every period needs a non-blank label")
    return data


def _periods(data: tuple[Series, ...]) -> tuple[str, ...]:
    return tuple(p for p, _ in data[0].points) if data else ()


# --- words ------------------------------------------------------------------------------

def _one_line(text: str) -> str:
    return " ".join(text.split())


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _number(value: int) -> str:
    return f"{value:,}"


def _compact_periods(periods: tuple[str, ...]) -> tuple[str, ...]:
    """"Sep 2026" -> "Sep" when the first words alone still tell the periods apart."""
    firsts = tuple(_one_line(p).split(" ")[0] for p in periods)
    return firsts if len(set(firsts)) == len(firsts) else tuple(_one_line(p) for p in periods)


def _alt_text(data: tuple[Series, ...], title: str) -> str:
    """Every value in words; shorter wordings are tried until one fits MAX_ALT_TEXT."""
    periods = tuple(_one_line(p) for p in _periods(data))
    span = periods[0] if len(periods) == 1 else f"{periods[0]} to {periods[-1]}"
    head = f"Line chart: {_clip(_one_line(title), 150)}, {span}."

    def said(value: int | None, about: str = "about ") -> str:
        return "not shown" if value is None else f"{about}{_number(value)}"

    def by_period(names: tuple[str, ...]) -> str:
        parts = [head]
        for s in data:
            if all(v is None for _, v in s.points):
                parts.append(f"{_one_line(s.label)}: not shown in any period.")
                continue
            values = ", ".join(f"{name} {said(v)}"
                               for name, (_, v) in zip(names, s.points, strict=True))
            parts.append(f"{_one_line(s.label)}: {values}.")
        parts.append("Figures are rounded.")
        return " ".join(parts)

    def in_order() -> str:  # periods named once, then each series' values in that order
        parts = [head, f"Periods: {'; '.join(periods)}. Figures are rounded."]
        parts += [f"{_one_line(s.label)}: {'; '.join(said(v, '') for _, v in s.points)}."
                  for s in data]
        return " ".join(parts)

    for text in (by_period(periods), by_period(_compact_periods(_periods(data)))):
        if len(text) <= MAX_ALT_TEXT:
            return text
    return _clip(in_order(), MAX_ALT_TEXT)


def _text_fallback(data: tuple[Series, ...]) -> str:
    names = _compact_periods(_periods(data))
    lines = []
    for s in data:
        cells = " · ".join(f"{slack_escape(name)} "
                           + ("—" if v is None else f"about {_number(v)}")
                           for name, (_, v) in zip(names, s.points, strict=True))
        lines.append(f"{slack_escape(_one_line(s.label))}: {cells}")
    return "\n".join(lines)


# --- drawing ----------------------------------------------------------------------------

@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont:
    font = ImageFont.load_default(size=size)
    if not isinstance(font, ImageFont.FreeTypeFont):  # Pillow without FreeType
        raise RuntimeError("the digest chart needs Pillow built with FreeType")
    return font


def _text_width(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont) -> float:
    return draw.textlength(text, font=font)


def _fit(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont,
         max_width: float) -> str:
    """Truncate `text` with an ellipsis so it fits in `max_width` pixels."""
    text = _one_line(text)
    if _text_width(draw, text, font) <= max_width:
        return text
    while text and _text_width(draw, text + "…", font) > max_width:
        text = text[:-1]
    return text.rstrip() + "…" if text else ""


def _y_ticks(top_value: int) -> list[int]:
    """0 up to a round number at or above `top_value`, in about four steps of 1, 2 or 5 x 10^k."""
    raw = max(top_value, 1) / 4
    magnitude = 10 ** max(0, math.floor(math.log10(raw)))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    top = max(step * 2, math.ceil(top_value / step) * step)
    return list(range(0, top + 1, step))


def _marker(draw: ImageDraw.ImageDraw, shape: str, x: float, y: float, r: float,
            colour: str) -> None:
    outline, width = "#FFFFFF", max(1, round(r / 3))
    if shape in ("circle", "circle_open"):
        fill = "#FFFFFF" if shape == "circle_open" else colour
        draw.ellipse((x - r, y - r, x + r, y + r), fill=fill,
                     outline=colour if shape == "circle_open" else outline, width=width)
        return
    if shape == "square":
        s = r * 0.9
        draw.rectangle((x - s, y - s, x + s, y + s), fill=colour, outline=outline, width=width)
        return
    sides, rotation, scale = {
        "triangle": (3, 0, 1.25), "triangle_down": (3, 180, 1.25), "diamond": (4, 45, 1.2),
        "pentagon": (5, 0, 1.1), "hexagon": (6, 0, 1.1),
    }[shape]
    draw.regular_polygon((x, y, r * scale), sides, rotation=rotation, fill=colour,
                         outline=outline, width=width)


class _Canvas:
    """A supersampled white canvas; callers work in final-image pixels."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.unit = max(0.6, min(width / 800, height / 400, 2.5))  # font/stroke scale
        self.image = Image.new("RGB", (width * _SS, height * _SS), "#FFFFFF")
        self.draw = ImageDraw.Draw(self.image)

    def font(self, size: float) -> ImageFont.FreeTypeFont:
        return _font(max(8, round(size * self.unit)) * _SS)

    def png(self) -> bytes:
        small = self.image.resize((self.width, self.height), Image.Resampling.LANCZOS)
        # A 256-colour palette keeps the exact series colours and anti-aliasing at a third of
        # the RGB size.
        quantised = small.quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                   dither=Image.Dither.NONE)
        out = io.BytesIO()
        quantised.save(out, format="PNG", optimize=True)
        return out.getvalue()

    def text(self, xy: tuple[float, float], text: str, font: ImageFont.FreeTypeFont,
             fill: str, anchor: str = "la", bold: bool = False) -> None:
        self.draw.text((xy[0] * _SS, xy[1] * _SS), text, font=font, fill=fill, anchor=anchor,
                       stroke_width=1 if bold else 0, stroke_fill=fill)

    def width_of(self, text: str, font: ImageFont.FreeTypeFont) -> float:
        return _text_width(self.draw, text, font) / _SS

    def fit(self, text: str, font: ImageFont.FreeTypeFont, max_width: float) -> str:
        return _fit(self.draw, text, font, max_width * _SS)


def _title(canvas: _Canvas, title: str, margin: float) -> float:
    """Draw the title at the top left; return the y just below it."""
    font = canvas.font(18)
    text = canvas.fit(title, font, canvas.width - 2 * margin)
    canvas.text((margin, margin), text, font, _TEXT, bold=True)
    return margin + 18 * canvas.unit * 1.25


def _no_trend_png(title: str, width: int, height: int) -> bytes:
    canvas = _Canvas(width, height)
    margin = 20 * canvas.unit
    _title(canvas, title, margin)
    middle = height / 2
    canvas.text((width / 2, middle), NO_TREND, canvas.font(22), _MUTED, anchor="mm", bold=True)
    hint = canvas.fit("Trends appear once a few digests have figures to compare.",
                      canvas.font(13), width - 2 * margin)
    canvas.text((width / 2, middle + 28 * canvas.unit), hint, canvas.font(13), _MUTED,
                anchor="mm")
    return canvas.png()


def _legend(canvas: _Canvas, data: tuple[Series, ...], top: float, margin: float) -> float:
    """Draw the legend in wrapped rows under the title; return the y just below it."""
    u = canvas.unit
    font = canvas.font(13)
    swatch, gap, spacing, row_height = 26 * u, 6 * u, 20 * u, 20 * u
    usable = canvas.width - 2 * margin
    x, y = margin, top + row_height / 2
    for i, s in enumerate(data):
        label = canvas.fit(s.label, font, usable - swatch - gap)
        item = swatch + gap + canvas.width_of(label, font)
        if x > margin and x + item > margin + usable:
            x, y = margin, y + row_height
        colour = PALETTE[i]
        canvas.draw.line((x * _SS, y * _SS, (x + swatch) * _SS, y * _SS), fill=colour,
                         width=round(3 * u * _SS))
        _marker(canvas.draw, MARKERS[i], (x + swatch / 2) * _SS, y * _SS, 5 * u * _SS, colour)
        canvas.text((x + swatch + gap, y), label, font, _TEXT, anchor="lm")
        x += item + spacing
    return y + row_height / 2


def _label_lines(canvas: _Canvas, label: str, font: ImageFont.FreeTypeFont,
                 max_width: float) -> list[str]:
    """One line if it fits, else two split at the most balanced space, each fitted."""
    text = _one_line(label)
    words = text.split(" ")
    if canvas.width_of(text, font) <= max_width or len(words) == 1:
        return [canvas.fit(text, font, max_width)]
    halves = min(((" ".join(words[:k]), " ".join(words[k:])) for k in range(1, len(words))),
                 key=lambda pair: max(canvas.width_of(part, font) for part in pair))
    return [canvas.fit(part, font, max_width) for part in halves]


def _line_chart_png(data: tuple[Series, ...], title: str, width: int, height: int) -> bytes:
    canvas = _Canvas(width, height)
    u, draw = canvas.unit, canvas.draw
    margin = 20 * u
    periods = _periods(data)
    has_gaps = any(v is None for s in data for _, v in s.points)

    below_title = _title(canvas, title, margin)
    plot_top = _legend(canvas, data, below_title + 4 * u, margin) + 14 * u

    tick_font, note_font = canvas.font(12), canvas.font(11)
    ticks = _y_ticks(max(v for s in data for _, v in s.points if v is not None))
    tick_labels = [_number(t) for t in ticks]
    left = margin + max(canvas.width_of(t, tick_font) for t in tick_labels) + 8 * u
    right = width - margin
    note = "Figures are rounded." + (" A gap means the figure was not shown that period."
                                      if has_gaps else "")
    slot = (right - left) / len(periods)
    x_labels = [_label_lines(canvas, p, tick_font, slot - 6 * u) for p in periods]
    line_step = 15 * u
    x_label_height = 8 * u + line_step * max(len(lines) for lines in x_labels) + 6 * u
    bottom = height - margin - 14 * u - x_label_height  # 14u: the note's line

    def x_of(index: int) -> float:
        return left + slot * (index + 0.5)

    def y_of(value: float) -> float:
        return bottom - (bottom - plot_top) * value / ticks[-1]

    # Horizontal gridlines and y tick labels; the zero line is the axis.
    for tick, text in zip(ticks, tick_labels, strict=True):
        y = y_of(tick)
        axis = tick == 0
        draw.line((left * _SS, y * _SS, right * _SS, y * _SS), fill=_AXIS if axis else _GRID,
                  width=round(u * _SS * (1.5 if axis else 1)))
        canvas.text((left - 8 * u, y), text, tick_font, _MUTED, anchor="rm")

    # Period labels, centred under their points.
    for i, lines in enumerate(x_labels):
        for j, line in enumerate(lines):
            canvas.text((x_of(i), bottom + 8 * u + j * line_step), line, tick_font, _MUTED,
                        anchor="ma")

    canvas.text((margin, height - margin), canvas.fit(note, note_font, width - 2 * margin),
                note_font, _MUTED, anchor="ld")

    # Lines join only neighbouring shown values, so a None is a gap, not a zero.
    line_width = round(3 * u * _SS)
    for i, s in enumerate(data):
        xy = [None if v is None else (x_of(k) * _SS, y_of(v) * _SS)
              for k, (_, v) in enumerate(s.points)]
        for a, b in pairwise(xy):
            if a is not None and b is not None:
                draw.line((a, b), fill=PALETTE[i], width=line_width)
        for point in xy:
            if point is not None:
                _marker(draw, MARKERS[i], point[0], point[1], 5 * u * _SS, PALETTE[i])
    return canvas.png()
