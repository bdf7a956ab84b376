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
        keys = (np.array(self.f), np.array(self.s), -np.array(self.w))
        return [int(e) for e in np.lexsort(keys)]

    def result(self, chosen: Sequence[int]) -> list[Assignment]:
        """Assignments for the chosen edge ids, ranked within each supporter."""
        picked = sorted(chosen, key=lambda e: (self.s[e], -self.w[e], self.f[e]))
        out: list[Assignment] = []
        last, rank = -1, 0
        for e in picked:
            rank = rank + 1 if self.s[e] == last else 1
            last = self.s[e]
            out.append(
                Assignment(self.supporters[self.s[e]], self.friends[self.f[e]], rank, self.w[e])
            )
        return out


class _State:
    """A feasible assignment under change: who holds what, and how much room is left."""

    def __init__(self, edges: _Edges, *, k: int, n: int) -> None:
        self.e = edges
        self.chosen = bytearray(len(edges))
        self.s_left = [n] * len(edges.supporters)
        self.f_left = [k] * len(edges.friends)
        self.s_held: list[list[int]] = [[] for _ in edges.supporters]
        self.f_held: list[list[int]] = [[] for _ in edges.friends]
        order = edges.order()
        rank_of = [0] * len(edges)
        for r, e in enumerate(order):
            rank_of[e] = r
        self.rank_of = rank_of
        self.s_adj: list[list[int]] = [[] for _ in edges.supporters]
        self.f_adj: list[list[int]] = [[] for _ in edges.friends]
        for e in order:
            self.s_adj[edges.s[e]].append(e)
            self.f_adj[edges.f[e]].append(e)
        self.order = order

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

    def weakest(self, held: list[int]) -> int:
        """The held edge with the least impact (the last in the global order on ties)."""
        return max(held, key=self.rank_of.__getitem__)

    def greedy(self) -> None:
        """Take edges by impact, highest first, while both ends have room."""
        s_of, f_of, s_left, f_left = self.e.s, self.e.f, self.s_left, self.f_left
        for e in self.order:
            if s_left[s_of[e]] > 0 and f_left[f_of[e]] > 0:
                self.add(e)

    def refill_supporter(self, s: int) -> int:
        """Give supporter ``s`` their best free friend, if any; return the edge or -1."""
        for e in self.s_adj[s]:
            if not self.chosen[e] and self.f_left[self.e.f[e]] > 0:
                self.add(e)
                return e
        return -1

    def refill_friend(self, f: int) -> int:
        """Give friend ``f`` to their best supporter with room, if any; return the edge or -1."""
        for e in self.f_adj[f]:
            if not self.chosen[e] and self.s_left[self.e.s[e]] > 0:
                self.add(e)
                return e
        return -1

    def try_edge(self, e: int) -> bool:
        """Bring edge ``e`` in along a short augmenting path; keep it only if the total rises."""
        w = self.e.w
        s, f = self.e.s[e], self.e.f[e]
        dropped: list[int] = []
        if self.s_left[s] == 0:
            dropped.append(self.weakest(self.s_held[s]))
        if self.f_left[f] == 0:
            dropped.append(self.weakest(self.f_held[f]))
        if not dropped:
            self.add(e)
            return True
        # Cheapest bound first: even the best refills cannot beat what is dropped.
        bound = w[e] - sum(w[d] for d in dropped)
        for d in dropped:
            bound += w[self.f_adj[self.e.f[d]][0]] if self.e.s[d] == s else 0.0
            bound += w[self.s_adj[self.e.s[d]][0]] if self.e.f[d] == f else 0.0
        if bound <= _EPS:
            return False
        for d in dropped:
            self.remove(d)
        self.add(e)
        added = [e]
        for d in dropped:
            if self.e.s[d] == s:  # the friend lost its supporter
                refill = self.refill_friend(self.e.f[d])
            else:  # the supporter lost its friend
                refill = self.refill_supporter(self.e.s[d])
            if refill >= 0:
                added.append(refill)
        gain = sum(w[a] for a in added) - sum(w[d] for d in dropped)
        if gain > _EPS:
            return True
        for a in added:
            self.remove(a)
        for d in dropped:
            self.add(d)
        return False

    def improve(self, passes: int) -> None:
        """Repeat augmenting-path passes over the unchosen edges until nothing improves."""
        for _ in range(passes):
            improved = False
            for e in self.order:
                if not self.chosen[e] and self.try_edge(e):
                    improved = True
            if not improved:
                return

    def chosen_edges(self) -> list[int]:
        return [e for e in range(len(self.e)) if self.chosen[e]]


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
    for e in sorted(range(len(edges)), key=lambda e: (edges.s[e], -edges.w[e], edges.f[e])):
        if taken[edges.s[e]] < n:
            taken[edges.s[e]] += 1
            chosen.append(e)
    return edges.result(chosen)


def total_impact(assignments: Sequence[Assignment]) -> float:
    """The expected net votes of a set of assignments, counting every ask."""
    return sum(a.impact for a in assignments)
