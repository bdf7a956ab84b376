"""Lift from validated turnout, on planted effects: the report finds what was put there.

Held-out friends vote at rate ``p``; assigned friends at ``p + d`` (the effect works only
through an ask, so asked friends vote at ``p + d / ask_rate`` and the others at ``p``).
The report must recover ``d`` (intent to treat) and ``d / ask_rate`` (compliers) inside
its intervals, and claim no effect when ``d`` is zero.
"""

from __future__ import annotations

import numpy as np
import pytest

from outreach.matching.turnout_lift import Unit, estimate_lift, lift_report

P = 0.45
ASK_RATE = 0.6


def planted(
    rng: np.random.Generator, *, d: float, assigned: int, held: int, state: str = "WI"
) -> list[Unit]:
    """Friends in two arms with turnout ``P`` held out and ``P + d`` assigned, on average."""
    units = [
        Unit(state=state, held_out=True, asked=False, voted=bool(rng.random() < P), cluster=f"h{i}")
        for i in range(held)
    ]
    for i in range(assigned):
        asked = bool(rng.random() < ASK_RATE)
        rate = P + d / ASK_RATE if asked else P
        units.append(
            Unit(
                state=state,
                held_out=False,
                asked=asked,
                voted=bool(rng.random() < rate),
                cluster=f"t{i}",
            )
        )
    return units


@pytest.mark.parametrize("d", [0.0, 0.04, 0.10])
def test_one_campaign_recovers_the_planted_effect_within_its_interval(d: float) -> None:
    rng = np.random.default_rng(2026)
    report = estimate_lift(planted(rng, d=d, assigned=6000, held=3000))
    itt, cace = report["itt"], report["cace"]
    assert itt["ci_low"] <= d <= itt["ci_high"], itt
    assert cace["ci_low"] <= d / ASK_RATE <= cace["ci_high"], cace
    assert abs(report["ask_rate"] - ASK_RATE) < 0.03
    if d == 0.0:
        assert report["verdict"] == "no_detectable_effect"  # powered, and no effect claimed
    else:
        assert report["verdict"] == "lift"
        assert report["minimum_detectable_effect"] < d


@pytest.mark.parametrize("d", [0.0, 0.04, 0.10])
def test_intervals_cover_the_planted_effect_about_95_times_in_100(d: float) -> None:
    rng = np.random.default_rng(7)
    covered = claimed = 0
    runs = 200
    for _ in range(runs):
        report = estimate_lift(planted(rng, d=d, assigned=2000, held=1000))
        covered += report["itt"]["ci_low"] <= d <= report["itt"]["ci_high"]
        claimed += report["verdict"] in ("lift", "drop")
    # Binomial(200, 0.95): mean 190, standard deviation about 3; allow four of them.
    assert covered >= 178
    if d == 0.0:
        assert claimed <= 22  # a false claim about 5 times in 100
    if d == 0.10:
        assert claimed >= 190  # an effect this size is found nearly every time


def test_a_small_holdout_is_too_small_to_conclude() -> None:
    rng = np.random.default_rng(1)
    report = estimate_lift(planted(rng, d=0.02, assigned=400, held=20))
    assert report["verdict"] == "too_small_to_conclude"


def test_an_empty_arm_says_there_is_no_data() -> None:
    rng = np.random.default_rng(1)
    units = [u for u in planted(rng, d=0.0, assigned=50, held=50) if not u.held_out]
    report = estimate_lift(units)
    assert report["verdict"] == "no_data"
    assert report["itt"] is None


def test_clustered_households_widen_the_interval() -> None:
    rng = np.random.default_rng(3)
    base = planted(rng, d=0.0, assigned=2000, held=1000)
    # The same friends, each household now two friends who vote alike.
    doubled = [*base, *(Unit(u.state, u.held_out, u.asked, u.voted, u.cluster) for u in base)]
    singles = [
        Unit(u.state, u.held_out, u.asked, u.voted, f"{u.cluster}-{i}")
        for i, u in enumerate(doubled)
    ]
    clustered = estimate_lift(doubled)["itt"]
    naive = estimate_lift(singles)["itt"]
    width = clustered["ci_high"] - clustered["ci_low"]
    assert width > 1.3 * (naive["ci_high"] - naive["ci_low"])


def test_the_report_gives_each_state_and_the_whole() -> None:
    rng = np.random.default_rng(5)
    units = planted(rng, d=0.10, assigned=3000, held=1500, state="PA")
    units += planted(rng, d=0.0, assigned=3000, held=1500, state="WI")
    report = lift_report(units)
    states = {row["state"]: row for row in report["by_state"]}
    assert list(states) == ["PA", "WI"]
    assert states["PA"]["verdict"] == "lift"
    assert states["WI"]["verdict"] not in ("lift", "drop")
    assert report["overall"]["arms"]["assigned"]["friends"] == 6000
    assert report["overall"]["itt"]["ci_low"] <= 0.05 <= report["overall"]["itt"]["ci_high"]
