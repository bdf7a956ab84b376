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

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import networkx as nx
import numpy as np

IMPROVEMENT_PASSES = 4
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


@dataclass(frozen=True, slots=True)
class Assignment:
    """One friend given to one supporter, ranked 1..n within the supporter's list."""

    supporter_id: str
    friend_key: str
    rank: int
    impact: float


class _Edges:
    """Positive-impact pairs as integer arrays, deduplicated, ids indexed in sorted order."""

    def __init__(self, scored: Sequence[Weighted]) -> None:
        best: dict[tuple[str, str], float] = {}
        for p in scored:
            w = float(p.impact)
            if w > 0.0:
                key = (p.supporter_id, p.friend_key)
                if w > best.get(key, 0.0):
                    best[key] = w
        self.supporters = sorted({s for s, _ in best})
        self.friends = sorted({f for _, f in best})
        s_index = {s: i for i, s in enumerate(self.supporters)}
        f_index = {f: i for i, f in enumerate(self.friends)}
        self.s: list[int] = [s_index[s] for s, _ in best]
        self.f: list[int] = [f_index[f] for _, f in best]
        self.w: list[float] = list(best.values())

    def __len__(self) -> int:
        return len(self.w)

    def order(self) -> list[int]:
        """Edge ids by impact descending, then supporter and friend ascending."""
        if not self.w:
            return []
        return np.lexsort((np.array(self.f), np.array(self.s), -np.array(self.w))).tolist()

    def by_supporter(self, edges: Sequence[int]) -> list[int]:
        """Edge ids grouped by supporter, each group by impact descending, then friend."""
        if not edges:
            return []
        ids = np.asarray(edges, dtype=np.int64)
        s = np.array(self.s)[ids]
        f = np.array(self.f)[ids]
        w = np.array(self.w)[ids]
        return ids[np.lexsort((f, -w, s))].tolist()

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
        self.rank_of = [0] * m
        self.pos = [0] * m  # position of each edge in its supporter's adjacency
        self.s_adj: list[list[int]] = [[] for _ in edges.supporters]
        self.f_adj: list[list[int]] = [[] for _ in edges.friends]
        for r, e in enumerate(self.order):
            self.rank_of[e] = r
            adj = self.s_adj[edges.s[e]]
            self.pos[e] = len(adj)
            adj.append(e)
            self.f_adj[edges.f[e]].append(e)
        self.ptr = [0] * len(edges.supporters)

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
        if gain + (w[self.s_adj[s_of[drop_f]][0]] if drop_f >= 0 else 0.0) <= _EPS:
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

    def improve(self, passes: int) -> None:
        """Repeat augmenting-path passes over the edges not held until nothing improves."""
        for _ in range(passes):
            improved = False
            for e in self.order:
                if not self.chosen[e] and self.try_edge(e):
                    improved = True
            if not improved:
                return

    def chosen_edges(self) -> list[int]:
        return [e for e, c in enumerate(self.chosen) if c]


def _check_caps(k: int, n: int) -> None:
    if k < 1 or n < 1:
        raise ValueError(f"caps must be at least 1, got k={k} and n={n}")


def assign(
    scored: Sequence[Weighted], *, k: int, n: int, passes: int = IMPROVEMENT_PASSES
) -> list[Assignment]:
    """Near-optimal assignment within the caps: greedy by impact, then augmenting paths."""
    _check_caps(k, n)
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
        data["edge"]
        for u, v, data in g.edges(data=True)
        if "edge" in data and flow[u][v] > 0
    ]
    return edges.result(chosen)


def assign_naive(scored: Sequence[Weighted], *, n: int) -> list[Assignment]:
    """Every supporter takes their own top ``n`` friends, ignoring how many ask each friend."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
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
