"""The lift report: validated turnout of the holdout's two arms, after the election.

Load the state's vote history after the election (``voter_files.submit_history``); this
report then compares the friends who would have been assigned and were (the assigned
arm) with those the holdout kept back, as intent to treat and for the friends asked
(``outreach.matching.turnout_lift``), overall and by state. States whose history does
not hold the election yet are listed apart and left out of the estimates: a friend there
has no validated turnout, and counting them as non-voters would bias both arms.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from neo4j import Driver

from graph.config_store import current_settings
from graph.turnout_lift import pool_turnout, states_with_history
from outreach.core.errors import InvalidInput, RowError
from outreach.matching.turnout_lift import MAX_DETECTABLE, MIN_UNITS, Unit, lift_report
from outreach.usecases.reports import checked_geos

__all__ = ["MAX_DETECTABLE", "MIN_UNITS", "report"]

METHOD = (
    "Intent to treat: turnout of assigned minus held-out friends (OLS with errors clustered "
    "by randomization unit). Compliers: the same divided by the share of assigned friends "
    "asked (Wald estimator, delta-method interval). See docs/lift.md."
)


def report(
    driver: Driver,
    *,
    election: date | None = None,
    geos: list[str] | None = None,
    confidence: float = 0.95,
    min_units: int = MIN_UNITS,
    max_detectable: float = MAX_DETECTABLE,
) -> dict[str, Any]:
    """Lift in validated turnout for ``election`` (default: the election in the settings)."""
    if not 0.5 <= confidence < 1.0:
        raise InvalidInput(
            "confidence must be at least 0.5 and below 1",
            [RowError(line=None, field="confidence", reason="out of range")],
        )
    version, settings = current_settings(driver)
    day = (election or settings.election_date).isoformat()
    codes = checked_geos(driver, geos)
    rows = pool_turnout(driver, election=day, geos=codes)
    states = sorted({str(r["state"]) for r in rows})
    loaded = states_with_history(driver, election=day, states=states)
    by_household = settings.holdout_by_household
    units = [
        Unit(
            state=str(r["state"]),
            held_out=bool(r["held_out"]),
            asked=bool(r["asked"]),
            voted=bool(r["voted"]),
            cluster=(
                f"household:{r['household']}"
                if by_household and r["household"]
                else f"friend:{r['key']}"
            ),
        )
        for r in rows
        if str(r["state"]) in loaded
    ]
    figures = lift_report(
        units, alpha=1.0 - confidence, min_units=min_units, max_detectable=max_detectable
    )
    return {
        "election": day,
        "geos": codes,
        "settings_version": version,
        "randomized_by": "household" if by_household else "friend",
        "states_without_history": sorted(set(states) - loaded),
        **figures,
        "method": METHOD,
    }
