"""Coverage: by state, the friends in the target geographies assigned, asked, and answering.

Now (the reach report's figures) and over time (friends first asked, and answers, day by
day, with running totals), so an organizer sees where the program is moving and where
it stalls.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from neo4j import Driver

from graph import analytics
from graph.coverage import answers, first_asks
from outreach.usecases.reports import STATUS_COLUMNS, geos_or_targets

ANSWER_COLUMNS = tuple(c for c in STATUS_COLUMNS if c != "no_reply")


def coverage(driver: Driver, *, geos: list[str] | None = None) -> dict[str, Any]:
    """By state: reachable, held out, assigned, asked and each answer now; and by day."""
    codes = geos_or_targets(driver, geos)
    now = analytics.reach_by_geo(driver, geos=codes)
    days: dict[str, dict[str, dict[str, int]]] = defaultdict(dict)

    def cell(state: str, day: str) -> dict[str, int]:
        return days[state].setdefault(day, {"asked": 0, **dict.fromkeys(ANSWER_COLUMNS, 0)})

    for row in first_asks(driver, geos=codes):
        cell(str(row["state"]), str(row["day"]))["asked"] += int(row["asked"])
    for row in answers(driver, geos=codes):
        if row["outcome"] in ANSWER_COLUMNS:
            cell(str(row["state"]), str(row["day"]))[str(row["outcome"])] += int(row["friends"])
    over_time = []
    for state in sorted(days):
        running = 0
        for day in sorted(days[state]):
            running += days[state][day]["asked"]
            over_time.append(
                {"state": state, "day": day, **days[state][day], "asked_to_date": running}
            )
    return {"geos": codes, "by_state": now, "over_time": over_time}
