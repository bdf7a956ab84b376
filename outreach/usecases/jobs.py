"""Jobs: the record commits first, then the queue is asked; a refused publish fails the job.

Every long piece of work (a voter file, an upload, a re-rank) is a job. The job record is
written and committed before anything is sent to the queue, so a worker never picks up a
job nobody can look up. If the queue then refuses the message, the job is marked failed
with the reason at once: no job stays "queued" for ever.

The use cases do not know Celery. They ask a :class:`TaskQueue` for what they need; the
entry points hand them the one in ``workers/queue.py``.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from typing import Any, Protocol

import anyio
import anyio.to_thread
from neo4j import Driver

from graph.jobs import (
    JobRecord,
    StaleJob,
    create_job,
    get_job,
    pending_job,
    stale_jobs,
    start_job,
    update_job,
)
from outreach.core.errors import NotFound, QueueUnavailable
from outreach.core.tokens import Principal

log = logging.getLogger(__name__)

STAFF_ROLES = ("organizer", "admin")


class TaskQueue(Protocol):
    """What the use cases ask of the job queue."""

    def ingest_voters(self, job_id: str, *, path: str, mapping: str) -> None:
        """Send a voter-file load."""

    def ingest_history(self, job_id: str, *, path: str, mapping: str) -> None:
        """Send a vote-history load."""

    def ingest_contacts(
        self, job_id: str, *, supporter_id: str, upload_id: str, rank_job_id: str | None
    ) -> None:
        """Send an upload's load, chained to the re-rank ``rank_job_id`` when given."""

    def rank(self, job_id: str, *, supporter_ids: list[str] | None, partitions: int) -> None:
        """Send a re-rank of some supporters (and their competitors), or everyone."""


def new_id(prefix: str) -> str:
    """A fresh opaque id such as ``job-3f2a...``."""
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def record(
    driver: Driver,
    *,
    kind: str,
    owner: str | None,
    params: dict[str, Any],
    job_id: str = "",
    after: str | None = None,
) -> str:
    """Write a queued job record (committed when this returns) and give its id.

    ``after`` names the job this one is chained to (an upload's re-rank, after its load).
    """
    job_id = job_id or new_id("job")
    create_job(driver, job_id=job_id, kind=kind, owner=owner, params=params, after=after)
    return job_id


def publish(driver: Driver, job_ids: list[str], send: Callable[[], None]) -> None:
    """Send recorded jobs; if the queue refuses, mark every one of them failed and say so."""
    try:
        send()
    except Exception as exc:
        reason = f"the job queue did not take the job ({exc.__class__.__name__}); try again"
        for job_id in job_ids:
            update_job(driver, job_id=job_id, status="failed", counts={}, message=reason)
        log.error("publishing %s failed: %s", ", ".join(job_ids), exc.__class__.__name__)
        raise QueueUnavailable(reason, jobs=job_ids) from exc


def get(driver: Driver, job_id: str) -> JobRecord:
    """A job by id, for the staff's own tools (the command line, the demo)."""
    return get_job(driver, job_id)


def status(driver: Driver, principal: Principal, job_id: str) -> JobRecord:
    """A job, for its owner or staff; anyone else is told it does not exist."""
    job = get_job(driver, job_id)
    if principal.role not in STAFF_ROLES and job.owner != principal.subject:
        raise NotFound(f"no job with id {job_id!r}")
    return job


WATCH_POLL_SECONDS = 0.1  # how often a watch reads the job while a page waits on it
WATCH_MAX_SECONDS = 25.0  # under the usual 30 s idle limit of proxies in front of the API


async def watch(
    driver: Driver, principal: Principal, job_id: str, *, seen: str | None, wait: float
) -> JobRecord:
    """The job as soon as it differs from the version the caller ``seen``, or ends.

    ``seen`` is the ``updated_at`` the caller last had. The job is read every
    :data:`WATCH_POLL_SECONDS` for up to ``wait`` seconds (at most :data:`WATCH_MAX_SECONDS`);
    a page waiting on an upload thus learns of its list within a tenth of a second, with
    one request instead of one every few hundred milliseconds. Between reads the caller's
    event loop is free: a waiting page holds no thread. Who may watch is who may read.
    """
    deadline = time.monotonic() + min(max(wait, 0.0), WATCH_MAX_SECONDS)
    while True:
        job = await anyio.to_thread.run_sync(status, driver, principal, job_id)
        if job.finished or job.updated_at != seen or time.monotonic() >= deadline:
            return job
        await anyio.sleep(min(WATCH_POLL_SECONDS, max(0.0, deadline - time.monotonic())))


def pending(driver: Driver, *, kind: str, params: dict[str, Any]) -> str | None:
    """A queued job that would do the same work, to join instead of queueing another."""
    return pending_job(driver, kind=kind, params=params)


def begin(driver: Driver, job_id: str, *, max_attempts: int) -> JobRecord | None:
    """Start a job's work, or None if it must not run (again).

    A late-acknowledged task can be delivered twice: if its job already ended, the second
    delivery does nothing. A task that keeps killing its worker is redelivered for ever,
    so after ``max_attempts`` starts its job is failed instead.
    """
    job = get_job(driver, job_id)
    if job.finished:
        log.info("job %s already %s; this delivery does nothing", job_id, job.status)
        return None
    if start_job(driver, job_id) > max_attempts:
        update_job(
            driver,
            job_id=job_id,
            status="failed",
            counts=job.counts,
            message=f"stopped after {max_attempts} attempts that did not finish; "
            "check the worker's log, then start it again",
        )
        return None
    return get_job(driver, job_id)


def reap(driver: Driver, *, stale_seconds: float, queued_stale_seconds: float) -> list[StaleJob]:
    """Fail jobs that show no sign of life (a lost worker, a lost message); return them."""
    now = time.time()
    lost = stale_jobs(
        driver, running_before=now - stale_seconds, queued_before=now - queued_stale_seconds
    )
    for job in lost:
        update_job(
            driver,
            job_id=job.id,
            status="failed",
            counts={},
            message=f"no progress since it was {job.status}: the worker or its message was "
            "lost; start it again",
        )
        log.warning(
            "job %s (%s) was %s with no progress; marked failed", job.id, job.kind, job.status
        )
    return lost


def skip(driver: Driver, job_id: str, message: str) -> None:
    """Close a chained job whose earlier step did not succeed."""
    update_job(driver, job_id=job_id, status="skipped", counts={}, message=message)
