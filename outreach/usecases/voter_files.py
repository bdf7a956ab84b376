"""Voter files and vote-history files: a file the workers can read, loaded as a job.

A state that publishes vote history apart from its voter file (North Carolina's ncvhis,
Florida's history extract) gets it loaded after the voter file, with its own mapping.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from neo4j import Driver

from ingest.history import load_history_mapping
from ingest.history_job import ingest_history
from ingest.mapping import load_mapping
from ingest.voters_job import Report, ingest_voters
from outreach.core.settings import Settings
from outreach.usecases import jobs
from outreach.usecases.jobs import TaskQueue

Send = Callable[[TaskQueue, str, str, str], None]


def _queue_file(
    driver: Driver,
    queue: TaskQueue,
    *,
    kind: str,
    send: Send,
    path: Path,
    mapping: str,
    owner: str | None,
) -> str:
    """Record a file's load as a job, then send it: (queue, job id, resolved path, mapping)."""
    resolved = str(path.resolve())
    job_id = jobs.record(
        driver, kind=kind, owner=owner, params={"mapping": mapping, "file": path.name}
    )
    jobs.publish(driver, [job_id], lambda: send(queue, job_id, resolved, mapping))
    return job_id


def submit(
    driver: Driver, queue: TaskQueue, *, path: Path, mapping: str, owner: str | None = None
) -> str:
    """Check the mapping, then record and queue a voter-file load; return its job id."""
    load_mapping(mapping)  # an unknown or broken mapping is refused now, not in the job
    return _queue_file(
        driver,
        queue,
        kind="ingest_voters",
        send=lambda q, job_id, where, name: q.ingest_voters(job_id, path=where, mapping=name),
        path=path,
        mapping=mapping,
        owner=owner,
    )


def load(
    driver: Driver, settings: Settings, *, path: Path, mapping: str, report: Report | None = None
) -> dict[str, int]:
    """Load the file (the job's work): stream, map, normalize, upsert in batches."""
    return ingest_voters(driver, path=path, mapping=mapping, settings=settings, report=report)


def submit_history(
    driver: Driver, queue: TaskQueue, *, path: Path, mapping: str, owner: str | None = None
) -> str:
    """Check the history mapping, then record and queue a vote-history load; return its job."""
    load_history_mapping(mapping)  # refused now, not in the job
    return _queue_file(
        driver,
        queue,
        kind="ingest_history",
        send=lambda q, job_id, where, name: q.ingest_history(job_id, path=where, mapping=name),
        path=path,
        mapping=mapping,
        owner=owner,
    )


def load_history(
    driver: Driver, settings: Settings, *, path: Path, mapping: str, report: Report | None = None
) -> dict[str, int]:
    """Load the history (the job's work): votes onto voters, then history and turnout."""
    return ingest_history(driver, path=path, mapping=mapping, settings=settings, report=report)
