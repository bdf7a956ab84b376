"""The impact model of ``IMPACT_MODEL.md``: what one ask is worth, factor by factor.

    impact         = expected_votes * state_weight            (the weighted value; ranks asks)
    expected_votes = deliver(ch) * match_p * net_votes         (votes, unweighted)

    net_votes    = turnout_gain * (2 * support - 1)            mobilization
                 + 2 * persuade(ch) * (1 - support) * p_after  persuasion
    turnout_gain = sigmoid(logit(p) + beta(ch) * tie) - p      registered friend
                 = reg_lift(ch) * tie * p_new_voter            unregistered, registration open
                 = 0                                           otherwise

Each factor is its own function here, with its default in ``MatcherSettings``. Support is
the campaign's model score, else the friend's party (registration, or Ohio's last primary
ballot), else the prior for a supporter's friend. Turnout ``p`` is the file's score or
recent history; without either it is imputed from the election's kind and the friend's
age, and the gain is discounted for the spread of ``p`` around that guess. ``p_after``
is the friend's chance of voting after the ask: baseline plus turnout gain for a
registered friend, the turnout gain alone for an unregistered one, and 0 for a friend
who already voted or can no longer register. ``impact`` composes the factors for one
pair and one channel and says, when there is no ask, why.

Exclusions, checked in this order (the first that applies is reported):
``election_over``, ``do_not_contact``, ``low_match`` (match probability below the
organizer's minimum: without a trusted voter-file record there is no state, so no ask),
``outside_targets`` (no weight for the friend's state or district), ``already_voted``,
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
from typing import TYPE_CHECKING, Literal

from outreach.matching.matcher_settings import DISTRICT_CODES, Channel, MatcherSettings

if TYPE_CHECKING:
    from outreach.matching.features import PairFeatures

LOGIT_EPS = 1e-6
RECENT_ELECTIONS = 4
EXCLUSIONS = (
    "election_over",
    "do_not_contact",
    "low_match",
    "outside_targets",
    "already_voted",
    "registration_closed",
    "below_support_floor",
    "held_out",
)
_DIGITS = re.compile(r"(\d+)\s*$")
SupportSource = Literal["score", "party", "prior"]
# Registration party codes (NC party_cd, FL party affiliation) and Ohio primary ballots.
_PARTY_CODES = {
    "DEM": "DEM", "D": "DEM", "DEMOCRAT": "DEM", "DEMOCRATIC": "DEM",
    "REP": "REP", "R": "REP", "REPUBLICAN": "REP", "GOP": "REP",
}  # fmt: skip
# Turnout at an age relative to all ages, from the shape of the Census Bureau's Current
# Population Survey (2020: about 51% at 18-24 and 74% at 65 and over, 67% overall).
AGE_TURNOUT_RATIOS: tuple[tuple[int, float], ...] = (
    (30, 0.80),
    (45, 0.93),
    (65, 1.05),
    (200, 1.12),
)


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


def registration_gain(reg_lift: float, tie: float, p_new_voter: float, open: bool) -> float:
    """Expected new votes from asking an unregistered friend: only while registration is open.

    ``reg_lift`` is the channel's lift for a close tie; a weaker tie lifts proportionally less.
    """
    return reg_lift * tie * p_new_voter if open else 0.0


def mobilization_votes(turnout_gain: float, support: float) -> float:
    """Net votes from turnout: a mobilized opponent counts against us."""
    return turnout_gain * (2.0 * support - 1.0)


def persuasion_votes(persuade: float, support: float, p_after: float) -> float:
    """Net votes from persuasion: only a friend not already with us can switch, and counts twice."""
    return 2.0 * persuade * (1.0 - support) * p_after


def net_votes(turnout_gain: float, support: float, persuade: float, p_after: float) -> float:
    """Expected net votes for our side: mobilization plus persuasion."""
    return mobilization_votes(turnout_gain, support) + persuasion_votes(persuade, support, p_after)


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


def second_ask_share(settings: MatcherSettings) -> float:
    """What a further ask of an already-assigned friend adds, as a share of its own value.

    An ask is made with probability ``deliver``; once one has been made another adds
    nothing, so the next ask counts only when the earlier one was not made:
    ``1 - deliver`` (the mean over channels, as an assignment does not fix the order).
    """
    return 1.0 - sum(settings.deliver.values()) / len(settings.deliver)


def persuade(channel: Channel, settings: MatcherSettings) -> float:
    """The chance one contact through ``channel`` switches the friend's vote."""
    return settings.persuade[channel]


def baseline_turnout(turnout_score: float | None, vote_history: Sequence[bool]) -> float | None:
    """The friend's chance of voting from the file: the turnout score, else the recent share voted.

    None when the file says nothing about it (no score, no history): see ``imputed_turnout``.
    """
    if turnout_score is not None:
        return min(1.0, max(0.0, float(turnout_score)))
    recent = vote_history[:RECENT_ELECTIONS]
    if not recent:
        return None
    return sum(1 for voted in recent if voted) / len(recent)


def age_turnout_ratio(age: int | None) -> float:
    """Turnout at this age relative to all ages (Census CPS shape); 1.0 when unknown."""
    if age is None:
        return 1.0
    for below, ratio in AGE_TURNOUT_RATIOS:
        if age < below:
            return ratio
    return AGE_TURNOUT_RATIOS[-1][1]


def imputed_turnout(birth_year: int | None, settings: MatcherSettings) -> float:
    """A registered friend's chance of voting when the file has no history: year kind x age.

    The base is the registered-voter turnout of the election's kind (presidential year or
    not), scaled by the friend's age group; it is kept within [0.05, 0.95].
    """
    day = settings.election_date
    base = (
        settings.turnout_prior_presidential if day.year % 4 == 0 else settings.turnout_prior_midterm
    )
    age = day.year - birth_year if birth_year else None
    return min(0.95, max(0.05, base * age_turnout_ratio(age)))


def imputation_discount(settings: MatcherSettings) -> float:
    """The share of the turnout gain at the imputed mean that is expected over the spread.

    For p drawn from a Beta distribution with that mean and concentration c, the expected
    gain of a small log-odds shift is the gain at the mean times ``c / (c + 1)`` (the gain is
    proportional to p(1 - p), whose mean is m(1 - m) c / (c + 1)).
    """
    c = settings.turnout_prior_concentration
    return c / (c + 1.0)


def turnout_of(
    turnout_score: float | None,
    vote_history: Sequence[bool],
    birth_year: int | None,
    settings: MatcherSettings,
) -> tuple[float, bool]:
    """The friend's chance of voting and whether it was imputed rather than read."""
    p = baseline_turnout(turnout_score, vote_history)
    if p is not None:
        return p, False
    return imputed_turnout(birth_year, settings), True


def party_side(party: str | None) -> str | None:
    """The major party a registration or primary-ballot code stands for; None otherwise."""
    if not party:
        return None
    return _PARTY_CODES.get(party.strip().upper())


def support_of(
    support_score: float | None, party: str | None, settings: MatcherSettings
) -> tuple[float, SupportSource]:
    """The chance the friend votes for our side, and where it came from.

    A campaign's model score first; else the party the friend registered with (or whose
    primary ballot they last took) when it is a major party; else the prior for a
    supporter's friend (``support_prior``, homophily).
    """
    if support_score is not None:
        return min(1.0, max(0.0, float(support_score))), "score"
    side = party_side(party)
    if side is not None:
        same = side == settings.side
        return (settings.support_same_party if same else settings.support_other_party), "party"
    return settings.support_prior, "prior"


def support(
    support_score: float | None, settings: MatcherSettings, party: str | None = None
) -> float:
    """The chance the friend votes for our side (see ``support_of``)."""
    return support_of(support_score, party, settings)[0]


def reg_lift(channel: Channel, settings: MatcherSettings) -> float:
    """The channel's registration lift for a close tie."""
    return settings.reg_lift[channel]


def registration_open(state: str | None, as_of: date, settings: MatcherSettings) -> bool:
    """True while an unregistered friend in ``state`` can still register for the election."""
    if not state or as_of > settings.election_date:
        return False
    deadline = settings.registration_deadlines.get(state.strip().upper())
    return deadline is not None and as_of <= deadline


def match_factor(
    match_p: float, on_file: bool, settings: MatcherSettings, *, by_area_code: bool = False
) -> float:
    """The chance the ask reaches the voter the model describes.

    For a friend matched to the voter file, the link's probability. For a friend in a
    target state whose voter file is loaded but who was not found in it, the chance they
    are in fact unregistered (``unmatched_unregistered``): the registration ask is for them;
    times the chance they live there (``area_code_placement``) when only their phone's area
    code places them.
    """
    if on_file:
        return float(match_p)
    placed = settings.area_code_placement if by_area_code else 1.0
    return settings.unmatched_unregistered * placed


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
    """The weighted value of one ask through ``channel``, with its factors and exclusion.

    ``impact`` is ``expected_votes * state_weight``: the expected net votes (``expected_votes``,
    unweighted, in votes) weighted by how much a vote in the friend's place matters (in
    votes as valuable as one in the top target). Ranking uses the weighted value.
    """
    registered = pair.on_file and is_registered(pair.registration_status)
    match = match_factor(pair.match_p, pair.on_file, settings, by_area_code=pair.by_area_code)
    reg_open = registration_open(pair.state, as_of, settings)
    weight = state_weight(pair.state, pair.district, settings)
    sup, source = support_of(pair.support_score, pair.party, settings)
    b = beta(channel, settings)
    p, imputed = 0.0, False
    if registered:
        p, imputed = turnout_of(pair.turnout_score, pair.vote_history, pair.birth_year, settings)
    if pair.already_voted:
        gain, p_after = 0.0, 0.0
    elif registered:
        gain = turnout_gain(p, b, tie)
        p_after = min(1.0, clamp_probability(p) + gain)
        if imputed:
            gain *= imputation_discount(settings)
    else:
        gain = registration_gain(reg_lift(channel, settings), tie, settings.p_new_voter, reg_open)
        p_after = gain
    pers = persuade(channel, settings)
    mobilization = mobilization_votes(gain, sup)
    persuasion = persuasion_votes(pers, sup, p_after)
    net = mobilization + persuasion
    reach = deliver(channel, settings) * match
    factors = {
        "deliver": deliver(channel, settings),
        "match_p": match,
        "on_file": float(pair.on_file),
        "state_weight": weight,
        "tie": tie,
        "beta": b,
        "baseline_turnout": p,
        "turnout_imputed": float(imputed),
        "turnout_gain": gain,
        "support": sup,
        "support_from_prior": float(source == "prior"),
        "support_from_party": float(source == "party"),
        "persuade": pers,
        "p_after": p_after,
        "mobilization": mobilization,
        "persuasion": persuasion,
        "net_votes": net,
        "expected_votes": reach * net,
    }
    exclusion = exclusion_for(
        election_over=as_of > settings.election_date,
        do_not_contact=pair.do_not_contact,
        match_p=match if pair.on_file else 1.0,
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
    election_over: bool = False,
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
    if election_over:
        return "election_over"
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
