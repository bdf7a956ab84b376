"""Shared plumbing for CLI commands: the graph (local server started or reused) and a worker."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from neo4j import Driver

from outreach.core.settings import get_settings
from outreach.usecases.jobs import TaskQueue


@contextlib.contextmanager
def graph_session() -> Iterator[Driver]:
    """The local server (started or reused when no URI is set) and a driver on it."""
    from graph.db.driver import close_driver, get_driver
    from graph.db.local_server import ensure_running

    server = ensure_running(get_settings())
    try:
        yield get_driver()
    finally:
        close_driver()
        server.stop()


@contextlib.contextmanager
def embedded_worker(start: bool = True) -> Iterator[None]:
    """A Celery worker process for the length of a command."""
    from outreach.cli.processes import start_worker

    worker = start_worker(get_settings()) if start else None
    try:
        yield
    finally:
        if worker:
            worker.stop()


def job_queue() -> TaskQueue:
    """The job queue the commands send work to (the Celery workers)."""
    from workers.queue import CeleryQueue

    return CeleryQueue()
