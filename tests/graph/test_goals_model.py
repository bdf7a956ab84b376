"""Goals, the model: the suggestion and progress at an even pace."""

from __future__ import annotations

from datetime import date

from outreach.matching.goals import MIN_GOAL, progress, suggest_goal


def test_the_suggestion_is_the_whole_list_and_never_below_the_minimum() -> None:
    assert suggest_goal(on_list=8, asked=2) == 10
    assert suggest_goal(on_list=1, asked=0) == MIN_GOAL
    assert suggest_goal(on_list=0, asked=0) == MIN_GOAL


def test_progress_is_on_pace_when_the_asks_keep_up_with_the_days() -> None:
    start, end = date(2026, 10, 1), date(2026, 10, 11)
    halfway = progress(goal=10, by=end, set_on=start, asked=5, today=date(2026, 10, 6))
    assert halfway.expected_by_now == 5 and halfway.on_pace and not halfway.done
    assert halfway.days_left == 5 and halfway.share == 0.5
    behind = progress(goal=10, by=end, set_on=start, asked=2, today=date(2026, 10, 9))
    assert behind.expected_by_now == 8 and not behind.on_pace
    done = progress(goal=10, by=end, set_on=start, asked=12, today=date(2026, 10, 20))
    assert done.done and done.share == 1.0 and done.days_left == 0
