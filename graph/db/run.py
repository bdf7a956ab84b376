"""Running Cypher: managed transactions on the configured database, driver errors translated."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, LiteralString, TypeVar

from neo4j import Driver, ManagedTransaction, RoutingControl
from neo4j.exceptions import (
    ClientError,
    ConstraintError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)
from neo4j.time import Date, DateTime

from graph.db.dialect import connection_lost
from outreach.core.errors import GraphUnavailable, OutreachError
from outreach.core.settings import get_settings

T = TypeVar("T")
Row = dict[str, Any]


@contextmanager
def translated() -> Iterator[None]:
    """Turn driver errors into the project's own errors at the boundary."""
    try:
        yield
    except (ServiceUnavailable, SessionExpired) as exc:
        raise GraphUnavailable(f"the graph database is unavailable: {exc}") from exc
    except ClientError as exc:
        if connection_lost(exc.code, exc.message):
            raise GraphUnavailable(f"the graph server closed the connection: {exc.code}") from exc
        raise OutreachError(f"graph query failed: {exc.code}") from exc
    except Neo4jError as exc:
        raise GraphUnavailable(f"graph error: {exc.code}") from exc


def read(driver: Driver, query: LiteralString, **params: Any) -> list[Row]:
    """Run a read query and return its rows as dicts."""
    with translated():
        records, _, _ = driver.execute_query(
            query, params, database_=get_settings().graph_database, routing_=RoutingControl.READ
        )
    return [plain(record.data()) for record in records]


def read_values(driver: Driver, query: LiteralString, **params: Any) -> list[Row]:
    """Run a read query whose columns are plain values and return its rows as dicts.

    For queries returning only strings, numbers, booleans and lists of them (no nodes,
    relationships or temporal values), which then need no conversion: about half the
    Python cost of :func:`read` per row, which matters for the big reads of linking and
    ranking.
    """
    with translated():
        records, _, _ = driver.execute_query(
            query, params, database_=get_settings().graph_database, routing_=RoutingControl.READ
        )
    return [dict(record) for record in records]


def plain(row: Row) -> Row:
    """Turn driver temporal values into ISO-8601 strings so rows serialise as JSON."""
    return {
        key: value.iso_format() if isinstance(value, DateTime | Date) else value
        for key, value in row.items()
    }


def write(driver: Driver, query: LiteralString, **params: Any) -> dict[str, int]:
    """Run one write query in its own transaction and return the update counters."""

    def work(tx: ManagedTransaction) -> dict[str, int]:
        counters = tx.run(query, params).consume().counters
        return {
            "nodes_created": counters.nodes_created,
            "nodes_deleted": counters.nodes_deleted,
            "relationships_created": counters.relationships_created,
            "relationships_deleted": counters.relationships_deleted,
            "properties_set": counters.properties_set,
            "constraints_added": counters.constraints_added,
            "indexes_added": counters.indexes_added,
        }

    return write_tx(driver, work)


MERGE_CONFLICT_RETRIES = 8


def write_tx(driver: Driver, work: Callable[[ManagedTransaction], T]) -> T:
    """Run ``work`` as one managed write transaction; ``work`` must be safe to retry.

    Two concurrent ``MERGE``s of the same unique key can clash on servers with
    optimistic concurrency (see ``graph/dialect.py``); the loser is retried, and
    since ``work`` is idempotent the retry merges onto the winner's node.
    """
    attempt = 0
    while True:
        try:
            with translated(), driver.session(database=get_settings().graph_database) as session:
                return session.execute_write(work)
        except OutreachError as exc:
            cause = exc.__cause__
            conflict = isinstance(cause, ConstraintError | TransientError)
            attempt += 1
            if not conflict or attempt >= MERGE_CONFLICT_RETRIES:
                raise
            time.sleep(random.uniform(0.01, 0.05) * attempt)


def read_tx(driver: Driver, work: Callable[[ManagedTransaction], T]) -> T:
    """Run ``work`` as one managed read transaction."""
    with translated(), driver.session(database=get_settings().graph_database) as session:
        return session.execute_read(work)


def batches(rows: list[T], size: int) -> Iterator[list[T]]:
    """Split rows into lists of at most ``size`` for ``UNWIND`` writes."""
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def write_rows(driver: Driver, query: LiteralString, **params: Any) -> list[Row]:
    """Run a write query in a managed transaction and return every row it returns."""

    def work(tx: ManagedTransaction) -> list[Row]:
        return [plain(record.data()) for record in tx.run(query, params)]

    return write_tx(driver, work)


def write_one(driver: Driver, query: LiteralString, **params: Any) -> Row:
    """Run a write query in a managed transaction and return its single row (or {})."""

    def work(tx: ManagedTransaction) -> Row:
        record = tx.run(query, params).single()
        return plain(record.data()) if record else {}

    return write_tx(driver, work)
