"""Campaign reports: reach, bridges, the funnel, lift, the holdout and its power, expected votes."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from neo4j import Driver

from graph import analytics
from graph.config_store import current_settings
from graph.db.run import Row
from graph.model_inputs import arm_keys, holdout_arms, model_inputs
from graph.ranking import expected_gain, expected_gain_by_state
from outreach.core.errors import InvalidInput, RowError
from outreach.matching.election import calendar_warnings, election_year, settings_warnings
from outreach.matching.holdout import holdout_share_for, minimum_detectable_lift
from outreach.matching.impact import imputation_discount, party_side
from outreach.matching.matcher_settings import MatcherSettings, known_codes

STATUS_COLUMNS = analytics.STATUS_COLUMNS


def checked_geos(driver: Driver, geos: list[str] | None) -> list[str] | None:
    """The geographies asked for, as codes; InvalidInput names any that is unknown.

    A geography is a state or district code (WI, NE-2), or a state or district that the
    voter file uses (such as a congressional district WI-3).
    """
    if not geos:
        return None
    codes = [g.strip().upper() if g.strip().upper() in known_codes() else g.strip() for g in geos]
    unknown = [g for g in codes if g not in known_codes()]
    missing = sorted(set(unknown) - analytics.geos_in_voter_file(driver, unknown))
    if missing:
        raise InvalidInput(
            "unknown geography " + ", ".join(repr(g) for g in missing) + ": use a state or "
            "district code such as WI or NE-2, or a district the voter file names",
            [RowError(line=None, field="geo", reason=f"unknown geography {g!r}") for g in missing],
        )
    return list(dict.fromkeys(codes))


def geos_or_targets(driver: Driver, geos: list[str] | None) -> list[str]:
    """The geographies asked for (checked), or the target geographies in force."""
    return checked_geos(driver, geos) or analytics.target_geos(driver)


def reach(driver: Driver, *, geos: list[str] | None = None) -> list[Row]:
    """Per geography: reachable friends, held out, assigned, asked, and outcomes."""
    return analytics.reach_by_geo(driver, geos=geos_or_targets(driver, geos))


def bridges(driver: Driver, *, geos: list[str] | None = None, limit: int = 50) -> list[Row]:
    """Supporters who know the most friends in the target geographies."""
    return analytics.bridge_supporters(driver, geos=geos_or_targets(driver, geos), limit=limit)


def funnel(driver: Driver, *, geos: list[str] | None = None) -> Row:
    """Assigned, asked and each outcome, with rates."""
    return analytics.funnel(driver, geos=checked_geos(driver, geos))


def funnel_days(driver: Driver, *, geos: list[str] | None = None) -> list[Row]:
    """The funnel day by day."""
    return analytics.funnel_by_day(driver, geos=checked_geos(driver, geos))


def lift(driver: Driver, *, geos: list[str] | None = None) -> Row:
    """Positive outcomes among assigned friends against the holdout, with an interval."""
    codes = checked_geos(driver, geos)
    return {**analytics.lift(driver, geos=codes), "geos": codes}


def holdout(
    driver: Driver, *, geos: list[str] | None, offset: int, limit: int
) -> tuple[list[Row], int]:
    """The held-out friends' keys, for matching against validated turnout later."""
    codes = checked_geos(driver, geos)
    return analytics.holdout_keys(driver, geos=codes, offset=offset, limit=limit)


def expected_votes(driver: Driver, *, as_of: date | None = None) -> dict[str, Any]:
    """Expected net votes and their weighted value, in total and by state, with assumptions.

    ``expected_net_votes`` is in votes: the sum over assigned asks of deliver x match
    probability x net votes, with no state weight. ``weighted_value`` is what the matcher
    maximizes: the same, each weighted by its place's weight (votes as valuable as one in
    the top target). Mobilization and persuasion are reported as separate parts.
    """
    version, settings = current_settings(driver)
    day = as_of or date.today()
    gain = expected_gain(driver)
    stages = analytics.funnel(driver)
    interval = analytics.wilson_interval(stages["asked"], stages["assigned"])
    top = max(settings.weights, key=lambda code: settings.weights[code])
    by_state = [
        {
            "state": row["state"],
            "asks": int(row["asks"]),
            "expected_net_votes": round(float(row["expected_votes"] or 0.0), 4),
            "expected_mobilization": round(float(row["expected_mobilization"] or 0.0), 4),
            "expected_persuasion": round(float(row["expected_persuasion"] or 0.0), 4),
            "weighted_value": round(float(row["weighted_value"] or 0.0), 4),
            "asks_on_support_prior": int(row["support_from_prior"]),
            "asks_on_party": int(row["support_from_party"]),
            "asks_on_imputed_turnout": int(row["turnout_imputed"]),
        }
        for row in expected_gain_by_state(driver)
    ]
    return {
        "asks_assigned": gain["asks"],
        "expected_net_votes": round(gain["expected_votes"], 4),
        "weighted_value": round(gain["weighted_value"], 4),
        "weighted_value_unit": f"votes as valuable as one in {top} (the top target, weight 1)",
        "by_state": by_state,
        "ranking_versions": gain["versions"],
        "settings_version": version,
        "warnings": calendar_warnings(settings, day) + settings_warnings(settings),
        "assumptions": assumptions(settings),
        "measured_delivery": {
            "friends_assigned": stages["assigned"],
            "friends_asked": stages["asked"],
            "ask_rate": stages["ask_rate"],
            "interval_95": list(interval) if interval else None,
            "prior": settings.deliver,
            "note": (
                "Asks are known only when supporters record them, so this is a lower bound; "
                "once it is steady, set `deliver` to it in the settings."
            ),
        },
    }


def assumptions(settings: MatcherSettings) -> dict[str, Any]:
    """The model's assumptions, as the organizer's page states them next to the figures."""
    return {
        "formula": (
            "expected_net_votes = deliver * match_probability * net_votes; "
            "weighted_value = expected_net_votes * state_weight; "
            "net_votes = turnout_gain * (2 * support - 1) "
            "+ 2 * persuade * (1 - support) * p_after"
        ),
        "race": settings.race,
        "election_date": settings.election_date.isoformat(),
        "deliver": settings.deliver,
        "beta": settings.beta,
        "persuade": settings.persuade,
        "reg_lift": settings.reg_lift,
        "p_new_voter": settings.p_new_voter,
        "support_floor": settings.support_floor,
        "support": {
            "order": ["campaign model score", "party registration or primary ballot", "prior"],
            "side": settings.side,
            "same_party": settings.support_same_party,
            "other_party": settings.support_other_party,
            "prior_for_a_supporters_friend": settings.support_prior,
        },
        "turnout_when_unknown": {
            "presidential_year": settings.turnout_prior_presidential,
            "midterm_year": settings.turnout_prior_midterm,
            "scaled_by_age": True,
            "gain_discount": round(imputation_discount(settings), 4),
        },
        "weights": settings.weights_source,
        "weights_race": settings.weights_race,
        "note": "Every parameter is a prior until outcomes and the holdout measure it.",
    }


def model_inputs_report(driver: Driver, *, supporter_id: str | None = None) -> dict[str, Any]:
    """How much of the graph rests on the support prior and on imputed turnout, by state.

    Counts friends known to a supporter (or to ``supporter_id``: what an upload brought)
    and matched to a voter in the targets: how many have a campaign score, a major-party
    registration (or primary ballot), or only the prior; and how many have turnout from
    the file versus imputed.
    """
    _, settings = current_settings(driver)
    geos = [g for g in settings.targets if settings.weights.get(g, 0) > 0]
    keys = ("friends", "support_score", "support_party", "support_prior", "turnout_imputed")
    per_state: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(keys, 0))
    for row in model_inputs(driver, geos=geos, supporter_id=supporter_id):
        counts = per_state[str(row["state"])]
        n = int(row["friends"])
        counts["friends"] += n
        if row["scored"]:
            counts["support_score"] += n
        elif party_side(row["party"]) is not None:
            counts["support_party"] += n
        else:
            counts["support_prior"] += n
        if not row["turnout_known"]:
            counts["turnout_imputed"] += n
    total = dict.fromkeys(keys, 0)
    for counts in per_state.values():
        for key in keys:
            total[key] += counts[key]
    share = total["support_prior"] / total["friends"] if total["friends"] else None
    return {
        "friends": total,
        "share_on_support_prior": round(share, 4) if share is not None else None,
        "by_state": [{"state": st, **per_state[st]} for st in sorted(per_state)],
        "support_prior": settings.support_prior,
    }


def holdout_power(driver: Driver, *, alpha: float = 0.05, power: float = 0.8) -> dict[str, Any]:
    """The holdout's size and the smallest lift in turnout it can detect at that size.

    Counts randomization units (households where the file gives one, else friends), a
    conservative choice: it treats members of one household as moving together. The base
    rate is the turnout prior for the election's kind.
    """
    version, settings = current_settings(driver)
    arms = holdout_arms(driver)
    held = arms.get("held_out", {})
    treated = arms.get("treated", {})
    kind = election_year(settings.election_date)
    base = (
        settings.turnout_prior_presidential
        if kind == "presidential"
        else settings.turnout_prior_midterm
    )
    held_units, treated_units = int(held.get("units") or 0), int(treated.get("units") or 0)
    mde = minimum_detectable_lift(
        treated=treated_units, held_out=held_units, base_rate=base, alpha=alpha, power=power
    )
    return {
        "settings_version": version,
        "holdout_share": settings.holdout_share,
        "randomized_by": "household" if settings.holdout_by_household else "friend",
        "held_out": {"friends": int(held.get("friends") or 0), "units": held_units},
        "treated": {"friends": int(treated.get("friends") or 0), "units": treated_units},
        "base_rate": base,
        "alpha": alpha,
        "power": power,
        "minimum_detectable_lift": round(mde, 4) if mde is not None else None,
        "share_to_detect": {
            f"{lift:.2f}": share_for(held_units + treated_units, lift, base, alpha, power)
            for lift in (0.02, 0.03, 0.05)
        },
        "note": (
            "The smallest rise in turnout, as a share, that a two-sided test comparing the "
            "assigned friends with the held-out ones (intent to treat, on validated turnout) "
            "detects with this power; drawn among friends who would have been assigned."
        ),
    }


def share_for(units: int, lift: float, base: float, alpha: float, power: float) -> float | None:
    """The holdout share that would detect ``lift`` among ``units``, rounded; None if none can."""
    share = holdout_share_for(friends=units, lift=lift, base_rate=base, alpha=alpha, power=power)
    return round(share, 4) if share is not None else None


def holdout_arm(driver: Driver, *, held_out: bool, offset: int, limit: int) -> list[Row]:
    """One page of one arm's friend keys (intent to treat): held out, or would-be-assigned."""
    return arm_keys(driver, held_out=held_out, offset=offset, limit=limit)
