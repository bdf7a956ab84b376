"""Assigning friends to supporters: each friend to at most ``k``, each supporter at most ``n``.

The goal is the largest total expected impact, over pairs with positive impact only.
This is a maximum-weight bipartite b-matching.

``assign`` is the one the matcher uses at full scale. It takes pairs greedily by
impact, highest first, while both sides have room; then it improves the result with
short augmenting paths: give a pair to a supporter (or friend) by taking away their
weakest assignment, and hand whoever lost it their best remaining choice, keeping the
change only when the total rises. Greedy alone is within a factor of two of the
optimum; with the improvement pass it is usually within a fraction of a percent
(``bench/assignment_quality.py`` measures it).

``assign_exact`` solves the same problem exactly as a min-cost flow (networkx), for
small instances and for measuring ``assign``. ``assign_naive`` is what tools without
an assignment step do: every supporter takes their own top ``n``, ignoring ``k``.

Ties are broken by supporter id and friend key, so the result does not depend on the
input order.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import networkx as nx
import numpy as np
import numpy.typing as npt

from outreach.matching.scoring import gc_paused

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
IMPROVEMENT_PASSES = 10
_EPS = 1e-12
_COST_SCALE = 10**9


class Weighted(Protocol):
    """Anything with a supporter, a friend and an impact (a ``ScoredPair`` is one)."""

    @property
    def supporter_id(self) -> str: ...
    @property
    def friend_key(self) -> str: ...
    @property
    def impact(self) -> float: ...


@dataclass(slots=True)
class Assignment:
    """One friend given to one supporter, ranked 1..n within the supporter's list."""

    supporter_id: str
    friend_key: str
    rank: int
    impact: float


class _Edges:
    """Positive-impact pairs as integer arrays, deduplicated, ids indexed in sorted order."""

    def __init__(self, scored: Sequence[Weighted]) -> None:
        rows = [p for p in scored if p.impact > 0.0]
        supporter_ids = [p.supporter_id for p in rows]
        friend_keys = [p.friend_key for p in rows]
        self.supporters = sorted(set(supporter_ids))
        self.friends = sorted(set(friend_keys))
        s_index = {s: i for i, s in enumerate(self.supporters)}
        f_index = {f: i for i, f in enumerate(self.friends)}
        m = len(rows)
        s = np.fromiter((s_index[x] for x in supporter_ids), dtype=np.int64, count=m)
        f = np.fromiter((f_index[x] for x in friend_keys), dtype=np.int64, count=m)
        w = np.fromiter((p.impact for p in rows), dtype=np.float64, count=m)
        # One edge per (supporter, friend): the highest impact if a pair is repeated.
        order = np.lexsort((-w, f, s))
        s, f, w = s[order], f[order], w[order]
        first = np.ones(m, dtype=bool)
        first[1:] = (s[1:] != s[:-1]) | (f[1:] != f[:-1])
        self.s: list[int] = s[first].tolist()
        self.f: list[int] = f[first].tolist()
        self.w: list[float] = w[first].tolist()

    def __len__(self) -> int:
        return len(self.w)

    def order(self) -> list[int]:
        """Edge ids by impact descending, then supporter and friend ascending."""
        if not self.w:
            return []
        return _ids(np.lexsort((np.array(self.f), np.array(self.s), -np.array(self.w))))

    def by_supporter(self, edges: Sequence[int]) -> list[int]:
        """Edge ids grouped by supporter, each group by impact descending, then friend."""
        if not edges:
            return []
        ids = np.asarray(edges, dtype=np.int64)
        s = np.array(self.s)[ids]
        f = np.array(self.f)[ids]
        w = np.array(self.w)[ids]
        return _ids(ids[np.lexsort((f, -w, s))])

    def result(self, chosen: Sequence[int]) -> list[Assignment]:
        """Assignments for the chosen edge ids, ranked within each supporter."""
        out: list[Assignment] = []
        last, rank = -1, 0
        for e in self.by_supporter(chosen):
            s = self.s[e]
            rank = rank + 1 if s == last else 1
            last = s
            out.append(Assignment(self.supporters[s], self.friends[self.f[e]], rank, self.w[e]))
        return out


class _State:
    """A feasible assignment under change: who holds what, and how much room is left.

    ``ptr[s]`` is a lower bound into ``s_adj[s]``: every edge before it is either held
    or leads to a friend with no room. Adding an edge keeps that true; removing one
    moves back the pointers it may have invalidated.
    """

    def __init__(self, edges: _Edges, *, k: int, n: int) -> None:
        self.e = edges
        m = len(edges)
        self.chosen = bytearray(m)
        self.s_left = [n] * len(edges.supporters)
        self.f_left = [k] * len(edges.friends)
        self.s_held: list[list[int]] = [[] for _ in edges.supporters]
        self.f_held: list[list[int]] = [[] for _ in edges.friends]
        self.order = edges.order()
        order = np.asarray(self.order, dtype=np.int64)
        rank_of = np.empty(m, dtype=np.int64)
        rank_of[order] = np.arange(m)
        self.rank_of: list[int] = rank_of.tolist()
        owners = np.asarray(edges.s, dtype=np.int64)
        self.s_adj, pos = _group(order, owners, len(edges.supporters))
        self.pos: list[int] = pos.tolist()  # each edge's place in its supporter's list
        self.f_adj, _ = _group(order, np.asarray(edges.f, dtype=np.int64), len(edges.friends))
        self.ptr = [0] * len(edges.supporters)
        self.arrays = (owners, np.asarray(edges.f, dtype=np.int64), np.asarray(edges.w))
        self.order_array, self.rank_array = order, rank_of

    def add(self, e: int) -> None:
        s, f = self.e.s[e], self.e.f[e]
        self.chosen[e] = 1
        self.s_left[s] -= 1
        self.f_left[f] -= 1
        self.s_held[s].append(e)
        self.f_held[f].append(e)

    def remove(self, e: int) -> None:
        s, f = self.e.s[e], self.e.f[e]
        self.chosen[e] = 0
        self.s_left[s] += 1
        self.f_left[f] += 1
        self.s_held[s].remove(e)
        self.f_held[f].remove(e)
        for other in self.f_adj[f]:  # the friend has room again: its edges are candidates
            t = self.e.s[other]
            if self.pos[other] < self.ptr[t]:
                self.ptr[t] = self.pos[other]

    def weakest(self, held: list[int]) -> int:
        """The held edge with the least impact (the last in the global order on ties)."""
        return max(held, key=self.rank_of.__getitem__)

    def greedy(self) -> None:
        """Take edges by impact, highest first, while both ends have room."""
        s_of, f_of, s_left, f_left = self.e.s, self.e.f, self.s_left, self.f_left
        for e in self.order:
            if s_left[s_of[e]] > 0 and f_left[f_of[e]] > 0:
                self.add(e)

    def best_for_supporter(self, s: int) -> int:
        """The supporter's best edge not held, to a friend with room; -1 if none."""
        adj, chosen, f_of, f_left = self.s_adj[s], self.chosen, self.e.f, self.f_left
        i = self.ptr[s]
        while i < len(adj):
            e = adj[i]
            if not chosen[e] and f_left[f_of[e]] > 0:
                break
            i += 1
        self.ptr[s] = i
        return adj[i] if i < len(adj) else -1

    def best_for_friend(self, f: int) -> int:
        """The friend's best edge not held, from a supporter with room; -1 if none."""
        chosen, s_of, s_left = self.chosen, self.e.s, self.s_left
        for e in self.f_adj[f]:
            if not chosen[e] and s_left[s_of[e]] > 0:
                return e
        return -1

    def try_edge(self, e: int) -> bool:
        """Bring edge ``e`` in along a short augmenting path when that raises the total.

        Taking ``e`` may drop the supporter's weakest friend and the friend's weakest
        supporter; each one who lost out is then given their best choice among those
        with room. The refills are chosen in the current state, so the move is always
        feasible, and it is made only when the total strictly rises.
        """
        w, s_of, f_of = self.e.w, self.e.s, self.e.f
        s, f = s_of[e], f_of[e]
        if self.s_left[s] > 0 and self.f_left[f] > 0:
            self.add(e)
            return True
        gain = w[e]
        drop_s = drop_f = -1
        if self.s_left[s] == 0:
            drop_s = self.weakest(self.s_held[s])
            gain -= w[drop_s]
        if self.f_left[f] == 0:
            drop_f = self.weakest(self.f_held[f])
            gain -= w[drop_f]
        refill_f = refill_s = -1
        if drop_s >= 0:  # friend f_of[drop_s] loses supporter s
            refill_f = self.best_for_friend(f_of[drop_s])
            if refill_f >= 0:
                gain += w[refill_f]
        if drop_f >= 0:  # the best refill for the supporter is at or after its pointer
            t = s_of[drop_f]
            adj, i = self.s_adj[t], self.ptr[t]
            if gain + (w[adj[i]] if i < len(adj) else 0.0) <= _EPS:
                return False
        elif gain <= _EPS:
            return False
        if drop_f >= 0:  # supporter s_of[drop_f] loses friend f
            refill_s = self.best_for_supporter(s_of[drop_f])
            if refill_s >= 0 and refill_s != refill_f:
                gain += w[refill_s]
            else:
                refill_s = -1
        if gain <= _EPS:
            return False
        for d in (drop_s, drop_f):
            if d >= 0:
                self.remove(d)
        for a in (e, refill_f, refill_s):
            if a >= 0:
                self.add(a)
        return True

    def candidates(self) -> list[int]:
        """Edges not held whose move could raise the total, by an optimistic bound, in order.

        The bound takes each side's weakest held edge and the best refill anyone who
        lost out could get in the current state; ``try_edge`` then decides exactly.
        """
        s, f, w = self.arrays
        chosen = np.frombuffer(bytes(self.chosen), dtype=np.uint8).astype(bool)
        s_room = np.asarray(self.s_left) > 0
        f_room = np.asarray(self.f_left) > 0
        held = np.flatnonzero(chosen)
        free = np.flatnonzero(~chosen)

        def weakest(owner: IntArray, count: int) -> IntArray:
            last = np.full(count, -1, dtype=np.int64)
            np.maximum.at(last, owner[held], self.rank_array[held])
            return np.where(last >= 0, self.order_array[np.maximum(last, 0)], -1)

        def best_refill(owner: IntArray, count: int, room: npt.NDArray[np.bool_]) -> FloatArray:
            best = np.zeros(count)
            ok = free[room]
            np.maximum.at(best, owner[ok], w[ok])
            return best

        weak_s = weakest(s, len(s_room))
        weak_f = weakest(f, len(f_room))
        refill_f = best_refill(f, len(f_room), s_room[s[free]])  # a friend's best taker
        refill_s = best_refill(s, len(s_room), f_room[f[free]])  # a supporter's best friend
        es, ef = s[free], f[free]
        bound = w[free].copy()
        full_s = ~s_room[es]
        d = weak_s[es[full_s]]
        bound[full_s] += refill_f[f[d]] - w[d]
        full_f = ~f_room[ef]
        d = weak_f[ef[full_f]]
        bound[full_f] += refill_s[s[d]] - w[d]
        hopeful = free[bound > _EPS]
        return _ids(hopeful[np.argsort(self.rank_array[hopeful], kind="stable")])

    def improve(self, passes: int) -> None:
        """Repeat augmenting-path passes over hopeful edges until nothing improves."""
        for _ in range(passes):
            improved = False
            for e in self.candidates():
                if not self.chosen[e] and self.try_edge(e):
                    improved = True
            if not improved:
                return

    def chosen_edges(self) -> list[int]:
        return [e for e, c in enumerate(self.chosen) if c]


def _ids(array: npt.NDArray[np.intp] | IntArray) -> list[int]:
    """An integer array as a list of Python ints."""
    out: list[int] = array.tolist()
    return out


def _group(order: IntArray, owner: IntArray, count: int) -> tuple[list[list[int]], IntArray]:
    """For each owner, its edges in ``order``'s order; and each edge's place in its list."""
    by_owner = order[np.argsort(owner[order], kind="stable")]
    bounds = np.searchsorted(owner[by_owner], np.arange(count + 1))
    pos = np.empty(len(order), dtype=np.int64)
    pos[by_owner] = np.arange(len(order)) - bounds[owner[by_owner]]
    flat, cuts = by_owner.tolist(), bounds.tolist()
    return [flat[a:b] for a, b in itertools.pairwise(cuts)], pos


def _check_caps(k: int, n: int) -> None:
    if k < 1 or n < 1:
        raise ValueError(f"caps must be at least 1, got k={k} and n={n}")


def assign(
    scored: Sequence[Weighted], *, k: int, n: int, passes: int = IMPROVEMENT_PASSES
) -> list[Assignment]:
    """Near-optimal assignment within the caps: greedy by impact, then augmenting paths."""
    _check_caps(k, n)
    with gc_paused():
        edges = _Edges(scored)
        state = _State(edges, k=k, n=n)
        state.greedy()
        state.improve(passes)
        return edges.result(state.chosen_edges())


def assign_greedy(scored: Sequence[Weighted], *, k: int, n: int) -> list[Assignment]:
    """Greedy assignment by impact within the caps, without the improvement pass."""
    return assign(scored, k=k, n=n, passes=0)


def assign_exact(scored: Sequence[Weighted], *, k: int, n: int) -> list[Assignment]:
    """The exact optimum as a min-cost flow; for small instances and for measuring."""
    _check_caps(k, n)
    edges = _Edges(scored)
    if not len(edges):
        return []
    top = max(edges.w)
    flow_size = min(n * len(edges.supporters), k * len(edges.friends))
    g = nx.DiGraph()
    g.add_node("source", demand=-flow_size)
    g.add_node("sink", demand=flow_size)
    g.add_edge("source", "sink", capacity=flow_size, weight=0)
    for i in range(len(edges.supporters)):
        g.add_edge("source", ("s", i), capacity=n, weight=0)
    for j in range(len(edges.friends)):
        g.add_edge(("f", j), "sink", capacity=k, weight=0)
    for e in range(len(edges)):
        cost = -round(edges.w[e] / top * _COST_SCALE)
        g.add_edge(("s", edges.s[e]), ("f", edges.f[e]), capacity=1, weight=cost, edge=e)
    flow = nx.min_cost_flow(g)
    chosen = [
        data["edge"] for u, v, data in g.edges(data=True) if "edge" in data and flow[u][v] > 0
    ]
    return edges.result(chosen)


def assign_naive(scored: Sequence[Weighted], *, n: int) -> list[Assignment]:
    """Every supporter takes their own top ``n`` friends, ignoring how many ask each friend."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    with gc_paused():
        edges = _Edges(scored)
        taken = [0] * len(edges.supporters)
        chosen: list[int] = []
        for e in edges.by_supporter(range(len(edges))):
            s = edges.s[e]
            if taken[s] < n:
                taken[s] += 1
                chosen.append(e)
        return edges.result(chosen)


def total_impact(assignments: Sequence[Assignment]) -> float:
    """The expected net votes of a set of assignments, counting every ask."""
    return sum(a.impact for a in assignments)
