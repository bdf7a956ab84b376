"""Scoring every (supporter, friend) pair: the features the graph layer fills, the result.

``PairFeatures`` is one pair as read from the graph; ``ScoredPair`` is its impact
through the best channel, the factors, the reasons and why there is no ask.
``score_pair`` is the reference: it calls ``graph.impact.impact`` once per channel.
``score_pairs`` computes exactly the same numbers for a million pairs at once, with
the formula evaluated on numpy arrays; a test holds the two paths together.

Channels: a phone number allows a call or a text, a social link a social-media
message. An email counts as a "text": a written one-to-one message, whose effect is
the text's. A supporter meeting a friend in person is never inferred from contact
data, so ``in_person`` is only chosen through the supporter's own actions. With no
known channel the organizer's ``default_channel`` is used. The best channel is the
one with the highest impact; ties go to the first in ``CHANNELS`` order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt

from graph.holdout import is_held_out
from graph.impact import (
    EXCLUSIONS,
    LOGIT_EPS,
    baseline_turnout,
    impact,
    is_registered,
    registration_open,
    state_weight,
)
from graph.matcher_settings import CHANNELS, Channel, MatcherSettings, load_state_names
from graph.reasons import ReasonKey, reason_key, reasons_for, reasons_from_key
from graph.tie import TieSignals, tie_strength

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
FACTOR_NAMES = (
    "deliver",
    "match_p",
    "state_weight",
    "tie",
    "beta",
    "baseline_turnout",
    "turnout_gain",
    "support",
    "persuade",
    "p_after",
    "net_votes",
)
_CHANNELS_OF: dict[str, tuple[Channel, ...]] = {
    "phone": ("call", "text"),
    "email": ("text",),
    "social": ("social",),
}


@dataclass(slots=True)
class PairFeatures:
    """One (supporter, friend) pair with the friend's matched voter-file record."""

    supporter_id: str
    friend_key: str
    state: str | None
    district: str | None
    match_p: float
    turnout_score: float | None
    vote_history: list[bool]
    support_score: float | None
    registration_status: str | None  # active | inactive | unregistered
    already_voted: bool = False
    do_not_contact: bool = False
    channels: frozenset[str] = field(default_factory=frozenset)  # {"phone","email","social"}
    reciprocal: bool = False
    same_household: bool = False
    favorite: bool = False
    labels: tuple[str, ...] = ()
    closeness: float | None = None


@dataclass(slots=True)
class ScoredPair:
    """One pair's impact through its best channel, with factors, reasons and exclusion."""

    supporter_id: str
    friend_key: str
    impact: float
    channel: str
    factors: dict[str, float]
    reasons: list[str]
    held_out: bool
    exclusion: str | None


def tie_signals(pair: PairFeatures) -> TieSignals:
    """The tie-strength signals carried by a pair."""
    return TieSignals(
        channels=pair.channels,
        reciprocal=pair.reciprocal,
        same_household=pair.same_household,
        favorite=pair.favorite,
        labels=pair.labels,
        closeness=pair.closeness,
    )


def available_channels(channels: frozenset[str], settings: MatcherSettings) -> tuple[Channel, ...]:
    """The ask channels the supporter can use, in ``CHANNELS`` order."""
    usable = {ch for c in channels for ch in _CHANNELS_OF.get(c, ())}
    return tuple(ch for ch in CHANNELS if ch in usable) or (settings.default_channel,)


def score_pair(
    pair: PairFeatures,
    settings: MatcherSettings,
    *,
    as_of: date,
    state_names: Mapping[str, str] | None = None,
) -> ScoredPair:
    """Score one pair through its best channel (the reference for ``score_pairs``)."""
    tie = tie_strength(tie_signals(pair), settings)
    held = is_held_out(pair.friend_key, share=settings.holdout_share, seed=settings.holdout_seed)
    best = None
    best_channel: Channel = settings.default_channel
    best_raw = -np.inf
    for channel in available_channels(pair.channels, settings):
        b = impact(pair, settings, channel=channel, tie=tie, as_of=as_of, held_out=held)
        f = b.factors
        raw = f["deliver"] * f["match_p"] * f["state_weight"] * f["net_votes"]
        if best is None or raw > best_raw:
            best, best_channel, best_raw = b, channel, raw
    assert best is not None
    names = load_state_names() if state_names is None else state_names
    return ScoredPair(
        supporter_id=pair.supporter_id,
        friend_key=pair.friend_key,
        impact=best.impact,
        channel=best_channel,
        factors=best.factors,
        reasons=reasons_for(pair, best, settings, state_names=names),
        held_out=held,
        exclusion=best.exclusion,
    )


class _Memo:
    """Per-run caches for the parts of a pair that repeat across many pairs."""

    def __init__(self, settings: MatcherSettings, as_of: date) -> None:
        self.settings = settings
        self.as_of = as_of
        self.weight: dict[tuple[str | None, str | None], float] = {}
        self.open: dict[str | None, bool] = {}
        self.tie: dict[tuple[object, ...], float] = {}
        self.mask: dict[frozenset[str], int] = {}
        self.held: dict[str, bool] = {}

    def weight_of(self, state: str | None, district: str | None) -> float:
        key = (state, district)
        value = self.weight.get(key)
        if value is None:
            value = self.weight[key] = state_weight(state, district, self.settings)
        return value

    def open_in(self, state: str | None) -> bool:
        value = self.open.get(state)
        if value is None:
            value = self.open[state] = registration_open(state, self.as_of, self.settings)
        return value

    def tie_of(self, p: PairFeatures) -> float:
        key = (p.channels, p.reciprocal, p.same_household, p.favorite, p.labels, p.closeness)
        value = self.tie.get(key)
        if value is None:
            value = self.tie[key] = tie_strength(tie_signals(p), self.settings)
        return value

    def mask_of(self, channels: frozenset[str]) -> int:
        value = self.mask.get(channels)
        if value is None:
            usable = available_channels(channels, self.settings)
            value = self.mask[channels] = sum(1 << CHANNELS.index(ch) for ch in usable)
        return value

    def held_out(self, friend_key: str) -> bool:
        value = self.held.get(friend_key)
        if value is None:
            s = self.settings
            value = self.held[friend_key] = is_held_out(
                friend_key, share=s.holdout_share, seed=s.holdout_seed
            )
        return value


def _floats(values: Iterable[float], count: int) -> FloatArray:
    return np.fromiter(values, dtype=np.float64, count=count)


def _bools(values: Iterable[bool], count: int) -> BoolArray:
    return np.fromiter(values, dtype=np.bool_, count=count)


def score_pairs(
    pairs: Iterable[PairFeatures],
    settings: MatcherSettings,
    *,
    as_of: date,
    state_names: Mapping[str, str] | None = None,
) -> list[ScoredPair]:
    """Score every pair through its best channel; same results as ``score_pair``, fast."""
    rows = pairs if isinstance(pairs, list) else list(pairs)
    m = len(rows)
    if m == 0:
        return []
    s = settings
    memo = _Memo(s, as_of)
    unknown_p, unknown_support = s.turnout_unknown, s.support_unknown
    weight = _floats((memo.weight_of(r.state, r.district) for r in rows), m)
    match_p = _floats((r.match_p for r in rows), m)
    p = _floats(
        (baseline_turnout(r.turnout_score, r.vote_history, unknown=unknown_p) for r in rows), m
    )
    sup = _floats(
        (unknown_support if r.support_score is None else r.support_score for r in rows), m
    )
    sup = np.clip(sup, 0.0, 1.0)
    registered = _bools((is_registered(r.registration_status) for r in rows), m)
    reg_open = _bools((memo.open_in(r.state) for r in rows), m)
    voted = _bools((r.already_voted for r in rows), m)
    dnc = _bools((r.do_not_contact for r in rows), m)
    tie = _floats((memo.tie_of(r) for r in rows), m)
    mask = np.fromiter((memo.mask_of(r.channels) for r in rows), dtype=np.int64, count=m)
    held = _bools((memo.held_out(r.friend_key) for r in rows), m)

    # The formula, once per channel, on arrays (see graph.impact for each factor).
    q = np.clip(p, LOGIT_EPS, 1.0 - LOGIT_EPS)
    log_odds = np.log(q / (1.0 - q))
    reg_gain = s.reg_lift * s.p_new_voter
    p_base = np.where(registered, p, 0.0)
    per_channel: list[dict[str, FloatArray]] = []
    raw = np.full((len(CHANNELS), m), -np.inf)
    for c, channel in enumerate(CHANNELS):
        up = 1.0 / (1.0 + np.exp(-(log_odds + s.beta[channel] * tie)))
        gain = np.where(voted, 0.0, np.where(registered, up - q, np.where(reg_open, reg_gain, 0.0)))
        p_after = np.where(voted, 0.0, np.where(registered, np.minimum(1.0, up), gain))
        persuade = s.persuade[channel]
        net = gain * (2.0 * sup - 1.0) + 2.0 * persuade * p_after
        value = s.deliver[channel] * match_p * weight * net
        raw[c] = np.where((mask >> c) & 1 == 1, value, -np.inf)
        per_channel.append({"turnout_gain": gain, "p_after": p_after, "net_votes": net})
    best = np.argmax(raw, axis=0)
    pick = np.arange(m)

    conditions = [
        dnc,
        match_p < s.min_match_probability,
        weight <= 0.0,
        voted,
        ~registered & ~reg_open,
        sup < s.support_floor,
        held,
    ]
    excl_index = np.select(conditions, list(range(len(EXCLUSIONS))), default=-1)
    impact_col = np.where(excl_index < 0, raw[best, pick], 0.0)

    columns: dict[str, FloatArray] = {
        "deliver": np.array([s.deliver[ch] for ch in CHANNELS])[best],
        "match_p": match_p,
        "state_weight": weight,
        "tie": tie,
        "beta": np.array([s.beta[ch] for ch in CHANNELS])[best],
        "baseline_turnout": p_base,
        "support": sup,
        "persuade": np.array([s.persuade[ch] for ch in CHANNELS])[best],
    }
    for name in ("turnout_gain", "p_after", "net_votes"):
        stacked = np.stack([pc[name] for pc in per_channel])
        columns[name] = stacked[best, pick]
    factor_rows = zip(*(columns[name].tolist() for name in FACTOR_NAMES), strict=True)

    names = load_state_names() if state_names is None else state_names
    reason_cache: dict[ReasonKey, list[str]] = {}
    out: list[ScoredPair] = []
    exclusion_names: list[str | None] = [*EXCLUSIONS, None]  # index -1 -> None
    for row, imp, ch, ex, ho, values in zip(
        rows,
        impact_col.tolist(),
        best.tolist(),
        excl_index.tolist(),
        held.tolist(),
        factor_rows,
        strict=True,
    ):
        reasons: list[str] = []
        if ex < 0 and imp > 0.0:
            key = reason_key(row, s)
            cached = reason_cache.get(key)
            if cached is None:
                cached = reason_cache[key] = reasons_from_key(key, s, state_names=names)
            reasons = list(cached)
        out.append(
            ScoredPair(
                supporter_id=row.supporter_id,
                friend_key=row.friend_key,
                impact=imp,
                channel=CHANNELS[ch],
                factors=dict(zip(FACTOR_NAMES, values, strict=True)),
                reasons=reasons,
                held_out=ho,
                exclusion=exclusion_names[ex],
            )
        )
    return out
