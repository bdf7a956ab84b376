"""Personal goals: a suggested goal, progress toward one, and whether it is on pace.

A goal is a number of friends to ask by a date. The suggestion is the friends on the
supporter's list plus those asked already (asking the whole list is the campaign's ask),
at least ``MIN_GOAL``; with no list yet, ``MIN_GOAL``. Pace is linear: by a day between
setting the goal and its date, the share of the goal that the share of the time elapsed
calls for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

MIN_GOAL = 3


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a supporter is toward their goal, and whether they are on pace."""

    goal: int
    by: date
    asked: int
    share: float  # asked / goal, at most 1
    expected_by_now: int  # friends asked by today at an even pace
    on_pace: bool
    days_left: int
    done: bool


def suggest_goal(*, on_list: int, asked: int) -> int:
    """The campaign's suggestion: the whole list, counting friends asked already."""
    return max(MIN_GOAL, on_list + asked) if on_list + asked else MIN_GOAL


def progress(*, goal: int, by: date, set_on: date, asked: int, today: date) -> Progress:
    """Progress toward ``goal`` friends asked by ``by``, set on ``set_on``, as of ``today``."""
    span = max((by - set_on).days, 1)
    elapsed = min(max((today - set_on).days, 0), span)
    expected = math.ceil(goal * elapsed / span)
    return Progress(
        goal=goal,
        by=by,
        asked=asked,
        share=round(min(asked / goal, 1.0), 4) if goal else 1.0,
        expected_by_now=expected,
        on_pace=asked >= expected,
        days_left=max((by - today).days, 0),
        done=asked >= goal,
    )
