"""The impact model of ``IMPACT_MODEL.md``: what one ask is worth, factor by factor.

    impact = deliver(ch) * match_p * state_weight * net_votes

    net_votes    = turnout_gain * (2 * support - 1) + 2 * persuade(ch) * p_after
    turnout_gain = sigmoid(logit(p) + beta(ch) * tie) - p     registered friend
                 = reg_lift * p_new_voter                      unregistered, registration open
                 = 0                                           otherwise

Each factor is its own function here, with its default in ``MatcherSettings``. ``p_after``
is the friend's chance of voting after the ask: baseline plus turnout gain for a
registered friend, the turnout gain alone for an unregistered one, and 0 for a friend
who already voted or can no longer register. ``impact`` composes the factors for one
pair and one channel and says, when there is no ask, why.

Exclusions, checked in this order (the first that applies is reported):
``do_not_contact``, ``low_match`` (match probability below the organizer's minimum:
without a trusted voter-file record there is no state, so no ask), ``outside_targets``
(no weight for the friend's state or district), ``already_voted``,
``registration_closed`` (unregistered after the deadline), ``below_support_floor``,
``held_out``. An excluded pair has impact 0; its factors are still filled in, so an
analyst can see what the ask would have been worth (the holdout's counterfactual).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from outreach.matching.matcher_settings import DISTRICT_CODES, Channel, MatcherSettings

if TYPE_CHECKING:
    from outreach.matching.features import PairFeatures

LOGIT_EPS = 1e-6
RECENT_ELECTIONS = 4
EXCLUSIONS = (
    "do_not_contact",
    "low_match",
    "outside_targets",
    "already_voted",
    "registration_closed",
    "below_support_floor",
    "held_out",
)
_DIGITS = re.compile(r"(\d+)\s*$")


@dataclass(frozen=True, slots=True)
class ImpactBreakdown:
    """One pair's impact, the factors it is the product of, and why there is no ask.

    ``eligible`` means no exclusion applies; the ask is still made only when ``impact``
    is positive (a friend who leans against us but is above the floor scores below 0).
    """

    impact: float
    factors: dict[str, float]
    eligible: bool
    exclusion: str | None


def sigmoid(x: float) -> float:
    """The logistic function, numerically safe for large ``|x|``."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def clamp_probability(p: float) -> float:
    """``p`` clamped to [LOGIT_EPS, 1 - LOGIT_EPS], where the log-odds are finite."""
    return min(1.0 - LOGIT_EPS, max(LOGIT_EPS, p))


def logit(p: float) -> float:
    """The log-odds of ``p``, with ``p`` clamped away from 0 and 1."""
    q = clamp_probability(p)
    return math.log(q / (1.0 - q))


def turnout_gain(p: float, beta: float, tie: float) -> float:
    """Rise in a registered friend's chance of voting: ``sigmoid(logit(p) + beta * tie) - p``.

    Computed in the equivalent closed form ``q (1 - q) x / (1 + q x)`` with
    ``x = expm1(beta * tie)``, which is exact at zero and keeps the sign of the shift.
    """
    q = clamp_probability(p)
    x = math.expm1(beta * tie)
    return q * (1.0 - q) * x / (1.0 + q * x)


def registration_gain(reg_lift: float, p_new_voter: float, open: bool) -> float:
    """Expected new votes from asking an unregistered friend: only while registration is open."""
    return reg_lift * p_new_voter if open else 0.0


def net_votes(turnout_gain: float, support: float, persuade: float, p_after: float) -> float:
    """Expected net votes for our side: a mobilized opponent counts against us."""
    return turnout_gain * (2.0 * support - 1.0) + 2.0 * persuade * p_after


def district_code(state: str | None, district: str | None) -> str | None:
    """The geography code of a Maine or Nebraska congressional district ("NE", "02" -> "NE-2")."""
    if not state or not district:
        return None
    state = state.strip().upper()
    match = _DIGITS.search(district.strip())
    if match is None:
        return None
    code = f"{state}-{int(match.group(1))}"
    return code if code in DISTRICT_CODES else None


def target_code(state: str | None, district: str | None, settings: MatcherSettings) -> str | None:
    """The targeted code that weighs the friend: the district when targeted, else the state."""
    code = district_code(state, district)
    if code is not None and code in settings.weights:
        return code
    if state:
        code = state.strip().upper()
        if code in settings.weights:
            return code
    return None


def state_weight(state: str | None, district: str | None, settings: MatcherSettings) -> float:
    """How much a vote in the friend's state or district matters; 0 outside the targets."""
    code = target_code(state, district, settings)
    return settings.weights[code] if code is not None else 0.0


def deliver(channel: Channel, settings: MatcherSettings) -> float:
    """The chance an ask through ``channel`` is actually made."""
    return settings.deliver[channel]


def beta(channel: Channel, settings: MatcherSettings) -> float:
    """The channel's effect on the log-odds of voting, for a close tie."""
    return settings.beta[channel]


def persuade(channel: Channel, settings: MatcherSettings) -> float:
    """The chance one contact through ``channel`` switches the friend's vote."""
    return settings.persuade[channel]


def baseline_turnout(
    turnout_score: float | None, vote_history: Sequence[bool], *, unknown: float = 0.5
) -> float:
    """The friend's chance of voting: the turnout score, else the recent share voted."""
    if turnout_score is not None:
        return min(1.0, max(0.0, float(turnout_score)))
    recent = vote_history[:RECENT_ELECTIONS]
    if not recent:
        return unknown
    return sum(1 for voted in recent if voted) / len(recent)


def support(support_score: float | None, settings: MatcherSettings) -> float:
    """The chance the friend votes for our side; the organizer's default when unknown."""
    if support_score is None:
        return settings.support_unknown
    return min(1.0, max(0.0, float(support_score)))


def registration_open(state: str | None, as_of: date, settings: MatcherSettings) -> bool:
    """True while an unregistered friend in ``state`` can still register for the election."""
    if not state or as_of > settings.election_date:
        return False
    deadline = settings.registration_deadlines.get(state.strip().upper())
    return deadline is not None and as_of <= deadline


def is_registered(registration_status: str | None) -> bool:
    """Active, inactive and unknown statuses count as registered; only "unregistered" does not."""
    return (registration_status or "").strip().lower() != "unregistered"


def impact(
    pair: PairFeatures,
    settings: MatcherSettings,
    *,
    channel: Channel,
    tie: float,
    as_of: date,
    held_out: bool = False,
) -> ImpactBreakdown:
    """The expected net votes of one ask through ``channel``, with its factors and exclusion."""
    registered = is_registered(pair.registration_status)
    reg_open = registration_open(pair.state, as_of, settings)
    weight = state_weight(pair.state, pair.district, settings)
    sup = support(pair.support_score, settings)
    b = beta(channel, settings)
    p = 0.0
    if registered:
        p = baseline_turnout(
            pair.turnout_score, pair.vote_history, unknown=settings.turnout_unknown
        )
    if pair.already_voted:
        gain, p_after = 0.0, 0.0
    elif registered:
        gain = turnout_gain(p, b, tie)
        p_after = min(1.0, clamp_probability(p) + gain)
    else:
        gain = registration_gain(settings.reg_lift, settings.p_new_voter, reg_open)
        p_after = gain
    pers = persuade(channel, settings)
    net = net_votes(gain, sup, pers, p_after)
    factors = {
        "deliver": deliver(channel, settings),
        "match_p": float(pair.match_p),
        "state_weight": weight,
        "tie": tie,
        "beta": b,
        "baseline_turnout": p,
        "turnout_gain": gain,
        "support": sup,
        "persuade": pers,
        "p_after": p_after,
        "net_votes": net,
    }
    exclusion = exclusion_for(
        do_not_contact=pair.do_not_contact,
        match_p=pair.match_p,
        weight=weight,
        already_voted=pair.already_voted,
        registered=registered,
        registration_open=reg_open,
        support=sup,
        held_out=held_out,
        settings=settings,
    )
    if exclusion is not None:
        return ImpactBreakdown(0.0, factors, eligible=False, exclusion=exclusion)
    value = factors["deliver"] * factors["match_p"] * weight * net
    return ImpactBreakdown(value, factors, eligible=True, exclusion=None)


def exclusion_for(
    *,
    do_not_contact: bool,
    match_p: float,
    weight: float,
    already_voted: bool,
    registered: bool,
    registration_open: bool,
    support: float,
    held_out: bool,
    settings: MatcherSettings,
) -> str | None:
    """Why this friend gets no ask, or None: the first of ``EXCLUSIONS`` that applies."""
    if do_not_contact:
        return "do_not_contact"
    if match_p < settings.min_match_probability:
        return "low_match"
    if weight <= 0.0:
        return "outside_targets"
    if already_voted:
        return "already_voted"
    if not registered and not registration_open:
        return "registration_closed"
    if support < settings.support_floor:
        return "below_support_floor"
    if held_out:
        return "held_out"
    return None
