"""Matcher settings: the defaults of the impact model, validation messages, stable hashing."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from outreach.core.errors import SettingsInvalid
from outreach.matching.election import calendar_warnings
from outreach.matching.matcher_settings import (
    ORGANIZER_WEIGHTS_SOURCE,
    SHIPPED_WEIGHTS_SOURCE,
    MatcherSettings,
    default_registration_deadlines,
    default_targets,
    general_election_day,
    known_codes,
    load_default_weights,
    load_state_names,
    load_vpi,
    next_general_election,
    parse_settings,
    revise_settings,
    settings_fingerprint,
)


def test_default_targets_are_the_geographies_with_voter_power_of_at_least_one() -> None:
    assert default_targets() == [
        "AK", "AZ", "CO", "FL", "ME-2", "MI", "MN", "NC", "NE-2", "NH", "NM", "NV", "PA", "WI",
    ]  # fmt: skip
    assert MatcherSettings().targets == default_targets()


def test_default_weights_are_voter_power_normalized_to_the_top_target() -> None:
    s = MatcherSettings()
    assert set(s.weights) == set(s.targets)
    assert s.weights["WI"] == 1.0
    assert s.weights["PA"] == pytest.approx(5.609637 / 7.163742)
    assert s.weights["NE-2"] == pytest.approx(6.207911 / 7.163742)
    assert all(0.0 <= w <= 1.0 for w in s.weights.values())
    assert s.weight_of("CA") == 0.0


def test_shipped_file_covers_states_dc_and_districts() -> None:
    codes = known_codes()
    assert len(codes) == 56
    assert {"DC", "ME-1", "ME-2", "NE-1", "NE-2", "NE-3"} <= codes
    assert load_vpi()["WI"] == pytest.approx(7.163742)
    assert max(load_default_weights().values()) == 1.0
    names = load_state_names()
    assert names["WI"] == "Wisconsin"
    assert names["NE-2"] == "Nebraska's second congressional district"


def test_model_defaults_match_the_spec() -> None:
    s = MatcherSettings()
    assert (s.k, s.n) == (1, 10)
    assert s.beta == {"call": 0.110, "in_person": 0.110, "text": 0.040, "social": 0.0156}
    assert s.tie_values == {"household": 1.0, "close": 1.0, "friend": 0.5, "acquaintance": 0.2}
    assert s.default_channel == "text"
    assert (s.support_floor, s.support_prior, s.side) == (0.35, 0.65, "DEM")
    assert (s.support_same_party, s.support_other_party) == (0.85, 0.15)
    assert set(s.persuade.values()) == {0.0}
    assert set(s.deliver.values()) == {0.5}
    assert s.reg_lift == {"call": 0.04, "in_person": 0.06, "text": 0.04, "social": 0.01}
    assert s.p_new_voter == 0.33
    assert s.election_date == next_general_election(date.today())
    assert s.race == ("president" if s.election_date.year % 4 == 0 else "senate")
    assert s.weights_race == "president" and "2020 presidential" in s.weights_source
    assert (s.holdout_share, s.holdout_seed, s.min_match_probability) == (0.05, "2026", 0.5)


def test_the_default_election_is_the_next_general_election() -> None:
    assert general_election_day(2026) == date(2026, 11, 3)
    assert general_election_day(2028) == date(2028, 11, 7)
    assert general_election_day(2030) == date(2030, 11, 5)
    assert next_general_election(date(2026, 9, 1)) == date(2026, 11, 3)
    assert next_general_election(date(2026, 11, 3)) == date(2026, 11, 3)
    assert next_general_election(date(2026, 11, 4)) == date(2028, 11, 7)
    assert next_general_election(date(2027, 3, 1)) == date(2028, 11, 7)
    assert MatcherSettings(election_date=date(2028, 11, 7)).race == "president"
    assert MatcherSettings(election_date=date(2026, 11, 3)).race == "senate"


def test_registration_deadlines_cover_every_state_and_respect_election_day() -> None:
    s = MatcherSettings(election_date=date(2026, 11, 3))
    deadlines = s.registration_deadlines
    assert len(deadlines) == 51
    assert deadlines["PA"] == date(2026, 10, 19)
    for same_day in ("WI", "MI", "MN", "ME", "NV"):
        assert deadlines[same_day] == s.election_date
    assert all(d <= s.election_date for d in deadlines.values())
    assert default_registration_deadlines() == deadlines
    later = MatcherSettings(election_date=date(2028, 11, 7)).registration_deadlines
    assert later["PA"] == date(2028, 10, 23)  # 15 days before
    assert later["GA"].weekday() == 0  # the fifth Monday before
    moved = revise_settings(s, {"election_date": "2028-11-07"})
    assert moved.registration_deadlines == later  # default deadlines follow the date
    own = revise_settings(s, {"registration_deadlines": {"PA": "2026-10-01"}})
    assert revise_settings(own, {"election_date": "2026-11-10"}).registration_deadlines == {
        "PA": date(2026, 10, 1)
    }


def test_explicit_weights_are_normalized_like_the_defaults() -> None:
    s = MatcherSettings(targets=["wi", "PA"], weights={"WI": 7.0, "pa": 3.5})
    assert s.targets == ["PA", "WI"]
    assert s.weights == {"PA": 0.5, "WI": 1.0}


def test_a_weight_for_a_geography_outside_the_targets_counts_for_nothing() -> None:
    s = MatcherSettings(targets=["WI"], weights={"WI": 2.0, "CA": 5.0})
    assert s.weights == {"WI": 1.0}
    assert s.weight_of("CA") == 0.0


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"targets": ["WI", "XX"]}, "targets", "unknown geography code 'XX'"),
        ({"targets": ["WI"], "weights": {"ZZ": 1.0}}, "weights", "unknown geography code 'ZZ'"),
        ({"targets": ["WI", "PA"], "weights": {"WI": 1.0}}, "weights", "missing: PA"),
        ({"targets": ["WI"], "weights": {"WI": -1.0}}, "weights", "must not be negative"),
        ({"targets": ["WI"], "weights": {"WI": 0.0}}, "weights", "positive weight"),
        ({"targets": []}, "targets", "at least 1 item"),
        ({"k": 0}, "k", "greater than or equal to 1"),
        ({"beta": {"email": 0.1}}, "beta", "unknown channel 'email'"),
        ({"deliver": {"text": 1.5}}, "deliver.text", "less than or equal to 1"),
        ({"tie_values": {"friend": 0.1}}, "", "must not decrease"),
        ({"registration_deadlines": {"NE-2": "2026-10-01"}}, "registration_deadlines", "per state"),
        (
            {"election_date": "2026-11-03", "registration_deadlines": {"WI": "2026-12-01"}},
            "",
            "after election day",
        ),
        ({"holdout_share": 1.0}, "holdout_share", "less than 1"),
        ({"surprise": 1}, "surprise", "Extra inputs are not permitted"),
    ],
)
def test_invalid_settings_name_the_field_and_the_problem(
    data: dict[str, object], field: str, words: str
) -> None:
    with pytest.raises(SettingsInvalid) as caught:
        parse_settings(data)
    error = caught.value
    assert words in error.detail
    fields = [e["field"] or "" for e in error.extra["errors"]]
    assert any(f.startswith(field) for f in fields), fields
    assert error.status == 422


def test_pydantic_error_names_the_unknown_code() -> None:
    with pytest.raises(ValidationError, match="unknown geography code 'QQ'"):
        MatcherSettings(targets=["QQ"])


def test_partial_channel_settings_keep_the_other_defaults() -> None:
    s = MatcherSettings(beta={"text": 0.15})
    assert s.beta == {"call": 0.110, "in_person": 0.110, "text": 0.15, "social": 0.0156}


def test_settings_round_trip_through_json_unchanged() -> None:
    s = MatcherSettings(targets=["WI", "NE-2"], k=2, holdout_seed="autumn")
    again = MatcherSettings.model_validate_json(s.model_dump_json())
    assert again == s
    assert settings_fingerprint(again) == settings_fingerprint(s)


def test_fingerprint_ignores_order_and_spelling_but_not_values() -> None:
    a = MatcherSettings(targets=["WI", "PA"])
    b = MatcherSettings(targets=["pa", "wi"])
    assert settings_fingerprint(a) == settings_fingerprint(b)
    assert settings_fingerprint(a) != settings_fingerprint(MatcherSettings(targets=["WI"]))
    assert len(settings_fingerprint(a)) == 16


@given(st.dictionaries(st.sampled_from(sorted(known_codes())), st.floats(0.01, 1000), min_size=1))
def test_any_positive_weights_normalize_into_zero_one_with_a_top_of_one(
    raw: dict[str, float],
) -> None:
    s = MatcherSettings(targets=list(raw), weights=raw)
    assert max(s.weights.values()) == 1.0
    assert all(0.0 < w <= 1.0 for w in s.weights.values())
    assert MatcherSettings(targets=s.targets, weights=s.weights).weights == s.weights


def test_revising_settings_validates_and_refreshes_default_weights() -> None:
    custom = MatcherSettings(targets=["WI", "PA"], weights={"WI": 1.0, "PA": 1.0})
    assert revise_settings(custom, {"k": 2}).weights == {"PA": 1.0, "WI": 1.0}
    moved = revise_settings(custom, {"targets": ["WI", "NV"]})
    assert moved.weights == {"NV": pytest.approx(3.824542 / 7.163742), "WI": 1.0}
    with pytest.raises(SettingsInvalid, match="n: Input should be greater than or equal to 1"):
        revise_settings(custom, {"n": 0})


def test_settings_stored_by_earlier_versions_still_load() -> None:
    old = MatcherSettings().model_dump(mode="json")
    del old["weights_source"], old["weights_race"]
    old.update(support_unknown=0.5, turnout_unknown=0.5, reg_lift=0.03)
    s = MatcherSettings.model_validate(old)
    assert s.reg_lift == dict.fromkeys(("call", "in_person", "text", "social"), 0.03)
    assert not hasattr(s, "support_unknown")
    assert s.weights_source == ORGANIZER_WEIGHTS_SOURCE  # weights were stored explicitly


def test_weights_carry_the_race_they_describe() -> None:
    shipped = MatcherSettings()
    assert shipped.weights_source == SHIPPED_WEIGHTS_SOURCE
    same = MatcherSettings.model_validate_json(shipped.model_dump_json())
    assert (same.weights_source, same.weights_race) == (SHIPPED_WEIGHTS_SOURCE, "president")
    own = revise_settings(shipped, {"weights": {code: 1.0 for code in shipped.targets}})
    assert (own.weights_source, own.weights_race) == (ORGANIZER_WEIGHTS_SOURCE, None)
    back = revise_settings(own, {"targets": ["WI", "PA"]})
    assert (back.weights_source, back.weights_race) == (SHIPPED_WEIGHTS_SOURCE, "president")
    labelled = revise_settings(
        shipped, {"weights": {code: 1.0 for code in shipped.targets}, "weights_race": "senate"}
    )
    assert labelled.weights_race == "senate"


def test_the_organizer_is_warned_when_weights_do_not_fit_the_race_or_the_election_is_over() -> None:
    shipped = MatcherSettings(election_date=date(2026, 11, 3))  # 2026 Senate, 2020 weights
    before = calendar_warnings(shipped, date(2026, 9, 1))
    assert any("describe a presidential race" in w for w in before)
    assert any("2020 forecast" in w for w in before)
    assert not any("is over" in w for w in before)
    after = calendar_warnings(shipped, date(2026, 11, 4))
    assert any("is over: nobody is asked" in w for w in after)
    soon = calendar_warnings(shipped, date(2026, 10, 25))
    assert any("is in 9 days" in w for w in soon)
    assert any("Registration has closed in" in w and "PA" in w for w in soon)
    wrong_year = MatcherSettings(race="president", election_date=date(2026, 11, 3))
    assert any(
        "no presidential election" in w for w in calendar_warnings(wrong_year, date(2026, 9, 1))
    )
    fitting = revise_settings(
        shipped, {"race": "president", "election_date": "2028-11-07", "registration_deadlines": {}}
    )
    fits = calendar_warnings(fitting, date(2028, 9, 1))
    assert not any("describe a" in w or "no presidential" in w for w in fits)
    assert any("2020 forecast" in w for w in fits)  # still dated
