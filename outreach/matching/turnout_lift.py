"""Lift from validated turnout: the holdout experiment read after the election.

The holdout draw (``outreach.matching.holdout``) splits the friends who would have been
assigned into two arms at random: *assigned* (treated) and *held out* (never asked). Once
the state's vote history for the election is loaded, every friend in either arm has a
validated outcome: voted or not. Two estimates follow, by state and overall:

* **intent to treat** (ITT): turnout of the assigned arm minus turnout of the held-out arm,
  whether or not the supporter actually asked. The randomization alone makes it unbiased.
  Computed as the slope of an ordinary least-squares fit of ``voted`` on ``assigned``
  (statsmodels), with standard errors robust to clustering by the randomization unit (the
  household when the holdout was drawn by household), so friends of one household who
  move together are not counted as independent evidence.
* **complier average causal effect** (CACE): the effect on the friends who were asked.
  Only assigned friends can be asked (one-sided noncompliance), so it is the ITT divided by
  the share of assigned friends who were asked (the Wald / instrumental-variable
  estimator). Its standard error is the delta method's: the cluster-robust error of the ITT
  of ``voted - cace * asked``, divided by the ask rate.

A verdict says what the figures support: ``lift`` or ``drop`` when the interval excludes
zero; ``too_small_to_conclude`` when an arm has fewer than ``min_units`` randomization units
or the smallest effect the sample could detect (80% power, the held-out turnout as the base
rate) is above ``max_detectable``; otherwise ``no_detectable_effect``. Nothing here reads the
graph: rows come in, figures go out. The method and its assumptions: ``docs/lift.md``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import statsmodels.api as sm
from scipy.stats import norm

from outreach.matching.holdout import minimum_detectable_lift

Verdict = Literal["lift", "drop", "no_detectable_effect", "too_small_to_conclude", "no_data"]
MIN_UNITS = 30
MAX_DETECTABLE = 0.10


@dataclass(frozen=True, slots=True)
class Unit:
    """One friend of the holdout pool: their arm, whether asked, whether they voted."""

    state: str
    held_out: bool
    asked: bool
    voted: bool
    cluster: str  # the randomization unit: the household, or the friend


@dataclass(frozen=True, slots=True)
class Estimate:
    """A point estimate with its confidence interval and two-sided p-value."""

    estimate: float
    ci_low: float
    ci_high: float
    p_value: float

    def as_dict(self) -> dict[str, float]:
        """Rounded for a report."""
        return {
            "estimate": round(self.estimate, 4),
            "ci_low": round(self.ci_low, 4),
            "ci_high": round(self.ci_high, 4),
            "p_value": round(self.p_value, 4),
        }


def _cluster_slope(y: np.ndarray, x: np.ndarray, groups: np.ndarray, alpha: float) -> Estimate:
    """OLS slope of ``y`` on a 0/1 ``x`` with an intercept, errors clustered by ``groups``."""
    design = sm.add_constant(x.astype(float), has_constant="add")
    fit = sm.OLS(y.astype(float), design).fit(
        cov_type="cluster", cov_kwds={"groups": groups, "use_correction": True}, use_t=False
    )
    slope = float(fit.params[1])
    se = float(fit.bse[1])
    return _normal(slope, se, alpha)


def _normal(value: float, se: float, alpha: float) -> Estimate:
    z = float(norm.ppf(1.0 - alpha / 2.0))
    if not np.isfinite(se) or se <= 0.0:
        return Estimate(value, value, value, 0.0 if value != 0.0 else 1.0)
    p = float(2.0 * norm.sf(abs(value) / se))
    return Estimate(value, value - z * se, value + z * se, p)


def arm_summary(units: Sequence[Unit]) -> dict[str, dict[str, Any]]:
    """Friends, randomization units, asked and voted in each arm, with turnout."""
    out: dict[str, dict[str, Any]] = {}
    for name, held in (("assigned", False), ("held_out", True)):
        arm = [u for u in units if u.held_out is held]
        voted = sum(u.voted for u in arm)
        out[name] = {
            "friends": len(arm),
            "units": len({u.cluster for u in arm}),
            "asked": sum(u.asked for u in arm),
            "voted": voted,
            "turnout": round(voted / len(arm), 4) if arm else None,
        }
    return out


def estimate_lift(
    units: Sequence[Unit],
    *,
    alpha: float = 0.05,
    min_units: int = MIN_UNITS,
    max_detectable: float = MAX_DETECTABLE,
) -> dict[str, Any]:
    """ITT and CACE on validated turnout for one group of friends, with a verdict."""
    arms = arm_summary(units)
    assigned, held = arms["assigned"], arms["held_out"]
    out: dict[str, Any] = {"arms": arms, "itt": None, "cace": None, "ask_rate": None}
    if not assigned["friends"] or not held["friends"]:
        return {**out, "minimum_detectable_effect": None, "verdict": "no_data"}
    base = held["voted"] / held["friends"]
    mde = minimum_detectable_lift(
        treated=assigned["units"], held_out=held["units"], base_rate=base, alpha=alpha
    )
    out["minimum_detectable_effect"] = round(mde, 4) if mde is not None else None
    if min(assigned["units"], held["units"]) < 2:
        return {**out, "verdict": "too_small_to_conclude"}
    y = np.fromiter((u.voted for u in units), dtype=float, count=len(units))
    x = np.fromiter((not u.held_out for u in units), dtype=float, count=len(units))
    d = np.fromiter((u.asked and not u.held_out for u in units), dtype=float, count=len(units))
    groups = np.unique([u.cluster for u in units], return_inverse=True)[1]
    itt = _cluster_slope(y, x, groups, alpha)
    out["itt"] = itt.as_dict()
    ask_rate = assigned["asked"] / assigned["friends"]
    out["ask_rate"] = round(ask_rate, 4)
    if ask_rate > 0.0:
        cace = itt.estimate / ask_rate
        adjusted = _cluster_slope(y - cace * d, x, groups, alpha)
        se = (adjusted.ci_high - adjusted.estimate) / float(norm.ppf(1.0 - alpha / 2.0))
        out["cace"] = _normal(cace, se / ask_rate, alpha).as_dict()
    out["verdict"] = verdict(itt, assigned["units"], held["units"], mde, min_units, max_detectable)
    return out


def verdict(
    itt: Estimate,
    treated_units: int,
    held_units: int,
    mde: float | None,
    min_units: int,
    max_detectable: float,
) -> Verdict:
    """What the intent-to-treat interval supports, given the sample's size."""
    if min(treated_units, held_units) < min_units:
        return "too_small_to_conclude"
    if itt.ci_low > 0.0:
        return "lift"
    if itt.ci_high < 0.0:
        return "drop"
    if mde is None or mde > max_detectable:
        return "too_small_to_conclude"
    return "no_detectable_effect"


def lift_report(
    units: Iterable[Unit],
    *,
    alpha: float = 0.05,
    min_units: int = MIN_UNITS,
    max_detectable: float = MAX_DETECTABLE,
) -> dict[str, Any]:
    """The estimates overall and for each state, states sorted by code."""
    rows = list(units)
    by_state: dict[str, list[Unit]] = defaultdict(list)
    for unit in rows:
        by_state[unit.state].append(unit)

    def figures(group: Sequence[Unit]) -> dict[str, Any]:
        return estimate_lift(group, alpha=alpha, min_units=min_units, max_detectable=max_detectable)

    return {
        "overall": figures(rows),
        "by_state": [{"state": state, **figures(by_state[state])} for state in sorted(by_state)],
        "confidence": round(1.0 - alpha, 4),
        "min_units": min_units,
        "max_detectable": max_detectable,
    }
