"""The Neo4j driver's lifetime: one per process, made from settings, closed cleanly."""

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


def create_driver(settings: Settings) -> Driver:
    """Make a driver for the configured graph and check that it answers."""
    driver = GraphDatabase.driver(
        settings.effective_graph_uri,
        auth=(settings.graph_user, settings.graph_password.get_secret_value()),
        max_connection_pool_size=64,
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


def set_driver(driver: Driver | None) -> None:
    """Install (or forget) the process's driver; the API's lifespan calls this."""
    global _driver
    with _lock:
        _driver = driver


def close_driver() -> None:
    """Close the process's driver if one was made."""
    global _driver
    with _lock:
        if _driver is not None:
            _driver.close()
            _driver = None


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


__all__ = ["Driver", "close_driver", "create_driver", "database", "get_driver", "neo4j"]
