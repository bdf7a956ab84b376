"""Locks kept in the graph, for work that must not overlap across processes and machines.

A lock is a ``(:Lock {name})`` node with an owner and an expiry (seconds since the epoch).
Taking it writes the node whether or not it is free, so two takers conflict: Neo4j makes
the second wait for the first's write lock, the local server makes it retry. An owner that
dies without releasing loses the lock when it expires: ``held`` takes it for a short
time and renews it while the block runs, so a killed owner (SIGKILL, a lost machine)
blocks the next taker for at most ``hold_seconds``, however long the work takes.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from typing import LiteralString

from neo4j import Driver

from graph.db.run import write, write_one
from outreach.core.errors import OutreachError

log = logging.getLogger(__name__)

ACQUIRE: LiteralString = """
MERGE (l:Lock {name: $name})
WITH l, (l.owner IS NULL OR coalesce(l.expires, 0.0) < $now OR l.owner = $owner) AS free
SET l.owner = CASE WHEN free THEN $owner ELSE l.owner END,
    l.expires = CASE WHEN free THEN $expires ELSE l.expires END
RETURN free AS acquired
"""

RELEASE: LiteralString = """
MATCH (l:Lock {name: $name})
WHERE l.owner = $owner
SET l.owner = null, l.expires = 0.0
"""


class LockTimeout(OutreachError):
    """The lock stayed taken longer than the caller would wait."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, 503, "Busy", "busy", {})


def try_acquire(driver: Driver, name: str, owner: str, *, hold_seconds: float) -> bool:
    """Take the lock for ``hold_seconds`` if it is free (or ours, or expired)."""
    now = time.time()
    row = write_one(driver, ACQUIRE, name=name, owner=owner, now=now, expires=now + hold_seconds)
    return bool(row["acquired"])


def release(driver: Driver, name: str, owner: str) -> None:
    """Give the lock back (only its owner can)."""
    write(driver, RELEASE, name=name, owner=owner)


@contextlib.contextmanager
def held(
    driver: Driver, name: str, *, hold_seconds: float, wait_seconds: float, poll: float = 0.2
) -> Iterator[str]:
    """Hold the lock ``name`` for the block, waiting up to ``wait_seconds`` to get it.

    The lock is taken for ``hold_seconds`` and renewed every third of that while the block
    runs, so it outlives slow work but not a dead owner.
    """
    owner = uuid.uuid4().hex
    deadline = time.monotonic() + wait_seconds
    while not try_acquire(driver, name, owner, hold_seconds=hold_seconds):
        if time.monotonic() > deadline:
            raise LockTimeout(f"{name} is busy; try again in a moment")
        time.sleep(poll)
    done = threading.Event()

    def renew() -> None:
        while not done.wait(hold_seconds / 3):
            try:
                if not try_acquire(driver, name, owner, hold_seconds=hold_seconds):
                    log.warning("lock %s was taken over while held", name)
                    return
            except OutreachError as exc:  # the graph is down: the work fails too
                log.warning("lock %s not renewed: %s", name, exc.title)

    renewer = threading.Thread(target=renew, name=f"lock-{name}", daemon=True)
    renewer.start()
    try:
        yield owner
    finally:
        done.set()
        renewer.join()
        release(driver, name, owner)
