"""Organizer settings for the matcher, stored durably and versioned in the graph."""

from __future__ import annotations

import threading
import time
from typing import LiteralString

from neo4j import Driver

from graph.db.run import Row, read, write_one
from outreach.core.errors import NotFound
from outreach.matching.matcher_settings import MatcherSettings, settings_fingerprint

LATEST: LiteralString = """
MATCH (c:MatcherConfig)
RETURN c.version AS version, c.body AS body, c.created_at AS created_at, c.author AS author
ORDER BY c.version DESC LIMIT 1
"""

SAVE: LiteralString = """
OPTIONAL MATCH (prev:MatcherConfig)
WITH coalesce(max(prev.version), 0) + 1 AS next
CREATE (c:MatcherConfig {version: next, body: $body, fingerprint: $fingerprint,
                         author: $author, created_at: datetime()})
RETURN c.version AS version
"""

AT_VERSION: LiteralString = """
MATCH (c:MatcherConfig {version: $version})
RETURN c.body AS body
"""

HISTORY: LiteralString = """
MATCH (c:MatcherConfig)
RETURN c.version AS version, c.fingerprint AS fingerprint, c.author AS author,
       c.created_at AS created_at, c.body AS body
ORDER BY c.version DESC
"""

RANKING_VERSIONS: LiteralString = """
MATCH (:Supporter)-[r:SHOULD_ASK]->(:Person)
RETURN DISTINCT r.model_version AS version
"""


def current_settings(driver: Driver) -> tuple[int, MatcherSettings]:
    """The latest stored settings and their version; the defaults are stored as version 1."""
    rows = read(driver, LATEST)
    if not rows:
        defaults = MatcherSettings()
        return save_settings(driver, defaults, author="defaults"), defaults
    return int(rows[0]["version"]), MatcherSettings.model_validate_json(rows[0]["body"])


def save_settings(driver: Driver, settings: MatcherSettings, *, author: str) -> int:
    """Store a new version of the settings and return its number."""
    row = write_one(
        driver,
        SAVE,
        body=settings.model_dump_json(),
        fingerprint=settings_fingerprint(settings),
        author=author,
    )
    return int(row["version"])


def settings_history(driver: Driver) -> list[Row]:
    """Every stored version, newest first, with its body (the settings as JSON)."""
    return read(driver, HISTORY)


def ranking_versions(driver: Driver) -> list[int]:
    """The settings versions that made the rankings in the graph now, in order."""
    rows = read(driver, RANKING_VERSIONS)
    return sorted(int(r["version"]) for r in rows if r["version"] is not None)


def settings_at(driver: Driver, version: int) -> MatcherSettings:
    """The settings stored as ``version`` (a fanned-out re-rank uses one version throughout)."""
    rows = read(driver, AT_VERSION, version=version)
    if not rows:
        raise NotFound(f"no matcher settings version {version}")
    return MatcherSettings.model_validate_json(rows[0]["body"])


_cache_lock = threading.Lock()
_cached: tuple[float, int, MatcherSettings] | None = None


def current_settings_cached(driver: Driver, *, max_age: float = 5.0) -> tuple[int, MatcherSettings]:
    """The latest settings, re-read at most every ``max_age`` seconds (for hot read paths)."""
    global _cached
    now = time.monotonic()
    with _cache_lock:
        if _cached is not None and now - _cached[0] < max_age:
            return _cached[1], _cached[2]
    version, settings = current_settings(driver)
    with _cache_lock:
        _cached = (now, version, settings)
    return version, settings
