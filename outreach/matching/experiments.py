"""Message experiments: templates, the reproducible draw of a variant, and what the asks say.

A variant's text is a template with named fields (``{first_name}``, ``{state}``,
``{deadline}``, ``{supporter_name}``) and a fallback used when a field the template needs
has no value for this friend (no known state, the deadline passed, a supporter with no
name on the roster). Segments personalize it: a variant may carry texts for friends
whose voter record has a given value (``{"field": "party", "equals": "UNA"}``),
tried in order before its main text.

Which variant a friend gets is drawn from a keyed hash of (experiment, supporter,
friend): the same pair always gets the same draw, whatever process computes it, so the
list shows the variant the outcome is later recorded under. A share of the pairs enters
the experiment; the rest get the campaign's usual message. Within it, variants are drawn
by their allocation: equal, or shifted toward the likely winner by Thompson sampling
(:func:`thompson_allocation`), with a floor so that no variant stops learning.

:func:`variant_report` gives each variant's success rate with a Wilson interval
(statsmodels) and tests whether the rates differ: Pearson's chi-square across all
variants, or Fisher's exact test for two variants with few asks (scipy).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from scipy.stats import chi2_contingency, fisher_exact
from statsmodels.stats.proportion import proportion_confint

FIELDS = ("first_name", "state", "deadline", "supporter_name")
FALLBACK_FIELDS = ("first_name",)
SEGMENT_FIELDS = ("state", "district", "party")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_SCALE = float(2**53)


@dataclass(frozen=True, slots=True)
class Segment:
    """A text for friends whose voter record has ``field`` equal to ``equals``."""

    field: str
    equals: str
    template: str


@dataclass(frozen=True, slots=True)
class Variant:
    """One message variant: its id, name, text, fallback and personalized segments."""

    id: str
    name: str
    template: str
    fallback: str
    segments: tuple[Segment, ...] = ()


@dataclass(frozen=True, slots=True)
class Recipient:
    """What a message may say about the friend and the supporter."""

    first_name: str | None
    state_name: str | None
    deadline: date | None
    supporter_name: str | None
    facts: Mapping[str, str | None] = field(default_factory=dict)  # voter fields for segments


def template_errors(template: str, *, allowed: Sequence[str] = FIELDS) -> list[str]:
    """What is wrong with a template: unknown fields, stray braces; empty when it is fine."""
    errors = [
        f"unknown field {{{name}}}: use " + ", ".join(f"{{{f}}}" for f in allowed)
        for name in _PLACEHOLDER.findall(template)
        if name not in allowed
    ]
    if "{" in _PLACEHOLDER.sub("", template) or "}" in _PLACEHOLDER.sub("", template):
        errors.append("a brace with no field: write fields as {first_name}")
    if not template.strip():
        errors.append("the text is empty")
    return errors


def _values(to: Recipient, today: date) -> dict[str, str | None]:
    deadline = to.deadline if to.deadline and to.deadline >= today else None
    return {
        "first_name": (to.first_name or "").strip() or "there",
        "state": to.state_name,
        "deadline": f"{deadline:%B} {deadline.day}" if deadline else None,
        "supporter_name": (to.supporter_name or "").strip() or None,
    }


def _fill(template: str, values: Mapping[str, str | None]) -> str | None:
    """The template with its fields filled, or None when one of them has no value."""
    names = _PLACEHOLDER.findall(template)
    if any(not values.get(name) for name in names):
        return None
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), template)


def render(variant: Variant, to: Recipient, *, today: date) -> str:
    """The variant's text for this friend: a matching segment's, else its own, else fallback."""
    values = _values(to, today)
    for segment in variant.segments:
        if (to.facts.get(segment.field) or "").casefold() == segment.equals.casefold():
            text = _fill(segment.template, values)
            if text is not None:
                return text
    text = _fill(variant.template, values)
    if text is not None:
        return text
    return _fill(variant.fallback, values) or variant.fallback


def _uniform(*parts: str) -> float:
    message = ":".join(f"{len(p)}:{p}" for p in parts).encode()
    digest = hashlib.blake2b(message, digest_size=8, person=b"outreach-msgexp").digest()
    return (int.from_bytes(digest, "big") >> 11) / _SCALE


def in_experiment(experiment_id: str, supporter_id: str, friend_id: str, *, share: float) -> bool:
    """Whether the pair's asks belong to the experiment (a share of all pairs)."""
    return _uniform("share", experiment_id, supporter_id, friend_id) < share


def draw_variant(
    experiment_id: str,
    supporter_id: str,
    friend_id: str,
    *,
    allocation: Mapping[str, float],
) -> str:
    """The variant for this pair, drawn by the allocation's weights; the same pair, the same."""
    ids = sorted(allocation)
    weights = np.array([max(allocation[i], 0.0) for i in ids], dtype=float)
    total = float(weights.sum())
    if total <= 0.0:
        weights, total = np.ones(len(ids)), float(len(ids))
    u = _uniform("variant", experiment_id, supporter_id, friend_id) * total
    cumulative = np.cumsum(weights)
    index = int(np.searchsorted(cumulative, u, side="right"))
    return ids[min(index, len(ids) - 1)]


def equal_allocation(variant_ids: Sequence[str]) -> dict[str, float]:
    """Every variant the same share."""
    return {v: 1.0 / len(variant_ids) for v in variant_ids}


def thompson_allocation(
    stats: Mapping[str, tuple[int, int]], *, seed: str, floor: float = 0.05, draws: int = 20_000
) -> dict[str, float]:
    """Each variant's share: the chance it is best under Beta(1 + successes, 1 + failures).

    ``stats`` is variant -> (successes, asks). Monte Carlo with a generator seeded from
    ``seed``, so the same figures give the same shares. Every variant keeps ``floor``.
    """
    ids = sorted(stats)
    seed_int = int.from_bytes(hashlib.blake2b(seed.encode(), digest_size=8).digest(), "big")
    rng = np.random.default_rng(seed_int)
    samples = np.column_stack(
        [rng.beta(1 + stats[v][0], 1 + stats[v][1] - stats[v][0], size=draws) for v in ids]
    )
    best = np.bincount(samples.argmax(axis=1), minlength=len(ids)) / draws
    floor = min(floor, 1.0 / len(ids))
    shares = floor + (1.0 - floor * len(ids)) * best
    return {v: round(float(s), 4) for v, s in zip(ids, shares, strict=True)}


def variant_report(stats: Mapping[str, tuple[int, int]], *, alpha: float = 0.05) -> dict[str, Any]:
    """Per variant: asks, successes, rate and interval; whether the rates differ, and the leader."""
    rows: list[dict[str, Any]] = []
    for vid in sorted(stats):
        successes, asks = stats[vid]
        rate = successes / asks if asks else None
        low, high = (
            (float(b) for b in proportion_confint(successes, asks, alpha=alpha, method="wilson"))
            if asks
            else (None, None)
        )
        rows.append({
            "variant_id": vid, "asks": asks, "successes": successes,
            "rate": _round(rate), "ci_low": _round(low), "ci_high": _round(high),
        })  # fmt: skip
    tested = [r for r in rows if r["asks"] > 0]
    out: dict[str, Any] = {"variants": rows, "test": None, "p_value": None, "significant": False}
    if len(tested) >= 2:
        table = np.array([[r["successes"], r["asks"] - r["successes"]] for r in tested])
        if table[:, 0].sum() in (0, table.sum()):
            p = 1.0  # every ask failed, or every ask succeeded: no difference to see
            out["test"] = "none: every ask had the same result"
        elif len(tested) == 2 and _expected_min(table) < 5:
            p = float(fisher_exact(table)[1])
            out["test"] = "Fisher's exact test"
        else:
            p = float(chi2_contingency(table, correction=False)[1])
            out["test"] = "Pearson's chi-square test"
        out["p_value"] = round(p, 4)
        out["significant"] = p < alpha
    leader = max(tested, key=lambda r: (r["rate"], r["asks"]), default=None)
    out["leader"] = leader["variant_id"] if leader else None
    out["confidence"] = round(1.0 - alpha, 4)
    return out


def _expected_min(table: np.ndarray) -> float:
    rows, cols, total = table.sum(axis=1), table.sum(axis=0), table.sum()
    return float((np.outer(rows, cols) / total).min())


def _round(value: float | None) -> float | None:
    return round(value, 4) if value is not None else None
