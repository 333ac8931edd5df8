"""Peer quads: who is grouped with whom. Pure: no I/O, no wall clock, deterministic.

Sizes. `group_sizes(n)` uses as many groups of four as possible and absorbs the
remainder in groups of three or five (never one or two); fewer than three people get no
groups, and `Grouping.ungrouped` lists them so the caller can tell the coach why.

The rule. Among all partitions of the team into groups of those sizes, `draw_groups`
returns one that minimises, lexicographically,

1. the number of *forbidden pairs* placed together (manager and own report, unless the
   team is configured otherwise), then
2. the history counts of the pairs placed together, sorted from largest to smallest and
   compared as a sequence: first the largest number of past cycles any two group-mates
   have already shared, then how many pairs have shared that many, then how many the
   next lower count, and so on down to pairs that have never met (whose number is
   thereby maximised: as many new colleagues as possible).

The history is the whole history (`pair_counts` builds it from past rounds), so a pair
that met long ago still counts. Forbidden pairs are a hard constraint whenever a valid
grouping exists; when none does, the result uses the fewest forbidden pairs and lists
them in `Grouping.forbidden_pairs_used` (`compromised` is true). "Fewest" is proved by
exhaustive search within a node budget; only large teams with very dense constraints
can exhaust it, and then the result is the fewest found.

The search. Criterion 2 is encoded as one integer per pair, B**rank(count) with B larger
than the number of pairs in a grouping, so that sums compare like the sorted sequences;
a forbidden pair carries a digit above all of those. A seeded local search minimises the
sum: greedy starts (people in random order, each joining the group they cost least in),
swaps between groups and moves between groups whose sizes differ by one until no move
improves, then kicks of two random swaps, keeping any result that is no worse. If
forbidden pairs remain above a simple lower bound, a branch and bound with a fixed node
budget looks for a grouping with fewer. The exact optimum of criterion 2 is NP-hard in
general; `docs/quads.md` reports how close the search gets and how fast it is.
"""

from __future__ import annotations

import random
from collections import Counter, deque
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from itertools import combinations
from operator import add, sub

Pair = frozenset[str]

# Fixed (not time-based) effort, so the same inputs always give the same grouping. Measured
# (docs/quads.md): this finds the exact optimum for almost all random teams of 3 to 12;
# teams of 25 or more get fewer restarts to stay fast.
_RESTARTS_SMALL, _RESTARTS_LARGE, _LARGE = 4, 2, 25
_KICKS = 25
_KICK_SWAPS = 2
_EXACT_NODE_BUDGET = 5_000


def group_sizes(count: int) -> list[int]:
    """Sizes for `count` people: as many 4s as possible, the remainder absorbed as 3s or 5s.

    count < 3 -> []. E.g. 3->[3], 4->[4], 5->[5], 6->[3,3], 7->[4,3], 9->[5,4],
    10->[4,3,3], 11->[4,4,3].
    """
    if count < 3:
        return []
    fours, rest = divmod(count, 4)
    if rest == 0:
        return [4] * fours
    if rest == 1:  # one 4 becomes a 5 (count >= 5 here)
        return [5] + [4] * (fours - 1)
    if rest == 2:  # one 4 and the 2 become two 3s
        return [4] * (fours - 1) + [3, 3]
    return [4] * fours + [3]


@dataclass(frozen=True)
class Grouping:
    groups: list[tuple[str, ...]]  # each group sorted; groups sorted
    forbidden_pairs_used: list[Pair]  # empty unless no valid grouping existed
    ungrouped: tuple[str, ...] = field(default=())  # the whole team when it is below three

    @property
    def compromised(self) -> bool:
        """True when no grouping without forbidden pairs existed (or none was found)."""
        return bool(self.forbidden_pairs_used)


def pair_counts(rounds: Iterable[Sequence[Sequence[str]]]) -> Counter[Pair]:
    """Helper to build `history` from past groupings (each round = list of groups)."""
    counts: Counter[Pair] = Counter()
    for groups in rounds:
        for group in groups:
            counts.update(frozenset(pair) for pair in combinations(group, 2))
    return counts


def draw_groups(
    people: Sequence[str],
    *,
    history: Mapping[Pair, int],
    forbidden: Set[Pair] = frozenset(),
    seed: int = 0,
) -> Grouping:
    """Draw this cycle's groups by the rule in the module docstring.

    history: how many cycles each pair has already spent in the same group (the whole
    history; missing pairs count 0). forbidden: pairs never to be placed together if any
    grouping avoids them all. seed: varies the choice among equally good groupings (pass
    e.g. the regrouping number); the same inputs always give the same result.
    """
    if isinstance(people, str):
        raise TypeError("people must be a sequence of user ids, not one string")
    ids = sorted(people)  # canonical order: the input order must not matter
    if len(set(ids)) != len(ids):
        raise ValueError("people must be distinct")
    for pair in forbidden:
        if len(pair) != 2:
            raise ValueError(f"a forbidden pair needs two distinct people, not {sorted(pair)}")
    sizes = group_sizes(len(ids))
    if not sizes:
        return Grouping(groups=[], forbidden_pairs_used=[], ungrouped=tuple(ids))

    weights, banned = _weights(ids, history, forbidden)
    rng = random.Random(seed)
    best = _search(len(ids), sizes, weights, rng)
    lower = _forbidden_lower_bound(len(ids), sizes, banned)
    if _forbidden_count(best, banned) > lower:
        exact = _fewest_forbidden(len(ids), sizes, banned, _forbidden_count(best, banned), lower)
        if exact is not None:  # strictly fewer forbidden pairs: polish it for history
            best = _polish(exact, weights, rng)

    groups = sorted(tuple(sorted(ids[i] for i in group)) for group in best)
    used = sorted(
        (frozenset((ids[a], ids[b])) for group in best for a, b in combinations(group, 2)
         if b in banned[a]),
        key=sorted,
    )
    return Grouping(groups=groups, forbidden_pairs_used=used)


# --- cost -------------------------------------------------------------------------------


def _weights(
    ids: list[str], history: Mapping[Pair, int], forbidden: Set[Pair]
) -> tuple[list[list[int]], list[set[int]]]:
    """Pair weights whose sums compare like (forbidden count, sorted history counts)."""
    n = len(ids)
    counts = [[0] * n for _ in range(n)]
    for a, b in combinations(range(n), 2):
        counts[a][b] = counts[b][a] = max(0, int(history.get(frozenset((ids[a], ids[b])), 0)))
    index = {person: i for i, person in enumerate(ids)}
    banned: list[set[int]] = [set() for _ in range(n)]
    for pair in forbidden:
        first, second = (index.get(p) for p in pair)
        if first is not None and second is not None:  # people outside the team do not matter
            banned[first].add(second)
            banned[second].add(first)

    # Only the order of counts matters, so rank them: keeps the integers small.
    ranks = {c: r for r, c in enumerate(sorted({c for row in counts for c in row}))}
    base = n * 2 + 1  # > pairs in any grouping (at most 2n with groups of <= 5)
    top = base ** len(ranks)  # one forbidden pair outweighs every history digit
    weights = [[base ** ranks[c] for c in row] for row in counts]
    for a in range(n):
        weights[a][a] = 0  # so a person's link to their own group needs no correction
        for b in banned[a]:
            weights[a][b] += top
    return weights, banned


def _cost(groups: list[list[int]], weights: list[list[int]]) -> int:
    return sum(weights[a][b] for group in groups for a, b in combinations(group, 2))


def _forbidden_count(groups: list[list[int]], banned: list[set[int]]) -> int:
    return sum(1 for group in groups for a, b in combinations(group, 2) if b in banned[a])


# --- local search -----------------------------------------------------------------------


def _search(
    n: int, sizes: list[int], weights: list[list[int]], rng: random.Random
) -> list[list[int]]:
    best: list[list[int]] | None = None
    best_cost = 0
    for _ in range(_RESTARTS_LARGE if n >= _LARGE else _RESTARTS_SMALL):
        groups = _polish(_greedy(n, sizes, weights, rng), weights, rng)
        cost = _cost(groups, weights)
        if best is None or cost < best_cost:
            best, best_cost = groups, cost
    assert best is not None
    return best


def _greedy(
    n: int, sizes: list[int], weights: list[list[int]], rng: random.Random
) -> list[list[int]]:
    """A start: people in random order, each joining the open group they cost least in."""
    order = list(range(n))
    rng.shuffle(order)
    groups: list[list[int]] = [[] for _ in sizes]
    for p in order:
        row = weights[p]
        costs = [(sum(row[q] for q in group), g) for g, group in enumerate(groups)
                 if len(group) < sizes[g]]
        groups[min(costs)[1]].append(p)
    return groups


def _polish(
    groups: list[list[int]], weights: list[list[int]], rng: random.Random
) -> list[list[int]]:
    """Iterated local search: descend, then kick and re-descend, keeping no-worse results."""
    state = _State(groups, weights)
    state.descend(range(len(weights)))
    for _ in range(_KICKS):
        mark, before = len(state.log), state.cost
        state.descend(state.kick(rng, _KICK_SWAPS), confirm=False)
        if state.cost > before:
            state.undo(mark)
        # Ties are kept: drifting across equal-cost groupings helps escape plateaus.
    state.descend(range(len(weights)))
    return state.snapshot()


class _State:
    """A grouping plus, per person and group, the summed weight to that group's members."""

    def __init__(self, groups: list[list[int]], weights: list[list[int]]) -> None:
        self.weights = weights
        self.groups = [list(g) for g in groups]
        self.where = [0] * len(weights)
        for g, group in enumerate(self.groups):
            for p in group:
                self.where[p] = g
        # link[g][p]: p's summed weight to the members of group g (by group, so that
        # moving someone updates two whole lists at C speed).
        self.link = [[sum(row[q] for q in group) for row in weights] for group in self.groups]
        self.cost = _cost(self.groups, weights)
        self.log: list[tuple[int, int]] = []  # (a, b) swapped, or (a, ~src) moved from src

    def snapshot(self) -> list[list[int]]:
        return [list(g) for g in self.groups]

    def _relink(self, p: int, src: int, dst: int) -> None:
        """Person p moved from group src to group dst: update every link to those groups."""
        row = self.weights[p]
        self.link[src] = list(map(sub, self.link[src], row))
        self.link[dst] = list(map(add, self.link[dst], row))

    def swap(self, a: int, b: int, delta: int) -> None:
        ga, gb = self.where[a], self.where[b]
        self.groups[ga][self.groups[ga].index(a)] = b
        self.groups[gb][self.groups[gb].index(b)] = a
        self.where[a], self.where[b] = gb, ga
        self._relink(a, ga, gb)
        self._relink(b, gb, ga)
        self.cost += delta
        self.log.append((a, b))

    def move(self, a: int, dst: int, delta: int) -> None:
        src = self.where[a]
        self.groups[src].remove(a)
        self.groups[dst].append(a)
        self.where[a] = dst
        self._relink(a, src, dst)
        self.cost += delta
        self.log.append((a, ~src))

    def swap_delta(self, a: int, b: int) -> int:
        ga, gb = self.where[a], self.where[b]
        lga, lgb = self.link[ga], self.link[gb]
        return lgb[a] + lga[b] - lga[a] - lgb[b] - 2 * self.weights[a][b]

    def undo(self, mark: int) -> None:
        """Reverse every swap and move made since len(log) was `mark`."""
        while len(self.log) > mark:
            a, other = self.log.pop()
            if other >= 0:
                self.swap(a, other, self.swap_delta(a, other))
            else:
                self.move(a, ~other, self.link[~other][a] - self.link[self.where[a]][a])
            self.log.pop()  # the reversal itself is not to be undone

    def descend(self, active: Iterable[int], confirm: bool = True) -> None:
        """First-improvement local search over swaps and size-preserving moves.

        Only people whose group changed are re-examined; with `confirm`, full passes
        then make sure that no improving move is left anywhere (a true local optimum).
        """
        n = len(self.weights)
        queue = deque(active)
        queued = [False] * n
        for p in queue:
            queued[p] = True
        while True:
            while queue:
                a = queue.popleft()
                queued[a] = False
                self._requeue(self._improve(a), queue, queued)
            if not confirm:
                return
            for a in range(n):
                self._requeue(self._improve(a), queue, queued)
            if not queue:
                return

    def _requeue(self, touched: tuple[int, int] | None, queue: deque[int],
                 queued: list[bool]) -> None:
        if touched is None:
            return
        for g in touched:
            for p in self.groups[g]:
                if not queued[p]:
                    queued[p] = True
                    queue.append(p)

    def _improve(self, a: int) -> tuple[int, int] | None:
        """Apply the first improving swap or move of person a; return the groups touched."""
        wa, link, groups = self.weights[a], self.link, self.groups
        ga = self.where[a]
        lga = link[ga]
        own = lga[a]
        for gb, group in enumerate(groups):
            if gb == ga:
                continue
            lgb = link[gb]
            gain = lgb[a] - own  # a's side of the delta, the same for every b in gb
            for b in group:
                delta = gain + lga[b] - lgb[b] - 2 * wa[b]
                if delta < 0:
                    self.swap(a, b, delta)
                    return ga, gb
            # A move keeps the multiset of sizes only from size s to size s - 1.
            if gain < 0 and len(group) == len(groups[ga]) - 1:
                self.move(a, gb, gain)
                return ga, gb
        return None

    def kick(self, rng: random.Random, swaps: int) -> list[int]:
        """Swap a few random pairs (worsening, usually); return the people to re-examine."""
        touched: set[int] = set()
        for _ in range(swaps):
            a, b = rng.sample(range(len(self.weights)), 2)
            if self.where[a] != self.where[b]:
                touched.update((self.where[a], self.where[b]))
                self.swap(a, b, self.swap_delta(a, b))
        return sorted(p for g in touched for p in self.groups[g])


# --- forbidden pairs: lower bound and exact search --------------------------------------


def _forbidden_lower_bound(n: int, sizes: list[int], banned: list[set[int]]) -> int:
    """Each person needs min(sizes) - 1 group-mates; any beyond their allowed ones are forced."""
    need = min(sizes) - 1
    forced = [max(0, need - (n - 1 - len(banned[p]))) for p in range(n)]
    # A forced pair may be forced from both of its ends, hence the halving.
    return max(max(forced), (sum(forced) + 1) // 2)


def _fewest_forbidden(
    n: int, sizes: list[int], banned: list[set[int]], upper: int, lower: int
) -> list[list[int]] | None:
    """Branch and bound for a grouping with fewer than `upper` forbidden pairs.

    Places the most constrained person next and prunes with a bound: every unplaced
    person will add at least their fewest forbidden partners in any open group. Stops
    at `lower` or after a fixed node budget; returns the best found, or None if none
    beats `upper`.
    """
    groups: list[list[int]] = [[] for _ in sizes]
    conflicts = [[0] * len(sizes) for _ in range(n)]  # [p][g]: p's forbidden partners in g
    placed = [False] * n
    best: list[list[int]] | None = None
    best_count, nodes = upper, 0

    def place(left: int, count: int) -> None:
        nonlocal best, best_count, nodes
        nodes += 1
        if left == 0:
            best, best_count = [list(g) for g in groups], count
            return
        open_groups = [g for g, group in enumerate(groups) if len(group) < sizes[g]]
        bound, pick, pick_key = 0, -1, (0, 0, 0)
        for p in range(n):
            if placed[p]:
                continue
            row = conflicts[p]
            least = min(row[g] for g in open_groups)
            bound += least
            ties = sum(1 for g in open_groups if row[g] == least)
            key = (-least, ties, -len(banned[p]))  # fail first
            if pick < 0 or key < pick_key:
                pick, pick_key = p, key
        if count + bound >= best_count:
            return
        seen_empty: set[int] = set()
        options = []
        for g in open_groups:
            if not groups[g]:  # empty groups of one size are interchangeable
                if sizes[g] in seen_empty:
                    continue
                seen_empty.add(sizes[g])
            options.append((conflicts[pick][g], g))
        for added, g in sorted(options):
            groups[g].append(pick)
            placed[pick] = True
            for q in banned[pick]:
                conflicts[q][g] += 1
            place(left - 1, count + added)
            for q in banned[pick]:
                conflicts[q][g] -= 1
            placed[pick] = False
            groups[g].pop()
            if best_count <= lower or nodes >= _EXACT_NODE_BUDGET:
                return

    place(n, 0)
    return best
