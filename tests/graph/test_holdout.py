"""The holdout: deterministic, stable, monotone in the share, and the right size."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from outreach.matching.holdout import (
    holdout_draw,
    holdout_share_for,
    holdout_unit,
    is_held_out,
    minimum_detectable_lift,
)

KEYS = [f"person-{i:06d}" for i in range(100_000)]


def test_share_of_100k_keys_is_close_to_five_percent() -> None:
    held = sum(is_held_out(key, share=0.05, seed="2026") for key in KEYS)
    # Binomial(100k, 0.05) has a standard deviation of about 69; allow five of them.
    assert abs(held - 5_000) < 350


def test_a_different_seed_draws_a_different_holdout_of_the_same_size() -> None:
    a = {key for key in KEYS[:20_000] if is_held_out(key, share=0.05, seed="2026")}
    b = {key for key in KEYS[:20_000] if is_held_out(key, share=0.05, seed="2027")}
    assert abs(len(a) - len(b)) < 200
    assert len(a & b) < len(a) // 4  # about 5% overlap expected by chance


def test_zero_share_holds_out_nobody() -> None:
    assert not any(is_held_out(key, share=0.0, seed="2026") for key in KEYS[:1000])


@given(st.text(min_size=1), st.text(min_size=1))
def test_draw_is_deterministic_and_in_unit_interval(key: str, seed: str) -> None:
    first = holdout_draw(key, seed=seed)
    assert first == holdout_draw(key, seed=seed)
    assert 0.0 <= first < 1.0


@given(
    st.text(min_size=1),
    st.floats(0.0, 0.99),
    st.floats(0.0, 0.99),
)
def test_raising_the_share_only_adds_friends(key: str, low: float, high: float) -> None:
    low, high = min(low, high), max(low, high)
    if is_held_out(key, share=low, seed="2026"):
        assert is_held_out(key, share=high, seed="2026")


def test_seed_and_key_do_not_run_together() -> None:
    # ("ab", "c") and ("a", "bc") must be different inputs to the hash.
    assert holdout_draw("c", seed="ab") != holdout_draw("bc", seed="a")


def test_a_household_is_held_out_or_kept_as_one() -> None:
    assert holdout_unit("f1", "H9", by_household=True) == holdout_unit(
        "f2", "H9", by_household=True
    )
    assert holdout_unit("f1", None, by_household=True) == "f1"
    assert holdout_unit("f1", "H9", by_household=False) == "f1"
    keys = [f"friend{i}" for i in range(2000)]
    for i in range(0, 2000, 2):  # two-voter households
        a, b = (holdout_unit(k, f"H{i}", by_household=True) for k in keys[i : i + 2])
        assert is_held_out(a, share=0.3, seed="s") == is_held_out(b, share=0.3, seed="s")


def test_minimum_detectable_lift_follows_the_two_proportion_formula() -> None:
    mde = minimum_detectable_lift(treated=19_000, held_out=1_000, base_rate=0.5)
    assert mde == pytest.approx(0.0454, abs=5e-4)
    bigger = minimum_detectable_lift(treated=19_000, held_out=4_000, base_rate=0.5)
    assert bigger is not None and mde is not None and bigger < mde
    assert minimum_detectable_lift(treated=100, held_out=0, base_rate=0.5) is None
    share = holdout_share_for(friends=20_000, lift=0.03, base_rate=0.5)
    assert share is not None and 0 < share < 0.5
    held = round(20_000 * share)
    at_share = minimum_detectable_lift(treated=20_000 - held, held_out=held, base_rate=0.5)
    assert at_share == pytest.approx(0.03, rel=0.01)
    assert holdout_share_for(friends=50, lift=0.01, base_rate=0.5) is None
