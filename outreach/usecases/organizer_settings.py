"""Organizer settings: read, changed one field at a time (validated, versioned), and history.

A change is a JSON merge patch (RFC 7396) on the settings in force: members it names are
replaced, objects such as ``weights`` are merged member by member, ``null`` removes a
member (a top-level setting goes back to its default), and everything else is kept. The
result is validated as a whole and stored as a new version only if it differs. A target
without a weight gets its FiveThirtyEight default. Rankings record the settings version
that made them, so a change says whether a re-rank is needed to apply it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import json_merge_patch
from neo4j import Driver

from graph.config_store import (
    current_settings,
    ranking_versions,
    save_settings,
    settings_history,
)
from outreach.core.errors import SettingsInvalid
from outreach.core.settings import Settings
from outreach.matching.election import calendar_warnings, settings_warnings
from outreach.matching.matcher_settings import (
    MatcherSettings,
    load_default_weights,
    parse_settings,
)
from outreach.usecases import rerank
from outreach.usecases.jobs import TaskQueue

__all__ = [
    "Change",
    "MatcherSettings",
    "Revision",
    "Versioned",
    "change",
    "changed_from_defaults",
    "current",
    "history",
]


@dataclass(frozen=True)
class Versioned:
    """Settings and the version they are stored as; ``rank_job_id`` if a re-rank was started.

    ``warnings``: what the organizer should know about them today (the election near or
    over, registration closed, weights that do not fit the race, settings with no effect).
    """

    version: int
    settings: MatcherSettings
    rank_job_id: str | None = None
    changed: bool = True
    rerank_needed: bool = False
    ranked_with: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def warnings_for(matcher: MatcherSettings, today: date | None = None) -> list[str]:
    """The calendar and settings warnings for these settings on ``today``."""
    return calendar_warnings(matcher, today or date.today()) + settings_warnings(matcher)


@dataclass(frozen=True)
class Change:
    """One setting that differs between two versions, by its dotted path."""

    path: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Revision:
    """One stored version: who made it and when, and what it changed from the one before."""

    version: int
    fingerprint: str | None
    author: str | None
    created_at: str | None
    patch: dict[str, Any] | None
    changes: list[Change]


def current(driver: Driver) -> Versioned:
    """The settings in force, and whether the rankings were made with them."""
    version, matcher = current_settings(driver)
    used = ranking_versions(driver)
    return Versioned(
        version,
        matcher,
        changed=False,
        rerank_needed=any(v != version for v in used),
        ranked_with=used,
        warnings=warnings_for(matcher),
    )


def merged(now: MatcherSettings, patch: dict[str, Any]) -> MatcherSettings:
    """The settings in force with ``patch`` applied (RFC 7396), validated as a whole."""
    if not isinstance(patch, dict):
        raise SettingsInvalid("a settings change must be a JSON object of the settings to change")
    document = now.model_dump(mode="json")
    result = json_merge_patch.merge(document, copy.deepcopy(patch))
    if not isinstance(result.get("weights"), dict) or not isinstance(result.get("targets"), list):
        return parse_settings(result)  # wrong shapes: let validation name them
    weights = result["weights"]
    if weights:
        defaults = load_default_weights()
        for code in result["targets"]:
            key = str(code).strip().upper()
            if key not in weights and key in defaults:
                weights[key] = defaults[key]
    return parse_settings(result)


def change(
    driver: Driver,
    *,
    changes: dict[str, Any],
    author: str,
    queue: TaskQueue | None = None,
    settings: Settings | None = None,
) -> Versioned:
    """Apply ``changes`` (a merge patch) to the settings in force; store a new version if new.

    With a queue (and the process settings) a full re-rank is started with them; without,
    the answer says whether one is needed.
    """
    version, now = current_settings(driver)
    revised = merged(now, changes)
    changed = revised != now
    if changed:
        version = save_settings(driver, revised, author=author)
    job_id = None
    if queue is not None and settings is not None:
        job_id = rerank.request(driver, queue, settings, owner=author)
    used = ranking_versions(driver)
    stale = changed or any(v != version for v in used)
    return Versioned(
        version,
        revised,
        job_id,
        changed=changed,
        rerank_needed=stale and job_id is None,
        ranked_with=used,
        warnings=warnings_for(revised),
    )


def diff(before: Any, after: Any, prefix: str = "") -> list[Change]:
    """Every leaf that differs between two JSON documents, by dotted path."""
    if isinstance(before, dict) and isinstance(after, dict):
        found: list[Change] = []
        for key in sorted({*before, *after}, key=str):
            found.extend(diff(before.get(key), after.get(key), f"{prefix}{key}."))
        return found
    return [] if before == after else [Change(prefix.rstrip("."), before, after)]


def changed_from_defaults(driver: Driver) -> tuple[int, list[Change]]:
    """The version in force and how it differs from the shipped defaults (empty if it does not)."""
    version, now = current_settings(driver)
    defaults = MatcherSettings().model_dump(mode="json")
    return version, diff(defaults, now.model_dump(mode="json"))


def history(driver: Driver) -> list[Revision]:
    """Every version, newest first, with who made it, when, and what changed from the last."""
    rows = sorted(settings_history(driver), key=lambda r: int(r["version"]))
    revisions: list[Revision] = []
    previous: dict[str, Any] | None = None
    for row in rows:
        body = MatcherSettings.model_validate_json(str(row["body"])).model_dump(mode="json")
        patch = None if previous is None else json_merge_patch.create_patch(previous, body)
        created = row.get("created_at")
        revisions.append(
            Revision(
                version=int(row["version"]),
                fingerprint=row.get("fingerprint"),
                author=row.get("author"),
                created_at=_iso(created),
                patch=patch,
                changes=[] if previous is None else diff(previous, body),
            )
        )
        previous = body
    return revisions[::-1]


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    native = getattr(value, "to_native", None)
    moment = native() if callable(native) else value
    return moment.isoformat() if isinstance(moment, datetime) else str(moment)
