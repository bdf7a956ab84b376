"""Assigning friends to supporters: each friend to at most ``k``, each supporter at most ``n``.

The goal is the largest total expected value over pairs with positive impact: a
maximum-weight bipartite b-matching. ``assign`` solves it exactly, as a min-cost flow
with OR-Tools' compiled solver (cost scaling), at full scale: source -> supporter
(capacity ``n``) -> friend (capacity 1 per pair, cost minus the pair's value) -> sink,
with a free arc from source to sink so that no unprofitable pair is forced in.

With ``k > 1``, a second ask of the same friend is worth what the model says it adds:
an ask is made with probability ``deliver``, and once one ask has been made another adds
nothing (the model's effect is per contact, not per message). So the friend's j-th ask
(j = 0, 1, ...) is worth its value times ``repeat ** j`` with ``repeat = 1 - deliver``:
each pair goes through its own node to one of the friend's ``k`` slots, slot j paying
``repeat ** j``; the optimum fills a friend's slots from its best supporter down.
``Assignment.impact`` is that marginal value, so ``total_impact`` is the model's total.

``assign_exact`` solves the same problem with networkx's network simplex, as an
independent check on small instances. ``assign_greedy`` takes pairs by value while both
sides have room (within a factor of two of the optimum), and ``assign_naive`` is what
tools without an assignment step do: every supporter takes their own top ``n``, ignoring
``k``. Both are baselines for ``bench/assignment_quality.py``.

Costs are integers: each value is scaled so the largest is ``_COST_SCALE``; the result
is exact to that resolution. Ties are broken by supporter id and friend key, so the
result does not depend on the input order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import networkx as nx
import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

from outreach.matching.scoring import gc_paused

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
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

    def result(
        self, chosen: Sequence[int], shares: dict[int, float] | None = None
    ) -> list[Assignment]:
        """Assignments for the chosen edge ids at their share of value, ranked per supporter."""
        share = shares or {}
        rows = [(self.s[e], -self.w[e] * share.get(e, 1.0), self.f[e], e) for e in chosen]
        out: list[Assignment] = []
        last, rank = -1, 0
        for s, neg, f, _ in sorted(rows):
            rank = rank + 1 if s == last else 1
            last = s
            out.append(Assignment(self.supporters[s], self.friends[f], rank, -neg))
        return out


def _check_caps(k: int, n: int, repeat: float = 0.0) -> None:
    if k < 1 or n < 1:
        raise ValueError(f"caps must be at least 1, got k={k} and n={n}")
    if not 0.0 <= repeat <= 1.0:
        raise ValueError(f"repeat must be in [0, 1], got {repeat}")


def slot_values(k: int, repeat: float) -> list[float]:
    """What the friend's first, second, ... k-th ask is worth, as a share of its own value."""
    return [repeat**j for j in range(k)]


def _costs(values: FloatArray, top: float) -> IntArray:
    return -np.rint(values / top * _COST_SCALE).astype(np.int64)


def assign(scored: Sequence[Weighted], *, k: int, n: int, repeat: float = 0.0) -> list[Assignment]:
    """The optimal assignment within the caps (min-cost flow), a later ask at ``repeat``."""
    _check_caps(k, n, repeat)
    with gc_paused():
        edges = _Edges(scored)
        if not len(edges):
            return []
        slots = [j for j, share in enumerate(slot_values(k, repeat)) if share > 0.0]
        m, n_s, n_f = len(edges), len(edges.supporters), len(edges.friends)
        s = np.asarray(edges.s, dtype=np.int64)
        f = np.asarray(edges.f, dtype=np.int64)
        w = np.asarray(edges.w, dtype=np.float64)
        top = float(w.max())
        source, sink = 0, 1
        sup_node = 2 + np.arange(n_s, dtype=np.int64)
        base = 2 + n_s
        tails: list[IntArray] = [np.full(n_s, source), np.array([source])]
        heads: list[IntArray] = [sup_node, np.array([sink])]
        flow_size = min(n * n_s, len(slots) * n_f, m)
        caps: list[IntArray] = [np.full(n_s, n), np.array([flow_size])]
        costs: list[IntArray] = [np.zeros(n_s, dtype=np.int64), np.zeros(1, dtype=np.int64)]
        if len(slots) == 1:  # k = 1 (or later asks worth nothing): pair arcs straight to friends
            friend_node = base + np.arange(n_f, dtype=np.int64)
            pair_arcs = len(tails[0]) + 1
            tails += [sup_node[s], friend_node]
            heads += [friend_node[f], np.full(n_f, sink)]
            caps += [np.ones(m, dtype=np.int64), np.ones(n_f, dtype=np.int64)]
            costs += [_costs(w, top), np.zeros(n_f, dtype=np.int64)]
            choice_arcs = [(pair_arcs, np.arange(m), 0)]
        else:  # a node per pair, then one arc per slot of the friend
            pair_node = base + np.arange(m, dtype=np.int64)
            slot_base = base + m
            tails += [sup_node[s]]
            heads += [pair_node]
            caps += [np.ones(m, dtype=np.int64)]
            costs += [np.zeros(m, dtype=np.int64)]
            choice_arcs = []
            offset = n_s + 1 + m
            for j in slots:
                slot_node = slot_base + j * n_f + np.arange(n_f, dtype=np.int64)
                share = repeat**j
                tails += [pair_node]
                heads += [slot_node[f]]
                caps += [np.ones(m, dtype=np.int64)]
                costs += [_costs(w * share, top)]
                choice_arcs.append((offset, np.arange(m), j))
                offset += m
            for j in slots:
                slot_node = slot_base + j * n_f + np.arange(n_f, dtype=np.int64)
                tails += [slot_node]
                heads += [np.full(n_f, sink)]
                caps += [np.ones(n_f, dtype=np.int64)]
                costs += [np.zeros(n_f, dtype=np.int64)]
        solver = min_cost_flow.SimpleMinCostFlow()
        solver.add_arcs_with_capacity_and_unit_cost(
            np.concatenate(tails),
            np.concatenate(heads),
            np.concatenate(caps),
            np.concatenate(costs),
        )
        solver.set_node_supply(source, flow_size)
        solver.set_node_supply(sink, -flow_size)
        status = solver.solve()
        if status != solver.OPTIMAL:
            raise RuntimeError(f"the assignment's min-cost flow did not solve: status {status}")
        chosen: list[int] = []
        shares: dict[int, float] = {}
        for first, ids, j in choice_arcs:
            flows = solver.flows(np.arange(first, first + len(ids), dtype=np.int64))
            for e in np.flatnonzero(flows > 0).tolist():
                chosen.append(e)
                shares[e] = repeat**j
        return edges.result(chosen, shares)


def assign_greedy(
    scored: Sequence[Weighted], *, k: int, n: int, repeat: float = 0.0
) -> list[Assignment]:
    """Pairs by value, highest first, while both sides have room: a baseline, not the optimum."""
    _check_caps(k, n, repeat)
    with gc_paused():
        edges = _Edges(scored)
        s_left = [n] * len(edges.supporters)
        f_used = [0] * len(edges.friends)
        chosen: list[int] = []
        shares: dict[int, float] = {}
        for e in edges.order():
            s, f = edges.s[e], edges.f[e]
            if s_left[s] > 0 and f_used[f] < k and (f_used[f] == 0 or repeat > 0.0):
                shares[e] = repeat ** f_used[f]
                s_left[s] -= 1
                f_used[f] += 1
                chosen.append(e)
        return edges.result(chosen, shares)


def _ids(array: npt.NDArray[np.intp] | IntArray) -> list[int]:
    """An integer array as a list of Python ints."""
    out: list[int] = array.tolist()
    return out


def assign_exact(
    scored: Sequence[Weighted], *, k: int, n: int, repeat: float = 0.0
) -> list[Assignment]:
    """The same optimum with networkx's network simplex: an independent check, small instances."""
    _check_caps(k, n, repeat)
    edges = _Edges(scored)
    if not len(edges):
        return []
    top = max(edges.w)
    slots = [j for j, share in enumerate(slot_values(k, repeat)) if share > 0.0]
    flow_size = min(n * len(edges.supporters), len(slots) * len(edges.friends), len(edges))
    g = nx.DiGraph()
    g.add_node("source", demand=-flow_size)
    g.add_node("sink", demand=flow_size)
    g.add_edge("source", "sink", capacity=flow_size, weight=0)
    for i in range(len(edges.supporters)):
        g.add_edge("source", ("s", i), capacity=n, weight=0)
    for j in range(len(edges.friends)):
        for slot in slots:
            g.add_edge(("f", j, slot), "sink", capacity=1, weight=0)
    for e in range(len(edges)):
        g.add_edge(("s", edges.s[e]), ("e", e), capacity=1, weight=0)
        for slot in slots:
            cost = -round(edges.w[e] * repeat**slot / top * _COST_SCALE)
            g.add_edge(("e", e), ("f", edges.f[e], slot), capacity=1, weight=cost, slot=slot)
    flow = nx.min_cost_flow(g)
    shares: dict[int, float] = {}
    for e in range(len(edges)):
        for slot in slots:
            if flow[("e", e)][("f", edges.f[e], slot)] > 0:
                shares[e] = repeat**slot
    return edges.result(list(shares), shares)


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
