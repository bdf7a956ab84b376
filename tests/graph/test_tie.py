"""Tie strength: the documented levels, the supporter's override, and monotonicity."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from outreach.matching.matcher_settings import MatcherSettings
from outreach.matching.tie import TieSignals, label_hints, tie_strength

SETTINGS = MatcherSettings()
LABELS = ["Family", "Mom", "* starred", "Coworkers", "friends", "Best Friend", "gym", "Sister"]

signals = st.builds(
    TieSignals,
    channels=st.frozensets(st.sampled_from(["phone", "email", "social"])),
    reciprocal=st.booleans(),
    same_household=st.booleans(),
    favorite=st.booleans(),
    labels=st.lists(st.sampled_from(LABELS), max_size=3).map(tuple),
    closeness=st.none(),
)


def tie(**fields: object) -> float:
    return tie_strength(TieSignals(**fields), SETTINGS)  # type: ignore[arg-type]


def test_documented_levels() -> None:
    phone = frozenset({"phone"})
    assert tie(channels=phone) == 0.2
    assert tie() == 0.2
    assert tie(channels=frozenset({"phone", "email"})) == 0.5
    assert tie(channels=phone, reciprocal=True) == 0.5
    assert tie(channels=phone, favorite=True) == 0.5
    assert tie(channels=phone, labels=("* starred",)) == 0.5
    assert tie(channels=phone, reciprocal=True, favorite=True) == 0.75
    assert tie(channels=frozenset({"phone", "email"}), reciprocal=True, favorite=True) == 1.0
    assert tie(channels=phone, same_household=True) == 1.0
    assert tie(channels=phone, labels=("Mom",)) == 1.0
    assert tie(channels=phone, labels=("Best friends",)) == 1.0


def test_organizer_tie_values_are_used() -> None:
    custom = MatcherSettings(tie_values={"acquaintance": 0.1, "friend": 0.3, "close": 0.9})
    assert tie_strength(TieSignals(channels=frozenset({"phone"})), custom) == 0.1
    assert tie_strength(TieSignals(reciprocal=True), custom) == 0.3
    assert tie_strength(TieSignals(labels=("family",)), custom) == 0.9
    assert tie_strength(TieSignals(same_household=True), custom) == 1.0


@pytest.mark.parametrize("closeness", [0.0, 0.3, 1.0])
def test_the_supporters_own_closeness_overrides_every_signal(closeness: float) -> None:
    everything = TieSignals(
        channels=frozenset({"phone", "email", "social"}),
        reciprocal=True,
        same_household=True,
        favorite=True,
        labels=("Family",),
        closeness=closeness,
    )
    assert tie_strength(everything, SETTINGS) == closeness


def test_labels_are_read_case_insensitively() -> None:
    assert label_hints(["* myContacts", "FAMILY"]).family
    assert label_hints(["My Husband"]).family
    assert label_hints(["* starred"]).favorite
    assert label_hints(["Friends"]).friend
    none = label_hints(["Coworkers", "gym", "Dadaism"])
    assert not (none.family or none.friend or none.favorite)


@given(signals)
def test_tie_is_in_zero_one(s: TieSignals) -> None:
    assert 0.0 <= tie_strength(s, SETTINGS) <= 1.0


@given(
    signals,
    st.sampled_from(["channel", "reciprocal", "household", "favorite", "label"]),
    st.sampled_from(["phone", "email", "social"]),
    st.sampled_from(LABELS),
)
def test_adding_a_signal_never_lowers_the_tie(
    s: TieSignals, signal: str, channel: str, label: str
) -> None:
    more = {
        "channel": replace(s, channels=s.channels | {channel}),
        "reciprocal": replace(s, reciprocal=True),
        "household": replace(s, same_household=True),
        "favorite": replace(s, favorite=True),
        "label": replace(s, labels=(*s.labels, label)),
    }[signal]
    assert tie_strength(more, SETTINGS) >= tie_strength(s, SETTINGS)
