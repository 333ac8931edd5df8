"""Peer quads: group sizes, the manager/report rule, and how well regrouping mixes people.

The cost below is written independently of `bot.rituals.quads.grouping`, from the rule in
docs/quads.md, so that the brute-force comparisons check the rule rather than the code.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from itertools import combinations
from math import ceil, comb

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.rituals.quads.grouping import Grouping, draw_groups, group_sizes, pair_counts
from tests.properties import examples

Pair = frozenset[str]


def team(n: int) -> list[str]:
    return [f"U{i:03d}" for i in range(n)]


def chop(people: Sequence[str], sizes: Sequence[int]) -> list[list[str]]:
    groups, start = [], 0
    for size in sizes:
        groups.append(list(people[start:start + size]))
        start += size
    return groups


def placed_pairs(groups: Sequence[Sequence[str]]) -> list[Pair]:
    return [frozenset(pair) for group in groups for pair in combinations(group, 2)]


def rule_cost(
    groups: Sequence[Sequence[str]], history: Mapping[Pair, int], forbidden: set[Pair]
) -> tuple[int, list[int]]:
    """The documented rule: forbidden pairs first, then history counts, largest first."""
    pairs = placed_pairs(groups)
    counts = sorted((history.get(pair, 0) for pair in pairs), reverse=True)
    return sum(pair in forbidden for pair in pairs), counts


def all_groupings(people: Sequence[str], sizes: Sequence[int]) -> Iterator[list[tuple[str, ...]]]:
    """Every partition of people into groups of these sizes, each exactly once."""
    if not sizes:
        yield []
        return
    first, rest = people[0], people[1:]
    for i, size in enumerate(sizes):
        if size in sizes[:i]:
            continue  # the first person's group size decides; equal sizes are one choice
        others = [*sizes[:i], *sizes[i + 1:]]
        for mates in combinations(rest, size - 1):
            remaining = [p for p in rest if p not in mates]
            for tail in all_groupings(remaining, others):
                yield [(first, *mates), *tail]


def check_partition(grouping: Grouping, people: Sequence[str]) -> None:
    members = [p for group in grouping.groups for p in group]
    assert sorted(members) == sorted(people)  # everyone exactly once
    assert sorted(map(len, grouping.groups)) == sorted(group_sizes(len(people)))
    assert all(list(group) == sorted(group) for group in grouping.groups)
    assert grouping.groups == sorted(grouping.groups)


# --- group sizes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "sizes"),
    [(0, []), (1, []), (2, []), (3, [3]), (4, [4]), (5, [5]), (6, [3, 3]), (7, [4, 3]),
     (8, [4, 4]), (9, [5, 4]), (10, [4, 3, 3]), (11, [4, 4, 3]), (12, [4, 4, 4]),
     (13, [5, 4, 4]), (14, [4, 4, 3, 3])],
)
def test_group_sizes_examples(count: int, sizes: list[int]) -> None:
    assert group_sizes(count) == sizes


def most_fours(count: int) -> int:
    """By exhaustion: the most 4s in any split of count into 3s, 4s and 5s (-1 if none)."""
    best = -1
    for fives in range(count // 5 + 1):
        for fours in range((count - 5 * fives) // 4 + 1):
            if (count - 5 * fives - 4 * fours) % 3 == 0:
                best = max(best, fours)
    return best


def test_group_sizes_zero_to_two_hundred() -> None:
    for count in range(201):
        sizes = group_sizes(count)
        if count < 3:
            assert sizes == []
            continue
        assert sum(sizes) == count
        assert set(sizes) <= {3, 4, 5}
        assert sizes.count(4) == most_fours(count)


# --- draw_groups: structure, determinism, forbidden pairs -------------------------------


def test_a_team_below_three_gets_no_groups_and_says_who() -> None:
    for n in range(3):
        grouping = draw_groups(team(n)[::-1], history={})
        assert grouping.groups == []
        assert grouping.ungrouped == tuple(team(n))
        assert not grouping.compromised


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="distinct"):
        draw_groups(["U1", "U2", "U1"], history={})
    with pytest.raises(ValueError, match="two distinct"):
        draw_groups(team(4), history={}, forbidden={frozenset({"U000"})})
    with pytest.raises(TypeError):
        draw_groups("U0U1U2", history={})


def test_pair_counts_counts_every_pair_once_per_round() -> None:
    rounds = [[["a", "b", "c"], ["d", "e", "f"]], [["a", "b", "d"], ["c", "e", "f"]]]
    counts = pair_counts(rounds)
    assert counts[frozenset("ab")] == 2
    assert counts[frozenset("ef")] == 2
    assert counts[frozenset("ad")] == 1
    assert counts[frozenset("af")] == 0
    assert sum(counts.values()) == 12


index_pairs = st.tuples(st.integers(0, 39), st.integers(0, 39))


@st.composite
def teams(draw: st.DrawFn, low: int = 3, high: int = 40, max_forbidden: int = 15) -> tuple:
    n = draw(st.integers(low, high))
    people = team(n)

    def pairs(k: int) -> st.SearchStrategy[list[tuple[int, int]]]:
        valid = index_pairs.map(lambda t: (t[0] % n, t[1] % n)).filter(lambda t: t[0] != t[1])
        return st.lists(valid, max_size=k)

    counts = draw(st.lists(st.integers(1, 30), min_size=60, max_size=60))
    history = {frozenset((people[i], people[j])): c
               for (i, j), c in zip(draw(pairs(60)), counts, strict=False)}
    forbidden = {frozenset((people[i], people[j])) for i, j in draw(pairs(max_forbidden))}
    return people, history, forbidden, draw(st.integers(0, 2**32))


@settings(max_examples=examples(60), deadline=None)
@given(case=teams())
def test_everyone_is_placed_once_in_groups_of_the_right_sizes(case: tuple) -> None:
    people, history, forbidden, seed = case
    grouping = draw_groups(people, history=history, forbidden=forbidden, seed=seed)
    check_partition(grouping, people)
    assert grouping.ungrouped == ()
    used = {pair for pair in placed_pairs(grouping.groups) if pair in forbidden}
    assert set(grouping.forbidden_pairs_used) == used
    assert len(grouping.forbidden_pairs_used) == len(used)
    assert grouping.compromised == bool(used)
    # Deterministic, and the order people are listed in does not matter.
    again = draw_groups(people[::-1], history=dict(history), forbidden=set(forbidden), seed=seed)
    assert again == grouping


@st.composite
def feasible_teams(draw: st.DrawFn) -> tuple:
    """A hidden valid grouping, then forbidden pairs only across its groups."""
    n = draw(st.integers(3, 40))
    people = team(n)
    hidden = chop(draw(st.permutations(people)), group_sizes(n))
    home = {p: g for g, group in enumerate(hidden) for p in group}
    rnd = draw(st.randoms(use_true_random=False))
    density = draw(st.sampled_from([0.05, 0.1, 0.2, 0.3, 0.4]))
    forbidden = {frozenset(pair) for pair in combinations(people, 2)
                 if home[pair[0]] != home[pair[1]] and rnd.random() < density}
    history = {frozenset(pair): rnd.randint(0, 3) for pair in combinations(people, 2)}
    return people, history, forbidden, draw(st.integers(0, 2**32))


@settings(max_examples=examples(40), deadline=None)
@given(case=feasible_teams())
def test_no_forbidden_pair_when_a_valid_grouping_exists(case: tuple) -> None:
    people, history, forbidden, seed = case
    grouping = draw_groups(people, history=history, forbidden=forbidden, seed=seed)
    check_partition(grouping, people)
    assert grouping.forbidden_pairs_used == []


def org_forbidden(managers: Mapping[str, Sequence[str]]) -> set[Pair]:
    return {frozenset((m, r)) for m, reports in managers.items() for r in reports}


def test_managers_are_kept_apart_from_their_reports() -> None:
    people = team(20)
    # A director over three managers, each with five reports.
    forbidden = org_forbidden({
        "U000": ["U001", "U002", "U003"],
        "U001": people[4:9], "U002": people[9:14], "U003": people[14:19],
    })
    for seed in range(5):
        grouping = draw_groups(people, history={}, forbidden=forbidden, seed=seed)
        check_partition(grouping, people)
        assert grouping.forbidden_pairs_used == []


def test_team_of_three_with_its_manager_is_a_documented_compromise() -> None:
    forbidden = org_forbidden({"boss": ["ann", "bob"]})
    grouping = draw_groups(["ann", "bob", "boss"], history={}, forbidden=forbidden)
    assert grouping.groups == [("ann", "bob", "boss")]
    assert grouping.compromised
    assert grouping.forbidden_pairs_used == [frozenset({"ann", "boss"}),
                                             frozenset({"bob", "boss"})]


@pytest.mark.parametrize(("n", "reports", "fewest"),
                         [(5, 4, 4), (7, 6, 2), (8, 6, 2), (12, 11, 3), (12, 10, 2), (40, 39, 3)])
def test_when_no_valid_grouping_exists_the_fewest_forbidden_pairs_are_used(
    n: int, reports: int, fewest: int
) -> None:
    # One manager of `reports` people: they sit in the smallest group, with as many of
    # the others as the group has room for.
    people = team(n)
    forbidden = org_forbidden({people[0]: people[1:1 + reports]})
    grouping = draw_groups(people, history={}, forbidden=forbidden)
    check_partition(grouping, people)
    assert len(grouping.forbidden_pairs_used) == fewest
    assert all(people[0] in pair for pair in grouping.forbidden_pairs_used)


@st.composite
def small_teams(draw: st.DrawFn) -> tuple:
    n = draw(st.integers(3, 10))
    people = team(n)
    rnd = draw(st.randoms(use_true_random=False))
    top = draw(st.sampled_from([1, 2, 5, 50]))
    history = {frozenset(pair): rnd.randint(0, top) for pair in combinations(people, 2)}
    density = draw(st.sampled_from([0.0, 0.0, 0.1, 0.3, 0.6, 0.9]))
    forbidden = {frozenset(pair) for pair in combinations(people, 2) if rnd.random() < density}
    return people, history, forbidden, draw(st.integers(0, 2**32))


@settings(max_examples=examples(80), deadline=None)
@given(case=small_teams())
def test_small_teams_get_the_best_grouping_by_exhaustion(case: tuple) -> None:
    """Up to ten people, compare with every possible grouping (at most 2,100)."""
    people, history, forbidden, seed = case
    grouping = draw_groups(people, history=history, forbidden=forbidden, seed=seed)
    best = min(rule_cost(g, history, forbidden)
               for g in all_groupings(people, group_sizes(len(people))))
    assert rule_cost(grouping.groups, history, forbidden) == best


def test_a_pair_with_a_long_history_is_not_placed_together_again() -> None:
    people = team(8)
    history = {frozenset(("U000", "U001")): 10**6, frozenset(("U002", "U003")): 7}
    grouping = draw_groups(people, history=history)
    together = set(placed_pairs(grouping.groups))
    assert frozenset(("U000", "U001")) not in together
    assert frozenset(("U002", "U003")) not in together


def test_the_seed_varies_the_choice_among_equally_good_groupings() -> None:
    draws = {tuple(draw_groups(team(12), history={}, seed=s).groups) for s in range(5)}
    assert len(draws) > 1


# --- mixing: regrouping with the whole history ------------------------------------------


def lower_bound(n: int, rounds: int) -> int:
    """Some pair must have met ceil(pair placements / possible pairs) times, by counting."""
    per_round = sum(comb(size, 2) for size in group_sizes(n))
    return ceil(per_round * rounds / comb(n, 2))


@cache
def regroupings(n: int, rounds: int, seed: int = 0) -> tuple[tuple[tuple[str, ...], ...], ...]:
    """`rounds` successive draws, each using the history of all the previous ones."""
    people, history = team(n), Counter[Pair]()
    drawn = []
    for r in range(rounds):
        groups = draw_groups(people, history=history, seed=seed + r).groups
        history.update(pair_counts([groups]))
        drawn.append(tuple(groups))
    return tuple(drawn)


def max_meetings_after_each_round(drawn: Sequence[Sequence[Sequence[str]]]) -> list[int]:
    history: Counter[Pair] = Counter()
    maxima = []
    for groups in drawn:
        history.update(pair_counts([groups]))
        maxima.append(max(history.values()))
    return maxima


def test_twelve_people_twelve_rounds_reach_the_lower_bound() -> None:
    # 3 groups of 4 place 18 of the 66 pairs a round: 216 placements over 66 pairs, so
    # some pair meets at least ceil(216 / 66) = 4 times. The draw achieves exactly that.
    drawn = regroupings(12, 12)
    assert lower_bound(12, 12) == 4
    assert max_meetings_after_each_round(drawn)[-1] == 4
    counts = pair_counts(drawn)
    assert len(counts) == 66 and min(counts.values()) >= 2  # everyone met everyone twice
    # Measured (docs/quads.md): 2 pairs met twice, 44 three times, 20 four times.
    assert sorted(Counter(counts.values()).items()) == [(2, 2), (3, 44), (4, 20)]


def test_twelve_people_every_round_stays_within_one_of_the_bound() -> None:
    maxima = max_meetings_after_each_round(regroupings(12, 12))
    for r, most in enumerate(maxima, start=1):
        assert most <= lower_bound(12, r) + 1


def test_twelve_people_second_round_repeats_only_what_it_must() -> None:
    # No round after the first can avoid repeats: a group of 4 drawn from 3 old groups
    # has two people from one of them (pigeonhole), so each of the 3 new groups repeats
    # at least one pair. A 2+1+1 split in every group repeats exactly one: 3 in all.
    first, second = regroupings(12, 2)
    before = set(placed_pairs(first))
    repeats = [[pair for pair in placed_pairs([group]) if pair in before] for group in second]
    assert [len(r) for r in repeats] == [1, 1, 1]


def test_twelve_people_everyone_has_met_everyone_by_round_eight() -> None:
    # Round 1 meets 18 new pairs, every later round at most 15 (3 forced repeats), so
    # covering all 66 pairs takes at least 5 rounds; the draw takes 8 (measured).
    drawn = regroupings(12, 12)
    assert len(pair_counts(drawn[:8])) == 66


@settings(max_examples=examples(8), deadline=None)
@given(seed=st.integers(1, 10**6))
def test_twelve_people_other_seeds_stay_within_the_documented_margin(seed: int) -> None:
    maxima = max_meetings_after_each_round(regroupings(12, 12, seed * 100))
    assert maxima[-1] <= lower_bound(12, 12) + 1


@settings(max_examples=examples(25), deadline=None)
@given(n=st.integers(6, 24), rounds=st.integers(6, 12), seed=st.integers(0, 10**6))
def test_mixing_stays_within_one_of_the_lower_bound(n: int, rounds: int, seed: int) -> None:
    maxima = max_meetings_after_each_round(regroupings(n, rounds, seed))
    for r, most in enumerate(maxima, start=1):
        assert most <= lower_bound(n, r) + 1


@pytest.mark.parametrize("n", [14, 15, 16, 18, 20, 21, 24, 29, 33, 40])
def test_no_repeats_in_the_first_three_rounds_when_groups_allow_it(n: int) -> None:
    # With at least as many groups as the largest group size, nobody *has* to meet an
    # old group-mate again in round 2 (below that, pigeonhole forces it, as for 12 or
    # 17 people). That three repeat-free rounds exist is shown by the draw itself.
    sizes = group_sizes(n)
    assert len(sizes) >= max(sizes)
    assert max_meetings_after_each_round(regroupings(n, 3))[-1] == 1

