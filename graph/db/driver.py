"""The Neo4j drivers' lifetime: made from settings, one per process, closed cleanly.

Analysts' queries get a driver of their own (``get_analyst_driver``), with a small pool
(``OUTREACH_ANALYST_POOL_SIZE``), so that however many analyst queries run, they never
take the connections that serve supporters' lists, uploads and jobs.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import neo4j
from neo4j import Driver, GraphDatabase
from neo4j.exceptions import AuthError, ServiceUnavailable

from outreach.core.errors import GraphUnavailable
from outreach.core.settings import Settings, get_settings

_lock = threading.Lock()
_driver: Driver | None = None
_analyst_driver: Driver | None = None


def create_driver(settings: Settings, *, pool_size: int = 64) -> Driver:
    """Make a driver for the configured graph and check that it answers."""
    driver = GraphDatabase.driver(
        settings.effective_graph_uri,
        auth=(settings.graph_user, settings.graph_password.get_secret_value()),
        max_connection_pool_size=pool_size,
        connection_acquisition_timeout=60.0,
        notifications_min_severity="OFF",
    )
    try:
        driver.verify_connectivity()
    except (ServiceUnavailable, AuthError, OSError) as exc:
        driver.close()
        raise GraphUnavailable(
            f"cannot reach the graph at {settings.effective_graph_uri}: {exc.__class__.__name__}"
        ) from exc
    return driver


def get_driver() -> Driver:
    """The process's driver, made on first use (workers and the CLI use this)."""
    global _driver
    with _lock:
        if _driver is None:
            _driver = create_driver(get_settings())
        return _driver


def get_analyst_driver() -> Driver:
    """The process's driver for analysts' queries, with its own small pool."""
    global _analyst_driver
    with _lock:
        if _analyst_driver is None:
            settings = get_settings()
            _analyst_driver = create_driver(settings, pool_size=settings.analyst_pool_size)
        return _analyst_driver


def _close_analyst_driver() -> None:
    global _analyst_driver
    if _analyst_driver is not None:
        _analyst_driver.close()
        _analyst_driver = None


def set_driver(driver: Driver | None) -> None:
    """Install (or forget) the process's driver; the API's lifespan calls this.

    Forgetting it closes the analysts' driver too (the process is shutting down).
    """
    global _driver
    with _lock:
        _driver = driver
        if driver is None:
            _close_analyst_driver()


def close_driver() -> None:
    """Close the process's drivers if they were made."""
    global _driver
    with _lock:
        if _driver is not None:
            _driver.close()
            _driver = None
        _close_analyst_driver()


@contextmanager
def driver_scope(settings: Settings | None = None) -> Iterator[Driver]:
    """A driver for the length of a block, closed on exit."""
    driver = create_driver(settings or get_settings())
    try:
        yield driver
    finally:
        driver.close()


def database() -> str:
    """The database name every query runs against."""
    return get_settings().graph_database


__all__ = [
    "Driver",
    "close_driver",
    "create_driver",
    "database",
    "get_analyst_driver",
    "get_driver",
    "neo4j",
]
