"""Organizer settings: read, changed (validated, versioned, with the author), and their history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from neo4j import Driver

from graph.config_store import current_settings, save_settings, settings_history
from outreach.core.settings import Settings
from outreach.matching.matcher_settings import MatcherSettings, revise_settings
from outreach.usecases import rerank
from outreach.usecases.jobs import TaskQueue


@dataclass(frozen=True)
class Versioned:
    """Settings and the version they are stored as; ``rank_job_id`` if a re-rank was started."""

    version: int
    settings: MatcherSettings
    rank_job_id: str | None = None


def current(driver: Driver) -> Versioned:
    """The settings in force."""
    version, matcher = current_settings(driver)
    return Versioned(version, matcher)


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
    return Versioned(version, revised, job_id)


def history(driver: Driver) -> list[dict[str, object]]:
    """Every version, newest first, with who made it and when."""
    return settings_history(driver)
