"""Analysts' read-only graph queries: refused if they could write, bounded in rows and time.

Queries are logged by a fingerprint of their text, never the text, since it may hold
personal data.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from neo4j import Driver

from graph.analyst_query import QueryResult, run_cypher
from outreach.core.errors import QueryRefused

log = logging.getLogger(__name__)


def fingerprint(query: str) -> str:
    """A short, stable name for a query that does not reveal it."""
    return hashlib.sha256(query.encode()).hexdigest()[:16]


def run(
    driver: Driver,
    *,
    analyst: str,
    query: str,
    parameters: dict[str, Any],
    limit: int,
    timeout: float,
) -> QueryResult:
    """Run the query for ``analyst``; at most ``limit`` rows, within ``timeout`` seconds."""
    name = fingerprint(query)
    try:
        result = run_cypher(
            driver, query=query, parameters=parameters, limit=limit, timeout=timeout
        )
    except QueryRefused as exc:
        log.info("analyst query %s by %s refused: %s", name, analyst, exc.extra)
        raise
    log.info(
        "analyst query %s by %s: %d rows, truncated=%s, %d ms",
        name,
        analyst,
        len(result.rows),
        result.truncated,
        result.elapsed_ms,
    )
    return result
