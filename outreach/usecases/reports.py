"""Campaign reports: reach, bridge supporters, the funnel, lift, the holdout, expected votes."""

from __future__ import annotations

from typing import Any

from neo4j import Driver

from graph import analytics
from graph.config_store import current_settings
from graph.db.run import Row
from graph.ranking import expected_gain
from outreach.core.errors import InvalidInput, RowError
from outreach.matching.matcher_settings import known_codes

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


def expected_votes(driver: Driver) -> dict[str, Any]:
    """The expected net votes from every assigned ask, with the assumptions behind the figure."""
    version, settings = current_settings(driver)
    gain = expected_gain(driver)
    stages = analytics.funnel(driver)
    interval = analytics.wilson_interval(stages["asked"], stages["assigned"])
    return {
        "asks_assigned": gain["asks"],
        "expected_net_votes": round(gain["expected_votes"], 2),
        "ranking_versions": gain["versions"],
        "settings_version": version,
        "assumptions": {
            "formula": "deliver * match_probability * state_weight * net_votes, summed",
            "deliver": settings.deliver,
            "beta": settings.beta,
            "persuade": settings.persuade,
            "reg_lift": settings.reg_lift,
            "p_new_voter": settings.p_new_voter,
            "support_floor": settings.support_floor,
            "weights": "FiveThirtyEight 2020 voter power index, normalized to the top target",
            "note": "Every parameter is a prior until outcomes and the holdout measure it.",
        },
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
