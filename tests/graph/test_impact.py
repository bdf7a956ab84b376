"""The impact model, factor by factor, and the fast scoring path held to the reference."""

from __future__ import annotations

import math
import random
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from outreach.matching.election import settings_warnings
from outreach.matching.impact import (
    EXCLUSIONS,
    baseline_turnout,
    deliver,
    district_code,
    impact,
    imputation_discount,
    imputed_turnout,
    logit,
    net_votes,
    persuasion_votes,
    registration_gain,
    registration_open,
    sigmoid,
    state_weight,
    support_of,
    turnout_gain,
    turnout_of,
)
from outreach.matching.matcher_settings import MatcherSettings, known_codes
from outreach.matching.scoring import FACTOR_NAMES, PairFeatures, score_pair, score_pairs
from tests.graph import make_pair, random_pair

SETTINGS = MatcherSettings(election_date=date(2026, 11, 3))
SEPTEMBER = date(2026, 9, 15)
probability = st.floats(0.0, 1.0)
channels = st.sampled_from(["call", "in_person", "text", "social"])


def ask(pair: PairFeatures, *, tie: float = 0.5, channel: str = "call", **kw: object) -> float:
    return impact(pair, SETTINGS, channel=channel, tie=tie, as_of=SEPTEMBER, **kw).impact  # type: ignore[arg-type]


# --- the factors -------------------------------------------------------------------------


@given(st.floats(-30, 30))
def test_logit_inverts_sigmoid(x: float) -> None:
    p = sigmoid(x)
    if 1e-6 < p < 1 - 1e-6:
        assert logit(p) == pytest.approx(x, abs=1e-6)


def test_logit_is_clamped_and_finite_at_the_ends() -> None:
    assert math.isfinite(logit(0.0)) and logit(0.0) < -13
    assert math.isfinite(logit(1.0)) and logit(1.0) > 13
    assert sigmoid(-1000.0) == 0.0 and sigmoid(1000.0) == 1.0


@given(probability, st.floats(0.0, 0.2), st.floats(0.0, 1.0))
def test_turnout_gain_is_non_negative_and_small(p: float, beta: float, tie: float) -> None:
    gain = turnout_gain(p, beta, tie)
    assert 0.0 <= gain <= beta * tie / 4 + 1e-12  # the logistic slope is at most 1/4


@given(probability, st.floats(0.01, 0.2))
def test_turnout_gain_peaks_near_an_even_chance(p: float, shift: float) -> None:
    peak = sigmoid(-shift / 2)  # argmax of sigmoid(logit(p) + d) - p
    assert abs(peak - 0.5) < 0.03
    assert turnout_gain(p, shift, 1.0) <= turnout_gain(peak, shift, 1.0) + 1e-15
    if abs(p - 0.5) >= 0.1:
        assert turnout_gain(p, shift, 1.0) < turnout_gain(0.5, shift, 1.0)


@given(probability, st.floats(0.0, 2.0), st.floats(0.0, 1.0))
def test_turnout_gain_is_the_log_odds_shift_of_the_spec(p: float, beta: float, tie: float) -> None:
    q = min(1 - 1e-6, max(1e-6, p))
    spec = sigmoid(logit(q) + beta * tie) - q
    assert turnout_gain(p, beta, tie) == pytest.approx(spec, rel=1e-6, abs=1e-15)


def test_turnout_gain_matches_a_worked_example() -> None:
    assert turnout_gain(0.5, 0.20, 1.0) == pytest.approx(sigmoid(0.2) - 0.5)
    assert turnout_gain(0.5, 0.20, 1.0) == pytest.approx(0.04983, abs=1e-5)
    assert turnout_gain(0.99, 0.20, 1.0) < turnout_gain(0.5, 0.20, 1.0) / 10


@pytest.mark.parametrize(
    ("channel", "points"), [("call", 2.75), ("in_person", 2.75), ("text", 1.0), ("social", 0.39)]
)
def test_a_close_tie_lands_on_the_published_effect(channel: str, points: float) -> None:
    """Calibration: at p = 0.5 and tie 1, each channel moves turnout by its cited effect."""
    gain = turnout_gain(0.5, SETTINGS.beta[channel], 1.0)  # type: ignore[index]
    assert gain * 100 == pytest.approx(points, abs=0.02)


def test_registration_gain_uses_the_tie_and_only_while_open() -> None:
    assert registration_gain(0.04, 1.0, 0.5, True) == pytest.approx(0.02)
    assert registration_gain(0.04, 0.2, 0.5, True) == pytest.approx(0.004)
    assert registration_gain(0.04, 1.0, 0.5, False) == 0.0


def test_net_votes_counts_mobilized_opponents_against_us() -> None:
    assert net_votes(0.05, 1.0, 0.0, 0.6) == pytest.approx(0.05)
    assert net_votes(0.05, 0.5, 0.0, 0.6) == 0.0
    assert net_votes(0.05, 0.0, 0.0, 0.6) == pytest.approx(-0.05)
    assert net_votes(0.0, 0.5, 0.01, 0.6) == pytest.approx(0.006)


def test_persuasion_only_counts_friends_not_already_with_us() -> None:
    assert persuasion_votes(0.01, 1.0, 0.6) == 0.0
    assert persuasion_votes(0.01, 0.4, 0.6) == pytest.approx(2 * 0.01 * 0.6 * 0.6)
    settings = MatcherSettings(persuade={"call": 0.02})
    committed = make_pair(support_score=0.95, turnout_score=0.95)
    persuadable = make_pair(support_score=0.45, turnout_score=0.95)
    b_committed = impact(committed, settings, channel="call", tie=1.0, as_of=SEPTEMBER)
    b_persuadable = impact(persuadable, settings, channel="call", tie=1.0, as_of=SEPTEMBER)
    assert b_persuadable.impact > b_committed.impact
    for b in (b_committed, b_persuadable):
        f = b.factors
        assert f["mobilization"] + f["persuasion"] == pytest.approx(f["net_votes"])
    ratio = b_committed.factors["persuasion"] / b_persuadable.factors["persuasion"]
    assert ratio == pytest.approx((1 - 0.95) / (1 - 0.45))


def test_the_support_floor_binds_once_persuasion_makes_a_low_support_ask_pay() -> None:
    settings = MatcherSettings(persuade={"call": 0.02}, support_floor=0.35)
    below = impact(
        make_pair(support_score=0.3, turnout_score=0.9),
        settings,
        channel="call",
        tie=1.0,
        as_of=SEPTEMBER,
    )
    f = below.factors
    assert f["net_votes"] > 0  # the formula alone would ask this friend...
    assert below.exclusion == "below_support_floor"  # ...the floor does not
    above = impact(
        make_pair(support_score=0.4, turnout_score=0.9),
        settings,
        channel="call",
        tie=1.0,
        as_of=SEPTEMBER,
    )
    assert above.eligible and above.impact > 0
    assert settings_warnings(settings) == []
    assert "support floor" in settings_warnings(MatcherSettings())[0]


def test_baseline_turnout_prefers_the_score_then_recent_history() -> None:
    assert baseline_turnout(0.7, [False] * 4) == 0.7
    assert baseline_turnout(None, [True, False, False, False, True, True]) == 0.25
    assert baseline_turnout(None, [True, True]) == 1.0
    assert baseline_turnout(None, []) is None
    assert baseline_turnout(1.7, []) == 1.0


def test_unknown_turnout_is_imputed_by_age_and_year_and_never_gets_the_peak_gain() -> None:
    midterm = MatcherSettings(election_date=date(2026, 11, 3))
    presidential = MatcherSettings(election_date=date(2028, 11, 7), registration_deadlines={})
    assert imputed_turnout(None, midterm) == pytest.approx(0.50)
    assert imputed_turnout(None, presidential) == pytest.approx(0.72)
    assert imputed_turnout(2004, midterm) < imputed_turnout(1980, midterm)
    assert imputed_turnout(1980, midterm) < imputed_turnout(1950, midterm)
    p, imputed = turnout_of(None, [], 1990, midterm)
    assert imputed and p == pytest.approx(imputed_turnout(1990, midterm))
    assert turnout_of(0.3, [], 1990, midterm) == (0.3, False)
    peak = impact(make_pair(turnout_score=0.5), midterm, channel="call", tie=1, as_of=SEPTEMBER)
    unknown = impact(make_pair(turnout_score=None), midterm, channel="call", tie=1, as_of=SEPTEMBER)
    assert unknown.factors["turnout_imputed"] == 1.0 and peak.factors["turnout_imputed"] == 0.0
    assert unknown.factors["turnout_gain"] == pytest.approx(
        peak.factors["turnout_gain"] * imputation_discount(midterm)
    )
    assert unknown.factors["turnout_gain"] < peak.factors["turnout_gain"] * 0.7


def test_support_comes_from_the_score_then_party_then_the_prior() -> None:
    s = MatcherSettings()
    assert support_of(0.9, "REP", s) == (0.9, "score")
    assert support_of(None, "DEM", s) == (s.support_same_party, "party")
    assert support_of(None, "d", s) == (s.support_same_party, "party")  # an Ohio primary ballot
    assert support_of(None, "REP", s) == (s.support_other_party, "party")
    for code in ("UNA", "NPA", "LIB", None, ""):
        assert support_of(None, code, s) == (s.support_prior, "prior")
    other_side = MatcherSettings(side="REP")
    assert support_of(None, "R", other_side) == (other_side.support_same_party, "party")
    assert s.support_prior > 0.5  # never 0.5: that would make every friend worth exactly zero


def test_a_friend_with_no_score_and_no_party_is_still_worth_an_ask() -> None:
    pair = make_pair(support_score=None, turnout_score=None, vote_history=[], birth_year=1988)
    b = impact(pair, SETTINGS, channel="call", tie=1.0, as_of=SEPTEMBER)
    assert b.eligible and b.impact > 0
    assert b.factors["support_from_prior"] == 1.0
    opponent = make_pair(support_score=None, party="REP", turnout_score=None)
    assert impact(opponent, SETTINGS, channel="call", tie=1.0, as_of=SEPTEMBER).exclusion == (
        "below_support_floor"
    )


def test_district_codes_are_read_in_common_spellings() -> None:
    for raw in ("2", "02", "CD-2", "ME-2", "ME-02"):
        assert district_code("me", raw) == "ME-2"
    assert district_code("WI", "3") is None
    assert district_code("NE", None) is None
    assert district_code("NE", "at large") is None


def test_a_targeted_district_takes_precedence_over_its_state() -> None:
    s = MatcherSettings(targets=["ME", "ME-2"], weights={"ME": 1.0, "ME-2": 2.0})
    assert state_weight("ME", "2", s) == 1.0
    assert state_weight("ME", "1", s) == 0.5  # ME-1 is not targeted: the state counts
    assert state_weight("ME", None, s) == 0.5
    only_district = MatcherSettings(targets=["NE-2"])
    assert state_weight("NE", "02", only_district) == 1.0
    assert state_weight("NE", "1", only_district) == 0.0
    assert state_weight(None, None, SETTINGS) == 0.0


def test_registration_is_open_until_the_deadline_and_never_after_election_day() -> None:
    assert registration_open("PA", date(2026, 10, 19), SETTINGS)
    assert not registration_open("PA", date(2026, 10, 20), SETTINGS)
    assert registration_open("WI", date(2026, 11, 3), SETTINGS)
    assert not registration_open("WI", date(2026, 11, 4), SETTINGS)
    assert not registration_open(None, SEPTEMBER, SETTINGS)
    no_deadline = MatcherSettings(registration_deadlines={})
    assert not registration_open("WI", SEPTEMBER, no_deadline)


def test_deliver_reads_the_organizers_setting() -> None:
    assert deliver("text", SETTINGS) == 0.5
    assert deliver("call", MatcherSettings(deliver={"call": 0.3})) == 0.3


# --- the composed impact -----------------------------------------------------------------


def test_impact_is_the_product_of_its_factors() -> None:
    pair = make_pair(turnout_score=0.5, support_score=1.0, match_p=1.0)
    b = impact(pair, SETTINGS, channel="call", tie=1.0, as_of=SEPTEMBER)
    assert b.eligible and b.exclusion is None
    assert b.impact == pytest.approx(0.5 * 1.0 * 1.0 * (sigmoid(SETTINGS.beta["call"]) - 0.5))
    assert b.factors["expected_votes"] == pytest.approx(b.impact)  # WI weighs 1
    f = b.factors
    assert set(f) == set(FACTOR_NAMES)
    assert b.impact == pytest.approx(
        f["deliver"] * f["match_p"] * f["state_weight"] * f["net_votes"]
    )


@given(probability, st.floats(0.51, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0), channels)
def test_impact_grows_with_tie_strength_for_friends_on_our_side(
    p: float, support: float, tie_a: float, tie_b: float, channel: str
) -> None:
    pair = make_pair(turnout_score=p, support_score=support)
    low, high = sorted((tie_a, tie_b))
    assert ask(pair, tie=low, channel=channel) <= ask(pair, tie=high, channel=channel)


@given(st.sampled_from(sorted(known_codes())), probability, probability, st.floats(0, 1))
def test_impact_is_zero_outside_the_targets(
    code: str, p: float, support: float, tie: float
) -> None:
    state, _, number = code.partition("-")
    settings = MatcherSettings(targets=["WI"])
    pair = make_pair(state=state, district=number or None, turnout_score=p, support_score=support)
    b = impact(pair, settings, channel="call", tie=tie, as_of=SEPTEMBER)
    if state != "WI":
        assert b.impact == 0.0
        assert b.exclusion == "outside_targets"


@pytest.mark.parametrize(
    ("fields", "held_out", "exclusion"),
    [
        ({"do_not_contact": True}, False, "do_not_contact"),
        ({"match_p": 0.49}, False, "low_match"),
        ({"state": None}, False, "outside_targets"),
        ({"state": "CA"}, False, "outside_targets"),
        ({"already_voted": True}, False, "already_voted"),
        ({"support_score": 0.34}, False, "below_support_floor"),
        ({}, True, "held_out"),
    ],
)
def test_excluded_friends_get_no_ask(
    fields: dict[str, object], held_out: bool, exclusion: str
) -> None:
    b = impact(
        make_pair(**fields), SETTINGS, channel="call", tie=1.0, as_of=SEPTEMBER, held_out=held_out
    )
    assert (b.impact, b.eligible, b.exclusion) == (0.0, False, exclusion)
    assert exclusion in EXCLUSIONS


def test_a_held_out_friend_keeps_the_factors_of_the_ask_not_made() -> None:
    b = impact(make_pair(), SETTINGS, channel="call", tie=1.0, as_of=SEPTEMBER, held_out=True)
    f = b.factors
    assert f["deliver"] * f["match_p"] * f["state_weight"] * f["net_votes"] > 0


@given(st.dates(date(2026, 8, 1), date(2026, 11, 10)), st.sampled_from(["PA", "WI", "GA", "NV"]))
def test_unregistered_friends_score_only_while_registration_is_open(
    as_of: date, state: str
) -> None:
    settings = MatcherSettings(targets=["PA", "WI", "GA", "NV"])
    pair = make_pair(state=state, registration_status="unregistered", support_score=0.9)
    b = impact(pair, settings, channel="text", tie=0.5, as_of=as_of)
    if registration_open(state, as_of, settings):
        gain = settings.reg_lift["text"] * 0.5 * settings.p_new_voter
        expected = 0.5 * 0.95 * settings.weights[state] * gain * (2 * 0.9 - 1)
        assert b.impact == pytest.approx(expected)
    else:
        assert b.impact == 0.0
        over = as_of > settings.election_date
        assert b.exclusion == ("election_over" if over else "registration_closed")


def test_a_friend_at_the_support_floor_still_gets_an_ask_when_it_helps() -> None:
    settings = MatcherSettings(support_floor=0.6)
    assert impact(
        make_pair(support_score=0.6), settings, channel="call", tie=1, as_of=SEPTEMBER
    ).eligible
    assert ask(make_pair(support_score=0.4)) < 0  # allowed by the floor, but a net loss


# --- the fast path -----------------------------------------------------------------------


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-15)


@pytest.mark.parametrize(
    "as_of", [date(2026, 9, 1), date(2026, 10, 20), date(2026, 11, 3), date(2026, 11, 4)]
)
def test_score_pairs_matches_the_scalar_reference(as_of: date) -> None:
    settings = MatcherSettings(holdout_share=0.1, persuade={"call": 0.01, "social": 0.002})
    rng = random.Random(as_of.toordinal())
    pairs = [random_pair(rng) for _ in range(3000)]
    fast = score_pairs(pairs, settings, as_of=as_of)
    assert len(fast) == len(pairs)
    for pair, got in zip(pairs, fast, strict=True):
        want = score_pair(pair, settings, as_of=as_of)
        assert (got.supporter_id, got.friend_key) == (want.supporter_id, want.friend_key)
        assert (got.channel, got.exclusion, got.held_out) == (
            want.channel,
            want.exclusion,
            want.held_out,
        )
        assert _same(got.impact, want.impact), (pair, got, want)
        assert got.factors.keys() == want.factors.keys()
        assert all(_same(got.factors[k], want.factors[k]) for k in want.factors), (got, want)
        assert got.reasons == want.reasons
    assert any(p.held_out for p in fast)
    assert any(p.impact > 0 for p in fast) == (as_of <= settings.election_date)
    assert any(p.factors["turnout_imputed"] for p in fast)
    assert any(p.factors["support_from_prior"] for p in fast)


@pytest.mark.parametrize(
    ("channels", "expected"),
    [
        ({"phone"}, "call"),
        ({"phone", "email", "social"}, "call"),
        ({"email"}, "text"),
        ({"social"}, "social"),
        (set(), "text"),
        ({"fax"}, "text"),
    ],
)
def test_the_best_available_channel_is_chosen(channels: set[str], expected: str) -> None:
    pair = make_pair(channels=frozenset(channels))
    [scored] = score_pairs([pair], SETTINGS, as_of=SEPTEMBER)
    assert scored.channel == expected
    assert score_pair(pair, SETTINGS, as_of=SEPTEMBER).channel == expected


def test_holdout_membership_does_not_move_when_other_settings_change() -> None:
    rng = random.Random(7)
    pairs = [random_pair(rng, friends=5000) for _ in range(2000)]
    before = [p.held_out for p in score_pairs(pairs, SETTINGS, as_of=SEPTEMBER)]
    changed = MatcherSettings(targets=["PA"], k=3, beta={"call": 0.4}, support_floor=0.1)
    after = [p.held_out for p in score_pairs(pairs, changed, as_of=date(2026, 10, 1))]
    assert before == after
    assert 0 < sum(before) < len(before)


def test_every_held_out_or_excluded_pair_scores_zero() -> None:
    rng = random.Random(11)
    scored = score_pairs([random_pair(rng) for _ in range(2000)], SETTINGS, as_of=SEPTEMBER)
    for p in scored:
        if p.exclusion is not None:
            assert p.impact == 0.0 and p.reasons == []
        if p.held_out:
            assert p.exclusion is not None


def test_scoring_nothing_gives_nothing() -> None:
    assert score_pairs([], SETTINGS, as_of=SEPTEMBER) == []
    assert score_pairs(iter([make_pair()]), SETTINGS, as_of=SEPTEMBER)[0].impact > 0


# --- the calendar, registration asks -----------------------------------------------------


@given(st.dates(date(2026, 11, 4), date(2030, 1, 1)))
def test_nobody_is_asked_once_the_election_is_over(as_of: date) -> None:
    for pair in (make_pair(), make_pair(registration_status="unregistered", state="WI")):
        b = impact(pair, SETTINGS, channel="call", tie=1.0, as_of=as_of)
        assert (b.impact, b.exclusion) == (0.0, "election_over")
    scored = score_pairs([make_pair(), make_pair(friend_key="f2")], SETTINGS, as_of=as_of)
    assert {p.exclusion for p in scored} == {"election_over"}
    assert all(p.impact == 0.0 for p in scored)


def test_election_day_itself_still_asks() -> None:
    assert ask(make_pair()) > 0
    b = impact(make_pair(), SETTINGS, channel="call", tie=1.0, as_of=SETTINGS.election_date)
    assert b.eligible and b.impact > 0


def test_a_social_acquaintance_to_register_ranks_below_a_call_to_a_mid_propensity_friend() -> None:
    unregistered = make_pair(
        registration_status="unregistered", turnout_score=None, channels=frozenset({"social"})
    )
    mid = make_pair(turnout_score=0.5, channels=frozenset({"phone"}))
    [acquaintance] = score_pairs([unregistered], SETTINGS, as_of=SEPTEMBER)
    [friend] = score_pairs([mid], SETTINGS, as_of=SEPTEMBER)
    assert acquaintance.channel == "social" and friend.channel == "call"
    assert 0 < acquaintance.impact < friend.impact
    close = impact(unregistered, SETTINGS, channel="social", tie=1.0, as_of=SEPTEMBER)
    weak = impact(unregistered, SETTINGS, channel="social", tie=0.2, as_of=SEPTEMBER)
    assert weak.impact == pytest.approx(close.impact * 0.2)
    by_text = impact(unregistered, SETTINGS, channel="text", tie=1.0, as_of=SEPTEMBER)
    assert by_text.impact > close.impact


def test_new_voter_default_sits_between_the_two_registration_drive_studies() -> None:
    assert 0.24 <= SETTINGS.p_new_voter <= 0.43


def test_a_friend_in_a_target_state_not_on_the_voter_file_is_a_registration_ask() -> None:
    pair = make_pair(on_file=False, match_p=0.0, turnout_score=None, support_score=None, state="PA")
    b = impact(pair, SETTINGS, channel="call", tie=1.0, as_of=SEPTEMBER)
    assert b.eligible and b.impact > 0  # no low_match: there is no record to match
    f = b.factors
    assert f["on_file"] == 0.0 and f["match_p"] == SETTINGS.unmatched_unregistered
    gain = SETTINGS.reg_lift["call"] * 1.0 * SETTINGS.p_new_voter
    assert f["turnout_gain"] == pytest.approx(gain)
    late = impact(pair, SETTINGS, channel="call", tie=1.0, as_of=date(2026, 10, 20))
    assert late.exclusion == "registration_closed"  # PA's deadline is October 19
    [scored] = score_pairs([pair], SETTINGS, as_of=SEPTEMBER)
    assert scored.impact == pytest.approx(score_pair(pair, SETTINGS, as_of=SEPTEMBER).impact)
    assert scored.impact > 0
    assert scored.reasons[1] == (
        "Not on the voter rolls we have — Pennsylvania's registration deadline is October 19"
    )


def test_a_friend_placed_only_by_their_phones_area_code_counts_as_less_certain() -> None:
    by_address = make_pair(
        on_file=False, match_p=0.0, turnout_score=None, support_score=None, state="PA"
    )
    by_phone = make_pair(
        on_file=False,
        match_p=0.0,
        turnout_score=None,
        support_score=None,
        state="PA",
        by_area_code=True,
    )
    placed = impact(by_phone, SETTINGS, channel="call", tie=1.0, as_of=SEPTEMBER)
    sure = impact(by_address, SETTINGS, channel="call", tie=1.0, as_of=SEPTEMBER)
    # One in ten US adults has a cellphone number from another state (Pew, 2016).
    assert SETTINGS.area_code_placement == pytest.approx(0.9)
    assert placed.factors["match_p"] == pytest.approx(
        SETTINGS.unmatched_unregistered * SETTINGS.area_code_placement
    )
    assert placed.impact == pytest.approx(sure.impact * SETTINGS.area_code_placement)
    scored = score_pairs([by_phone, by_address], SETTINGS, as_of=SEPTEMBER)
    assert scored[0].impact == pytest.approx(score_pair(by_phone, SETTINGS, as_of=SEPTEMBER).impact)
    assert scored[0].impact == pytest.approx(scored[1].impact * SETTINGS.area_code_placement)
    # Its reason does not claim to know where they live.
    assert (
        scored[0].reasons[0]
        == "Has a Pennsylvania phone number, a state this campaign is focused on"
    )
    assert scored[1].reasons[0].startswith("Lives in Pennsylvania")
