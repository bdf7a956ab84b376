"""Reasons: plain, actionable, at most three, and never a score or another supporter."""

from __future__ import annotations

import random
import re
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from outreach.matching.impact import impact
from outreach.matching.matcher_settings import MatcherSettings, load_state_names
from outreach.matching.reasons import reasons_for
from outreach.matching.scoring import PairFeatures, score_pairs
from tests.graph import CHANNEL_SETS, LABELS, make_pair, random_pair

SETTINGS = MatcherSettings(election_date=date(2026, 11, 3))
NAMES = load_state_names()
SEPTEMBER = date(2026, 9, 15)
MONTH_DAY = re.compile(
    r"(January|February|March|April|May|June|July|August|September|October|November|December)"
    r" \d{1,2}"
)
FORBIDDEN = re.compile(r"supporter|score|impact|model|percent|probab|%", re.IGNORECASE)


def reasons(pair: PairFeatures, settings: MatcherSettings = SETTINGS) -> list[str]:
    b = impact(pair, settings, channel="call", tie=0.5, as_of=SEPTEMBER)
    return reasons_for(pair, b, settings, state_names=NAMES)


def test_a_swing_state_friend_who_rarely_votes() -> None:
    pair = make_pair(
        state="WI",
        turnout_score=0.41,
        vote_history=[True, False, False, False],
        channels=frozenset({"phone", "email"}),
    )
    assert reasons(pair) == [
        "Lives in Wisconsin, one of the states most likely to decide the election",
        "Registered, but has voted in only one of the last four elections",
        "You can reach them by phone and email",
    ]


def test_an_unregistered_friend_hears_the_deadline() -> None:
    pair = make_pair(state="PA", registration_status="unregistered", labels=("Mom",))
    assert reasons(pair) == [
        "Lives in Pennsylvania, one of the states most likely to decide the election",
        "Not yet registered — Pennsylvania's registration deadline is October 19",
        "You listed them as family",
    ]


def test_election_day_registration_states_say_so() -> None:
    pair = make_pair(state="MI", registration_status="unregistered")
    assert "Not yet registered — Michigan lets voters register up to election day" in reasons(pair)


def test_districts_and_lesser_targets_are_named_in_words() -> None:
    ne2 = reasons(make_pair(state="NE", district="2"))
    assert ne2[0] == (
        "Lives in Nebraska's second congressional district, "
        "one of the places most likely to decide the election"
    )
    az = reasons(make_pair(state="AZ"))
    assert az[0] == "Lives in Arizona, one of the states this campaign is focused on"


def test_the_supporters_own_words_about_the_friendship_come_before_channels() -> None:
    close = make_pair(closeness=0.9, channels=frozenset({"social"}))
    assert reasons(close)[1:] == ["You said you're close", "You can reach them by social media"]
    starred = make_pair(favorite=True, channels=frozenset({"phone"}))
    assert reasons(starred)[1:] == ["They're one of your favorites", "You can reach them by phone"]


def test_no_reasons_when_there_is_no_ask() -> None:
    assert reasons(make_pair(state="CA")) == []
    assert reasons(make_pair(do_not_contact=True)) == []
    assert reasons(make_pair(support_score=0.4)) == []  # above the floor, but a net loss


def test_reciprocity_and_household_are_never_mentioned() -> None:
    plain = reasons(make_pair())
    linked = reasons(make_pair(reciprocal=True, same_household=True))
    assert plain == linked


pairs = st.builds(
    make_pair,
    state=st.sampled_from(["WI", "PA", "NV", "AZ", "MI", "NE", "ME", "NH", "NC"]),
    district=st.sampled_from([None, "1", "2", "3"]),
    match_p=st.floats(0.5, 1.0),
    turnout_score=st.one_of(st.none(), st.floats(0.0, 1.0)),
    vote_history=st.lists(st.booleans(), max_size=8),
    support_score=st.one_of(st.none(), st.floats(0.0, 1.0)),
    registration_status=st.sampled_from(["active", "inactive", "unregistered", None]),
    channels=st.sampled_from(CHANNEL_SETS),
    reciprocal=st.booleans(),
    same_household=st.booleans(),
    favorite=st.booleans(),
    labels=st.sampled_from(LABELS),
    closeness=st.one_of(st.none(), st.floats(0.0, 1.0)),
)


@given(pairs, st.dates(date(2026, 8, 1), date(2026, 11, 3)))
def test_reasons_never_carry_a_number_or_a_forbidden_word(pair: PairFeatures, as_of: date) -> None:
    b = impact(pair, SETTINGS, channel="call", tie=0.5, as_of=as_of)
    said = reasons_for(pair, b, SETTINGS, state_names=NAMES)
    assert len(said) <= 3
    for reason in said:
        assert not FORBIDDEN.search(reason), reason
        assert not re.search(r"\d", MONTH_DAY.sub("", reason)), reason
        assert reason == reason.strip() and reason[0].isupper()


def test_fast_scoring_gives_the_same_reasons_within_the_limits() -> None:
    rng = random.Random(5)
    scored = score_pairs([random_pair(rng) for _ in range(3000)], SETTINGS, as_of=SEPTEMBER)
    said = [r for p in scored for r in p.reasons]
    assert said
    assert all(len(p.reasons) <= 3 for p in scored)
    assert not any(FORBIDDEN.search(r) for r in said)
