"""Analyst Cypher: checked read-only, run in a read transaction that is rolled back, bounded.

Three layers keep analyst queries from writing: ``graph/cypher_guard.py`` refuses write
clauses and writing procedures before anything runs; the query runs in an explicit READ
transaction (Neo4j itself refuses writes there); and the transaction is always rolled
back, since the local server does commit writes made in read transactions.

Time is bounded on the graph server itself, not only in this process. The transaction
carries the time-out (Neo4j stops it there), and the query text opens with a comment
naming it (``/* outreach-analyst <id> */``). When the time runs out, the query is found by
that name in ``SHOW TRANSACTIONS`` and stopped with ``TERMINATE TRANSACTIONS``, from a
connection of the main pool: the local server ignores the transaction time-out, and
without this kept a cartesian product running at full CPU for minutes after the analyst
had been told "time-out" (see ``graph/db/dialect.py``). Rows are bounded by a limit.

Analyst queries run on their own driver (``graph.db.driver.get_analyst_driver``), with as
many connections as threads here, so that they never take supporters' connections.
"""

from __future__ import annotations

import base64
import logging
import math
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures import wait as wait_futures
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final, LiteralString

from neo4j import READ_ACCESS, Driver
from neo4j.exceptions import ClientError, Neo4jError, ServiceUnavailable, SessionExpired
from neo4j.graph import Node, Path, Relationship
from neo4j.spatial import Point
from neo4j.time import Date, DateTime, Duration, Time

from graph.db.cypher_guard import check_read_only
from graph.db.driver import get_analyst_driver
from outreach.core.errors import GraphUnavailable, OutreachError, QueryRefused
from outreach.core.settings import get_settings

log = logging.getLogger(__name__)

MARKER: Final = "/* outreach-analyst "
# How long a timed-out query is looked for on the server, to be stopped (it may still be
# waiting for a connection, or starting).
STOP_WAIT_SECONDS: Final = 10.0
_pool_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    """The threads analyst queries run on: as many as the analysts' connections."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                max_workers=get_settings().analyst_pool_size, thread_name_prefix="analyst-query"
            )
        return _pool


@dataclass(frozen=True)
class QueryResult:
    """An analyst query's columns and rows (JSON-ready), and whether rows were cut off."""

    columns: list[str]
    rows: list[list[Any]]
    truncated: bool
    elapsed_ms: int


def run_cypher(
    driver: Driver,
    *,
    query: str,
    parameters: Mapping[str, Any] | None = None,
    limit: int,
    timeout: float,
) -> QueryResult:
    """Run an analyst's query if it only reads: at most ``limit`` rows within ``timeout`` s.

    ``driver`` is the main one: it stops a query that runs out of time (the query itself
    runs on the analysts' own driver).
    """
    check_read_only(query)
    started = time.monotonic()
    deadline = started + timeout
    stop = threading.Event()
    params = dict(parameters or {})
    name = f"{MARKER}{uuid.uuid4().hex} */"
    text = f"{name}\n{query}"
    future = _executor().submit(
        _consume, get_analyst_driver(), text, params, limit, timeout, deadline, stop
    )
    try:
        columns, rows, truncated = future.result(timeout=max(0.0, deadline - time.monotonic()))
    except FutureTimeout:
        stop.set()
        future.cancel()
        stop_on_server(driver, name, future)
        raise _timed_out(timeout) from None
    elapsed = round((time.monotonic() - started) * 1000)
    return QueryResult(columns=columns, rows=rows, truncated=truncated, elapsed_ms=elapsed)


SHOW_TRANSACTIONS: LiteralString = "SHOW TRANSACTIONS"
TERMINATE_TRANSACTIONS: LiteralString = "TERMINATE TRANSACTIONS $ids"


def running_analyst_queries(driver: Driver, name: str = MARKER) -> list[str]:
    """The transaction ids of analyst queries running on the server (``name``: one of them)."""
    records, _, _ = driver.execute_query(SHOW_TRANSACTIONS, database_=get_settings().graph_database)
    return [
        str(record["transactionId"])
        for record in records
        if str(record.get("currentQuery") or "").startswith(name)
    ]


def stop_on_server(driver: Driver, name: str, future: Future[Any]) -> int:
    """Stop the query called ``name`` on the server; return how many transactions were stopped.

    The query may not have reached the server yet (its thread was waiting for a connection):
    it is looked for until its thread ends or ``STOP_WAIT_SECONDS`` pass, and its thread
    refuses to start it once ``stop`` is set.
    """
    stopped = 0
    give_up = time.monotonic() + STOP_WAIT_SECONDS
    while True:
        try:
            ids = running_analyst_queries(driver, name)
            if ids:
                driver.execute_query(
                    TERMINATE_TRANSACTIONS, ids=ids, database_=get_settings().graph_database
                )
                stopped += len(ids)
        except Neo4jError as exc:
            log.warning("could not stop a timed-out analyst query: %s", exc.code)
        except (ServiceUnavailable, SessionExpired, OSError):
            log.warning("could not stop a timed-out analyst query: the graph is unavailable")
            return stopped
        if future.done() or time.monotonic() > give_up:
            return stopped
        wait_futures([future], timeout=0.2)


def _consume(
    driver: Driver,
    query: str,
    parameters: dict[str, Any],
    limit: int,
    timeout: float,
    deadline: float,
    stop: threading.Event,
) -> tuple[list[str], list[list[Any]], bool]:
    remaining = deadline - time.monotonic()
    if stop.is_set() or remaining <= 0:
        raise _timed_out(timeout)
    with (
        _analyst_errors(),
        driver.session(
            database=get_settings().graph_database,
            default_access_mode=READ_ACCESS,
            fetch_size=min(limit + 1, 1000),
        ) as session,
    ):
        # The text is the analyst's by design; check_read_only has passed it.
        tx = session.begin_transaction(timeout=remaining, metadata={"app": "outreach-analytics"})
        try:
            if stop.is_set():
                raise _timed_out(timeout)
            result = tx.run(query, parameters)
            columns = list(result.keys())
            rows: list[list[Any]] = []
            for record in result:
                if stop.is_set() or time.monotonic() > deadline:
                    raise _timed_out(timeout)
                if len(rows) == limit:
                    return columns, rows, True
                rows.append([to_plain(value) for value in record.values()])
            counters = result.consume().counters
            if counters.contains_updates or counters.contains_system_updates:
                raise QueryRefused("the query tried to change the graph; it was rolled back")
            return columns, rows, False
        finally:
            tx.close()  # rolls back: an analyst query never commits


@contextmanager
def _analyst_errors() -> Iterator[None]:
    """Driver errors from an analyst query: the analyst's fault is a 400, with the reason."""
    try:
        yield
    except (ServiceUnavailable, SessionExpired) as exc:
        raise GraphUnavailable(f"the graph database is unavailable: {exc}") from exc
    except ClientError as exc:
        code = exc.code or ""
        if "TransactionTimedOut" in code or "Transaction.Terminated" in code:
            raise QueryRefused(
                "the query ran past its time limit and was stopped", reason="timeout", code=code
            ) from exc
        raise QueryRefused(
            f"the graph refused the query: {exc.message or code}", code=code
        ) from exc
    except Neo4jError as exc:
        raise OutreachError(
            f"the graph could not run the query: {exc.message or exc.code}",
            extra={"code": exc.code},
        ) from exc


def _timed_out(timeout: float) -> QueryRefused:
    return QueryRefused(
        f"the query ran longer than {timeout:g} s and was stopped; narrow it "
        "(a label, an indexed property, LIMIT) or allow more time",
        reason="timeout",
        timeout_seconds=timeout,
    )


# Sealed values (a supporter's own contact details for a friend) are left out of whole
# relationships an analyst returns; asked for by name, they are ciphertext only.
SEALED_PROPERTIES = frozenset({"contact"})


def to_plain(value: Any) -> Any:
    """A driver value as JSON-ready data: nodes and relationships as dicts, times as ISO text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Node):
        return {
            "element_id": value.element_id,
            "labels": sorted(value.labels),
            "properties": to_plain(dict(value.items())),
        }
    if isinstance(value, Relationship):
        start, end = value.start_node, value.end_node
        return {
            "element_id": value.element_id,
            "type": value.type,
            "start": start.element_id if start is not None else None,
            "end": end.element_id if end is not None else None,
            "properties": to_plain({k: v for k, v in value.items() if k not in SEALED_PROPERTIES}),
        }
    if isinstance(value, Path):
        return {
            "nodes": [to_plain(n) for n in value.nodes],
            "relationships": [to_plain(r) for r in value.relationships],
        }
    if isinstance(value, Date | DateTime | Time | Duration):
        return value.iso_format()
    if isinstance(value, Point):
        return {"srid": value.srid, "coordinates": list(value)}
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    return str(value)
