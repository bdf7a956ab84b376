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
from outreach.core.errors import InvalidInput, QueryRefused, RowError

log = logging.getLogger(__name__)


def fingerprint(query: str) -> str:
    """A short, stable name for a query that does not reveal it."""
    return hashlib.sha256(query.encode()).hexdigest()[:16]


_INT64 = (-(2**63), 2**63 - 1)


def _out_of_range(value: Any, path: str) -> str | None:
    """The path of the first integer a Bolt parameter cannot hold (64 bits), if any."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return None if _INT64[0] <= value <= _INT64[1] else path
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, inner in items:
        found = _out_of_range(inner, f"{path}.{key}")
        if found:
            return found
    return None


def check_parameters(parameters: dict[str, Any]) -> None:
    """Refuse parameters the graph cannot take: integers past 64 bits."""
    where = _out_of_range(parameters, "parameters")
    if where:
        raise InvalidInput(
            "a query parameter is an integer past 64 bits; send it as a string or a float",
            [RowError(line=None, field=where, reason="integers must fit in 64 bits")],
        )


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
    check_parameters(parameters)
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
