"""Scoring every (supporter, friend) pair: the features the graph layer fills, the result.

``PairFeatures`` is one pair as read from the graph; ``ScoredPair`` is its impact
through the best channel, the factors, the reasons and why there is no ask.
``score_pair`` is the reference: it calls ``outreach.matching.impact.impact`` once per channel.
``score_pairs`` computes exactly the same numbers for a million pairs at once, with
the formula evaluated on numpy arrays; a test holds the two paths together.

Channels: a phone number allows a call or a text, a social link a social-media
message. An email counts as a "text": a written one-to-one message, whose effect is
the text's. Meeting in person is never inferred from contact data, so scoring never
picks ``in_person``; its parameters apply when a supporter records such an ask. With no
known channel the organizer's ``default_channel`` is used. The best channel is the
one with the highest impact; ties go to the first in ``CHANNELS`` order.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from outreach.matching.features import PairFeatures as PairFeatures  # re-exported
from outreach.matching.holdout import holdout_unit, is_held_out
from outreach.matching.impact import (
    EXCLUSIONS,
    LOGIT_EPS,
    impact,
    imputation_discount,
    is_registered,
    registration_open,
    state_weight,
    support_of,
    turnout_of,
)
from outreach.matching.matcher_settings import CHANNELS, Channel, MatcherSettings, load_state_names
from outreach.matching.reasons import (
    ReasonInputs,
    key_from_inputs,
    reason_inputs,
    reasons_for,
    reasons_from_key,
)
from outreach.matching.tie import TieSignals, tie_strength

K = TypeVar("K")
V = TypeVar("V")
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
FACTOR_NAMES = (
    "deliver",
    "match_p",
    "on_file",
    "state_weight",
    "tie",
    "beta",
    "baseline_turnout",
    "turnout_imputed",
    "turnout_gain",
    "support",
    "support_from_prior",
    "support_from_party",
    "persuade",
    "p_after",
    "mobilization",
    "persuasion",
    "net_votes",
    "expected_votes",
)
_CHANNELS_OF: dict[str, tuple[Channel, ...]] = {
    "phone": ("call", "text"),
    "email": ("text",),
    "social": ("social",),
}


@dataclass(slots=True)
class ScoredPair:
    """One pair's impact through its best channel, with factors, reasons and exclusion.

    ``held_out`` is the holdout draw of the friend's unit (household or friend); the
    friend is in the measured holdout only when it is the one reason for no ask
    (``exclusion == "held_out"``).
    """

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
    unit = holdout_unit(
        pair.friend_key, pair.household_id, by_household=settings.holdout_by_household
    )
    held = is_held_out(unit, share=settings.holdout_share, seed=settings.holdout_seed)
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


class _Cache(dict[K, V]):
    """A dict that computes a missing value once, from its key."""

    def __init__(self, compute: Callable[[K], V]) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, key: K) -> V:
        value = self[key] = self.compute(key)
        return value


TieKey = tuple[frozenset[str], bool, bool, bool, tuple[str, ...], float | None]


def _tie_key(p: PairFeatures) -> TieKey:
    return (p.channels, p.reciprocal, p.same_household, p.favorite, p.labels, p.closeness)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cycle collector while building millions of acyclic objects."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _floats(values: Iterable[float], count: int) -> FloatArray:
    return np.fromiter(values, dtype=np.float64, count=count)


def _bools(values: Iterable[bool], count: int) -> BoolArray:
    return np.fromiter(values, dtype=np.bool_, count=count)


@dataclass(slots=True)
class _Columns:
    """The scored pairs as arrays: inputs, the chosen channel, its factors, the exclusion."""

    match_p: FloatArray
    on_file: FloatArray
    weight: FloatArray
    tie: FloatArray
    p_base: FloatArray
    support: FloatArray
    prior: FloatArray
    party: FloatArray
    imputed: FloatArray
    held: BoolArray
    channel: npt.NDArray[np.intp]
    gain: FloatArray
    p_after: FloatArray
    mobilization: FloatArray
    persuasion: FloatArray
    net: FloatArray
    impact: FloatArray
    exclusion: npt.NDArray[np.intp]


def _score_columns(rows: list[PairFeatures], s: MatcherSettings, as_of: date) -> _Columns:
    """The impact formula (``impact.impact``) on arrays, for every channel, best one kept."""
    m = len(rows)
    weights = _Cache[tuple[str | None, str | None], float](lambda g: state_weight(*g, s))
    opens = _Cache[str | None, bool](lambda state: registration_open(state, as_of, s))
    ties = _Cache[TieKey, float](lambda key: tie_strength(TieSignals(*key), s))
    masks = _Cache[frozenset[str], int](
        lambda chs: sum(1 << CHANNELS.index(ch) for ch in available_channels(chs, s))
    )
    helds = _Cache[str, bool](
        lambda key: is_held_out(key, share=s.holdout_share, seed=s.holdout_seed)
    )
    by_household = s.holdout_by_household
    registrations = _Cache[str | None, bool](is_registered)
    supports = _Cache[tuple[float | None, str | None], tuple[float, str]](
        lambda key: support_of(key[0], key[1], s)
    )
    turnouts = _Cache[tuple[float | None, tuple[bool, ...], int | None], tuple[float, bool]](
        lambda key: turnout_of(key[0], key[1], key[2], s)
    )
    weight = _floats((weights[r.state, r.district] for r in rows), m)
    on_file = _bools((r.on_file for r in rows), m)
    placed = np.where(_bools((r.by_area_code for r in rows), m), s.area_code_placement, 1.0)
    match_p = np.where(
        on_file, _floats((r.match_p for r in rows), m), s.unmatched_unregistered * placed
    )
    turnout = [turnouts[r.turnout_score, tuple(r.vote_history[:4]), r.birth_year] for r in rows]
    p = _floats((t[0] for t in turnout), m)
    imputed = _bools((t[1] for t in turnout), m)
    support = [supports[r.support_score, r.party] for r in rows]
    sup = _floats((x[0] for x in support), m)
    prior = _floats((x[1] == "prior" for x in support), m)
    party = _floats((x[1] == "party" for x in support), m)
    registered = on_file & _bools((registrations[r.registration_status] for r in rows), m)
    reg_open = _bools((opens[r.state] for r in rows), m)
    voted = _bools((r.already_voted for r in rows), m)
    dnc = _bools((r.do_not_contact for r in rows), m)
    tie = _floats((ties[_tie_key(r)] for r in rows), m)
    mask = np.fromiter((masks[r.channels] for r in rows), dtype=np.int64, count=m)
    held = _bools(
        (
            helds[holdout_unit(r.friend_key, r.household_id, by_household=by_household)]
            for r in rows
        ),
        m,
    )

    q = np.clip(p, LOGIT_EPS, 1.0 - LOGIT_EPS)
    discount = np.where(imputed & registered, imputation_discount(s), 1.0)
    gains, afters, mobs, perss, nets = [], [], [], [], []
    raw = np.full((len(CHANNELS), m), -np.inf)
    for c, channel in enumerate(CHANNELS):
        x = np.expm1(s.beta[channel] * tie)
        up = q * (1.0 - q) * x / (1.0 + q * x)  # impact.turnout_gain, on arrays
        reg_gain = np.where(reg_open, s.reg_lift[channel] * tie * s.p_new_voter, 0.0)
        gain = np.where(voted, 0.0, np.where(registered, up * discount, reg_gain))
        p_after = np.where(voted, 0.0, np.where(registered, np.minimum(1.0, q + up), gain))
        mob = gain * (2.0 * sup - 1.0)
        pers = 2.0 * s.persuade[channel] * (1.0 - sup) * p_after
        net = mob + pers
        value = s.deliver[channel] * match_p * weight * net
        raw[c] = np.where((mask >> c) & 1 == 1, value, -np.inf)
        gains.append(gain)
        afters.append(p_after)
        mobs.append(mob)
        perss.append(pers)
        nets.append(net)
    best = np.argmax(raw, axis=0)
    pick = np.arange(m)
    conditions = [
        np.full(m, as_of > s.election_date),
        dnc,
        on_file & (match_p < s.min_match_probability),
        weight <= 0.0,
        voted,
        ~registered & ~reg_open,
        sup < s.support_floor,
        held,
    ]
    exclusion = np.select(conditions, list(range(len(EXCLUSIONS))), default=-1)
    return _Columns(
        match_p=match_p,
        on_file=on_file.astype(np.float64),
        weight=weight,
        tie=tie,
        p_base=np.where(registered, p, 0.0),
        support=sup,
        prior=prior,
        party=party,
        imputed=np.where(registered, imputed, False).astype(np.float64),
        held=held,
        channel=best,
        gain=np.stack(gains)[best, pick],
        p_after=np.stack(afters)[best, pick],
        mobilization=np.stack(mobs)[best, pick],
        persuasion=np.stack(perss)[best, pick],
        net=np.stack(nets)[best, pick],
        impact=np.where(exclusion < 0, raw[best, pick], 0.0),
        exclusion=exclusion,
    )


def score_pairs(
    pairs: Iterable[PairFeatures],
    settings: MatcherSettings,
    *,
    as_of: date,
    state_names: Mapping[str, str] | None = None,
) -> list[ScoredPair]:
    """Score every pair through its best channel; same results as ``score_pair``, fast."""
    rows = pairs if isinstance(pairs, list) else list(pairs)
    if not rows:
        return []
    s = settings
    with gc_paused():
        return _score_rows(rows, s, as_of, state_names)


def _score_rows(
    rows: list[PairFeatures],
    s: MatcherSettings,
    as_of: date,
    state_names: Mapping[str, str] | None,
) -> list[ScoredPair]:
    cols = _score_columns(rows, s, as_of)
    # Per-channel constants are shared float objects: fewer allocations for large runs.
    deliver = [s.deliver[ch] for ch in CHANNELS]
    beta = [s.beta[ch] for ch in CHANNELS]
    persuade = [s.persuade[ch] for ch in CHANNELS]
    exclusion_names: list[str | None] = [*EXCLUSIONS, None]  # index -1 -> None
    expected = np.take(np.asarray(deliver), cols.channel) * cols.match_p * cols.net
    out = [
        ScoredPair(
            r.supporter_id,
            r.friend_key,
            imp,
            CHANNELS[c],
            {
                "deliver": deliver[c],
                "match_p": mp,
                "on_file": of,
                "state_weight": sw,
                "tie": ti,
                "beta": beta[c],
                "baseline_turnout": pb,
                "turnout_imputed": im,
                "turnout_gain": tg,
                "support": su,
                "support_from_prior": pr,
                "support_from_party": py,
                "persuade": persuade[c],
                "p_after": pa,
                "mobilization": mo,
                "persuasion": pe,
                "net_votes": nv,
                "expected_votes": ev,
            },
            [],
            ho,
            exclusion_names[ex],
        )
        for r, imp, c, ex, ho, mp, of, sw, ti, pb, im, tg, su, pr, py, pa, mo, pe, nv, ev in zip(
            rows,
            cols.impact.tolist(),
            cols.channel.tolist(),
            cols.exclusion.tolist(),
            cols.held.tolist(),
            cols.match_p.tolist(),
            cols.on_file.tolist(),
            cols.weight.tolist(),
            cols.tie.tolist(),
            cols.p_base.tolist(),
            cols.imputed.tolist(),
            cols.gain.tolist(),
            cols.support.tolist(),
            cols.prior.tolist(),
            cols.party.tolist(),
            cols.p_after.tolist(),
            cols.mobilization.tolist(),
            cols.persuasion.tolist(),
            cols.net.tolist(),
            expected.tolist(),
            strict=True,
        )
    ]
    names = load_state_names() if state_names is None else state_names
    cache: dict[ReasonInputs, list[str]] = {}
    for i in np.flatnonzero((cols.exclusion < 0) & (cols.impact > 0.0)).tolist():
        inputs = reason_inputs(rows[i])
        reasons = cache.get(inputs)
        if reasons is None:
            key = key_from_inputs(inputs, s)
            reasons = cache[inputs] = reasons_from_key(key, s, state_names=names)
        out[i].reasons = list(reasons)
    return out
