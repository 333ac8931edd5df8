"""What a team digest may show. Pure: no I/O, no wall clock, no Slack, no database.

The caller counts, from the database, a `PeriodInput` for the team and period: one
`Measure` per figure (the team total and the set of distinct people whose activity
makes it up) and the `SharedItem`s their authors chose to share. `decide` returns a
`DigestView`, which is everything a template may render. This module is the only
place that decides; templates never see a `Measure` or a contributor set.

The rules (privacy promise P1-P4 in the product brief):

1. **No per-person figure.** A view holds team totals, rounded, and nothing about any
   one person. Contributor sets never leave this module. The only user id a view can
   hold is `SharedView.author_id`, and only for an item whose author chose to be named.
2. **min_group.** A figure is shown only when at least `min_group` distinct people
   contributed (`len(contributors) >= min_group`; default 3; a `min_group` below
   `MIN_GROUP_FLOOR` (3) raises `ValueError`). Otherwise it is withheld with
   `withheld_because="too_few"`, and `notes` holds the sentence `NOTE_TOO_FEW` once,
   however many figures it concerns; it never says who. This applies to zero too: a
   value of 0 with fewer than `min_group` contributors is withheld, not shown as
   "none" ("none" about a team of two tells each what the other did).
3. **Rounding** (`round_count`), for counts of things (commitments, goals, cycles;
   people-figures: rule 9). 0 is shown as "none" (rounded 0). 1 to 4 is shown as
   "fewer than 5" and plotted at 5, the top of its band: a chart never draws something
   as nothing, and 0 stays reserved for "none". From 5 up, the value is rounded to the
   nearest multiple of 5 and shown as "about N" (remainders 1-2 round down, 3-4 up;
   there are no ties), so 5-7 -> "about 5", 8-12 -> "about 10". Every shown
   `rounded` is therefore a multiple of 5, and it is never more precise than
   `display`.
4. **No slicing.** Nothing in this API names a sub-group, role or time zone: figures
   are whole-team totals, exactly as the caller counted them for the team.
5. **Difference guard.** A figure that passes rule 2 now is held back
   (`withheld_because="difference"`) when the same key also passed rule 2 in
   `previous` (so it may have been shown there), the two contributor sets differ by
   exactly one person (symmetric difference of size 1: one joined or one left), and
   the raw value changed. Comparing the two digests would then show that one person's
   change. `notes` then holds `NOTE_DIFFERENCE` once. Decided edge cases:
   - the raw values are compared, not the rounded ones: the guard holds back a bit
     more often, but a rounded display that happens not to move still narrows down
     the one person's contribution;
   - same contributor set, changed value: shown (no single person is isolated);
   - sets differing by exactly one, unchanged value: shown (nothing to attribute);
   - sets differing by two or more: shown (the change is shared by several people);
   - no `previous`, the key absent from it, or withheld there as too few: shown (there
     was no earlier figure to subtract from);
   - a figure withheld as too few now is only "too_few", never also "difference".
   `previous` is either the previous period's input (sets: the rule above) or, as
   the service passes it, `ShownBefore`: the guard marks stored with the last
   published digest (see rule 8). Against a mark, the sets are not known, only their
   sizes, so "differ by exactly one person" becomes "the number of contributors moved
   by exactly one" (never less cautious: a size change of one always has a
   symmetric difference of one or more, and a one-person difference always changes
   the size by one).
6. **Shared items.** Kept in the order given, text passed through unchanged (escaping
   is the template's job). Items whose text is empty or only whitespace are dropped.
   An unnamed item has `author_id=None`. A kind other than "highlight" or "ask"
   raises `ValueError`.
7. **Trend.** When `earlier` is empty this is the first digest and `trend` is empty.
   Otherwise `trend` holds one point per digest in the last `TREND_LENGTH` (5) of
   `earlier` (taken in the order given, oldest first) and then the current point. A
   point holds the rounded values of the figures shown in that period's digest, read
   from its `figures`; a figure not shown then has no value in the point.

8. **Guard marks** (`guard_marks`). What the guard keeps of a digest, to compare the
   next one with what was *shown*, not with a recount of the past (a recount no
   longer holds what a person deleted since, so their removal would pass unseen): for
   each figure shown, its raw team total and the *number* of its contributors, never
   who. A figure not shown keeps the mark of the last digest that showed it, so a
   figure shown in A, held back in B, is compared in C with A.

9. **People-figures** (`share_of_team`). A measure that counts people (`of_people`:
   how many of the team held their check-in) is shown as a share of the team in words,
   never as a number: "a few of the team" (under a quarter), "about a third" (under
   40%), "about half" (under 60%), "most of the team" (under 90%), "all or nearly all
   of the team". The team's size is `PeriodInput.team_size`; a count above it (someone
   who left during the period) reads as the whole team, so no people-figure can read
   as more people than the team has. `rounded` is the band's percentage (20, 35, 50,
   75, 100), a multiple of 5 like every other. Rules 2 and 5 apply unchanged: the band
   is shown only with `min_group` people behind it, and held back when it would
   single out one person's change.

Inputs are checked: a negative value, a repeated measure key, an `earlier` or
`previous` period equal to the current one, or repeated periods in `earlier` raise
`ValueError`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from bot.rituals.common.measures import Measure

MIN_GROUP_FLOOR = 3
TREND_LENGTH = 5
SHARED_KINDS = frozenset({"highlight", "ask"})
TOO_FEW = "too_few"
DIFFERENCE = "difference"
NOTE_TOO_FEW = (
    "Some figures are not shown because too few people took part "
    "to share them without identifying anyone."
)
NOTE_DIFFERENCE = (
    "Some figures are held back because comparing them with the last digest "
    "could single out one person."
)


@dataclass(frozen=True)
class SharedItem:
    """A highlight or ask its author chose to share in the digest."""

    kind: str
    text: str
    author_id: str
    named: bool = False


@dataclass(frozen=True)
class PeriodInput:
    """Everything the caller counted for one team and one period (`team_size`: its
    active members, what a people-figure is a share of)."""

    period: str
    measures: tuple[Measure, ...]
    shared: tuple[SharedItem, ...] = ()
    team_size: int = 0


@dataclass(frozen=True)
class GuardMark:
    """A shown figure as the guard remembers it: a team total and a head count (no ids)."""

    value: int
    contributors: int


@dataclass(frozen=True)
class ShownBefore:
    """The guard marks stored with the team's last published digest (rule 8)."""

    period: str
    marks: Mapping[str, GuardMark]


@dataclass(frozen=True)
class Figure:
    """One figure as a template may render it."""

    key: str
    label: str
    shown: bool
    display: str | None = None
    rounded: int | None = None
    withheld_because: str | None = None
    share: bool = False  # a people-figure: `rounded` is a share of the team in % (rule 9)


@dataclass(frozen=True)
class SharedView:
    """A shared item as a template may render it."""

    kind: str
    text: str
    author_id: str | None


@dataclass(frozen=True)
class TrendPoint:
    """Rounded values of the figures shown in one period's digest."""

    period: str
    values: Mapping[str, int]


@dataclass(frozen=True)
class DigestView:
    """Everything a digest template may render, and nothing else."""

    period: str
    team_name: str
    figures: tuple[Figure, ...]
    shared: tuple[SharedView, ...]
    trend: tuple[TrendPoint, ...]
    notes: tuple[str, ...]


def round_count(value: int) -> tuple[int, str]:
    """Return (rounded, display) for a team count; see rule 3 in the module docstring."""
    if value < 0:
        raise ValueError(f"a count cannot be negative: {value}")
    if value == 0:
        return 0, "none"
    if value < 5:
        return 5, "fewer than 5"
    rounded = (value + 2) // 5 * 5
    return rounded, f"about {rounded}"


# (below this share, its band and words): rule 9.
SHARE_BANDS = ((0.25, 20, "a few of the team"), (0.4, 35, "about a third of the team"),
               (0.6, 50, "about half of the team"), (0.9, 75, "most of the team"))
WHOLE_TEAM = (100, "all or nearly all of the team")


def share_of_team(people: int, team_size: int) -> tuple[int, str]:
    """Return (rounded, display) for a people-figure; see rule 9 in the module docstring."""
    if people < 0 or team_size < 0:
        raise ValueError(f"a count cannot be negative: {people} of {team_size}")
    if people == 0:
        return 0, "none of the team"
    share = people / max(team_size, people)
    return next(((band, words) for below, band, words in SHARE_BANDS if share < below),
                WHOLE_TEAM)


def _by_key(period: PeriodInput) -> dict[str, Measure]:
    measures: dict[str, Measure] = {}
    for measure in period.measures:
        if measure.key in measures:
            raise ValueError(f"measure {measure.key!r} appears twice in {period.period}")
        if measure.value < 0:
            raise ValueError(f"measure {measure.key!r} is negative in {period.period}")
        measures[measure.key] = measure
    return measures


def _isolates_one_person(now: Measure, before: Measure | GuardMark | None, min_group: int
                         ) -> bool:
    if isinstance(before, GuardMark):  # shown before: only its head count is known
        return abs(len(now.contributors) - before.contributors) == 1 \
            and now.value != before.value
    if before is None or len(before.contributors) < min_group:
        return False
    moved = frozenset(now.contributors) ^ frozenset(before.contributors)
    return len(moved) == 1 and now.value != before.value


def _figure(now: Measure, before: Measure | GuardMark | None, min_group: int,
            team_size: int) -> Figure:
    if len(now.contributors) < min_group:
        return Figure(now.key, now.label, shown=False, withheld_because=TOO_FEW)
    if _isolates_one_person(now, before, min_group):
        return Figure(now.key, now.label, shown=False, withheld_because=DIFFERENCE)
    rounded, display = (share_of_team(now.value, team_size) if now.of_people
                        else round_count(now.value))
    return Figure(now.key, now.label, shown=True, display=display, rounded=rounded,
                  share=now.of_people)


def _shared_view(item: SharedItem) -> SharedView | None:
    if item.kind not in SHARED_KINDS:
        raise ValueError(f"unknown shared item kind {item.kind!r}")
    if not item.text.strip():
        return None
    return SharedView(item.kind, item.text, item.author_id if item.named else None)


def _point(period: str, figures: Sequence[Figure]) -> TrendPoint:
    values = {f.key: f.rounded for f in figures if f.shown and f.rounded is not None}
    return TrendPoint(period, MappingProxyType(values))


def guard_marks(current: PeriodInput, view: DigestView,
                previous: ShownBefore | None) -> dict[str, GuardMark]:
    """The marks to store with `view` (rule 8): a count of people per figure, no ids."""
    marks = dict(previous.marks) if previous is not None else {}
    measures = _by_key(current)
    for figure in view.figures:
        if figure.shown:
            measure = measures[figure.key]
            marks[figure.key] = GuardMark(measure.value, len(measure.contributors))
    return marks


def decide(
    current: PeriodInput,
    *,
    previous: PeriodInput | ShownBefore | None,
    earlier: Sequence[DigestView] = (),
    team_name: str,
    min_group: int = 3,
) -> DigestView:
    """Decide what the digest for `current` may show; see the rules in the module docstring.

    `previous` is what the difference guard compares with: the marks of the last
    published digest, or the input of the team's previous period;
    `earlier` are the team's published digests, oldest first (for the trend).
    """
    if min_group < MIN_GROUP_FLOOR:
        raise ValueError(f"min_group must be at least {MIN_GROUP_FLOOR}, not {min_group}")
    if previous is not None and previous.period == current.period:
        raise ValueError(f"previous period is the current one: {current.period}")
    earlier_periods = [view.period for view in earlier]
    if current.period in earlier_periods or len(set(earlier_periods)) != len(earlier_periods):
        raise ValueError("earlier digests must be of distinct periods before the current one")

    now = _by_key(current)
    before: Mapping[str, Measure | GuardMark] = (
        {} if previous is None else previous.marks if isinstance(previous, ShownBefore)
        else _by_key(previous))
    figures = tuple(_figure(m, before.get(key), min_group, current.team_size)
                    for key, m in now.items())

    reasons = {f.withheld_because for f in figures}
    notes = tuple(
        note
        for reason, note in ((TOO_FEW, NOTE_TOO_FEW), (DIFFERENCE, NOTE_DIFFERENCE))
        if reason in reasons
    )
    shared = tuple(v for v in map(_shared_view, current.shared) if v is not None)
    trend: tuple[TrendPoint, ...] = ()
    if earlier:
        recent = earlier[-TREND_LENGTH:]
        trend = (
            *(_point(view.period, view.figures) for view in recent),
            _point(current.period, figures),
        )
    return DigestView(current.period, team_name, figures, shared, trend, notes)
