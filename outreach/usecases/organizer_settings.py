"""Organizer settings: read, changed (validated, versioned, with the author), and their history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from neo4j import Driver

from graph.config_store import current_settings, save_settings, settings_history
from outreach.core.settings import Settings
from outreach.matching.election import calendar_warnings, settings_warnings
from outreach.matching.matcher_settings import MatcherSettings, revise_settings
from outreach.usecases import rerank
from outreach.usecases.jobs import TaskQueue


@dataclass(frozen=True)
class Versioned:
    """Settings and the version they are stored as; ``rank_job_id`` if a re-rank was started.

    ``warnings``: what the organizer should know about them today (the election near or
    over, registration closed, weights that do not fit the race, settings with no effect).
    """

    version: int
    settings: MatcherSettings
    rank_job_id: str | None = None
    warnings: list[str] = field(default_factory=list)


def warnings_for(matcher: MatcherSettings, today: date | None = None) -> list[str]:
    """The calendar and settings warnings for these settings on ``today``."""
    return calendar_warnings(matcher, today or date.today()) + settings_warnings(matcher)


def current(driver: Driver) -> Versioned:
    """The settings in force, with today's warnings."""
    version, matcher = current_settings(driver)
    return Versioned(version, matcher, warnings=warnings_for(matcher))


def change(
    driver: Driver,
    *,
    changes: dict[str, Any],
    author: str,
    queue: TaskQueue | None = None,
    settings: Settings | None = None,
) -> Versioned:
    """Apply ``changes`` to the settings in force, validate, store a new version.

    With a queue (and the process settings) a full re-rank is started with them.
    """
    _, now = current_settings(driver)
    revised = revise_settings(now, changes)
    version = save_settings(driver, revised, author=author)
    job_id = None
    if queue is not None and settings is not None:
        job_id = rerank.request(driver, queue, settings, owner=author)
    return Versioned(version, revised, job_id, warnings_for(revised))


def history(driver: Driver) -> list[dict[str, object]]:
    """Every version, newest first, with who made it and when."""
    return settings_history(driver)
