"""Stable lists: a friend a supporter was shown, or has asked, stays theirs across re-ranks.

A supporter who was told "ask Amy" and maybe already did should not find Amy gone because
someone else uploaded their contacts later. So before the assignment, each incumbent pair
(on the supporter's list now, or asked by them) that is still a candidate is valued just
above the supporter's best candidate, which the optimal assignment then keeps while the
supporter has room; other supporters' pairs for a friend who is already with ``k``
incumbents are left out. A friend who is no longer a candidate (out of the targets, opted
out, already voted) is not kept. Newcomers get the friends not yet shown.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from outreach.matching.assign import Weighted

Pair = tuple[str, str]  # (supporter id, friend key)


@dataclass(frozen=True, slots=True)
class Choice:
    """A pair as the assignment sees it: its value, raised for an incumbent."""

    supporter_id: str
    friend_key: str
    impact: float


def favour_incumbents(
    candidates: Sequence[Weighted], incumbents: Collection[Pair], *, k: int
) -> list[Choice]:
    """The candidates, incumbents valued first; no other supporter for a friend held k times."""
    pairs = {(c.supporter_id, c.friend_key) for c in candidates}
    kept = {pair for pair in incumbents if pair in pairs}
    holders = Counter(friend for _, friend in kept)
    best: dict[str, float] = {}
    for c in candidates:
        best[c.supporter_id] = max(best.get(c.supporter_id, 0.0), c.impact)
    choices: list[Choice] = []
    for c in candidates:
        pair = (c.supporter_id, c.friend_key)
        if pair in kept:
            choices.append(Choice(c.supporter_id, c.friend_key, best[c.supporter_id] + c.impact))
        elif holders[c.friend_key] < k:
            choices.append(Choice(c.supporter_id, c.friend_key, c.impact))
    return choices
