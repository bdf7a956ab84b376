"""The election the matcher works for: its race, its date, and what the organizer is warned of.

Asks stop once the election is over (``election_over``); before that, the organizer is
told how close it is and which registration deadlines have passed. The shipped state
weights describe the 2020 presidential race; ``calendar_warnings`` says so whenever they
do not fit the race and year that are set. A setting that cannot change anything
(a support floor below the point where the formula itself already asks no one) is
flagged too.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from outreach.matching.matcher_settings import (
    SHIPPED_WEIGHTS_SOURCE,
    SHIPPED_WEIGHTS_YEAR,
    MatcherSettings,
)

ElectionYear = Literal["presidential", "midterm", "off_year"]
SOON_DAYS = 14
RACE_NAMES = {
    "president": "presidential",
    "senate": "Senate",
    "governor": "governor's",
    "house": "House",
    "ballot_measure": "ballot-measure",
}


def election_over(as_of: date, settings: MatcherSettings) -> bool:
    """True once election day has passed: nobody is asked after it."""
    return as_of > settings.election_date


def election_year(day: date) -> ElectionYear:
    """The kind of federal general election held in ``day``'s year."""
    if day.year % 4 == 0:
        return "presidential"
    if day.year % 2 == 0:
        return "midterm"
    return "off_year"


def calendar_warnings(settings: MatcherSettings, as_of: date) -> list[str]:
    """What the organizer should know about the election set: over, near, weights unfit."""
    out: list[str] = []
    day = settings.election_date
    days = (day - as_of).days
    race = RACE_NAMES[settings.race]
    if days < 0:
        out.append(
            f"The election of {day.isoformat()} is over: nobody is asked until a new "
            "election date is set."
        )
    elif days <= SOON_DAYS:
        out.append(
            f"Election day ({day.isoformat()}) is in {days} day{'s' if days != 1 else ''}: "
            "asks after it are not made."
        )
    if days >= 0:
        closed = sorted(
            code
            for code, deadline in settings.registration_deadlines.items()
            if deadline < as_of and code in _target_states(settings)
        )
        if closed:
            out.append(
                "Registration has closed in " + ", ".join(closed) + ": unregistered friends "
                "there are no longer asked."
            )
    if settings.race == "president" and election_year(day) != "presidential":
        out.append(
            f"The race is set to president, but {day.year} has no presidential election: "
            "check the race and the election date."
        )
    if settings.weights_race is None:
        out.append(
            f"The state weights are {settings.weights_source or 'unlabelled'}; "
            f"set weights_race to say which race they describe."
        )
    elif settings.weights_race != settings.race:
        out.append(
            f"The state weights describe a {RACE_NAMES[settings.weights_race]} race "
            f"({settings.weights_source}), but the race set is a {race} race: "
            "set targets and weights for this race."
        )
    if settings.weights_source == SHIPPED_WEIGHTS_SOURCE and day.year != SHIPPED_WEIGHTS_YEAR:
        out.append(
            f"The shipped weights are from the {SHIPPED_WEIGHTS_YEAR} forecast; this election is "
            f"in {day.year}, when which states are close may differ."
        )
    return out


def settings_warnings(settings: MatcherSettings) -> list[str]:
    """Settings that have no effect as set, so the organizer is not misled by them."""
    out: list[str] = []
    if settings.support_floor < 0.5 and max(settings.persuade.values()) == 0.0:
        out.append(
            f"With persuasion at 0, friends below a support of 0.5 already score below zero, "
            f"so the support floor ({settings.support_floor}) changes nothing; it binds once "
            "persuasion is set above 0."
        )
    return out


def _target_states(settings: MatcherSettings) -> set[str]:
    return {code.split("-")[0] for code in settings.targets}
