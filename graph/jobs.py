"""Job records: status and per-stage counts of ingest and ranking jobs, kept in the graph."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, LiteralString

from neo4j import Driver

from graph.db.run import read, write, write_one, write_rows
from outreach.core.errors import NotFound

MAX_STORED_ERRORS = 1000

CREATE_JOB: LiteralString = """
MERGE (j:Job {id: $id})
ON CREATE SET j.kind = $kind, j.status = 'queued', j.created_at = datetime(),
              j.owner = $owner, j.params = $params, j.counts = '{}', j.errors = '[]',
              j.error_count = 0, j.attempts = 0, j.heartbeat = $now, j.after_job_id = $after
RETURN j.id AS id
"""

# Re-ranks chained to an upload whose load has succeeded but whose own task has not
# started (behind other work in the queue): a running re-rank takes them into its scope.
CLAIM_WAITING_RANKS: LiteralString = """
MATCH (j:Job {status: 'queued'})
WHERE j.kind = 'rank' AND j.id <> $into AND j.after_job_id IS NOT NULL
  AND j.owner IS NOT NULL
MATCH (a:Job {id: j.after_job_id})
WHERE a.status = 'succeeded'
WITH j ORDER BY j.heartbeat LIMIT $limit
SET j.status = 'running', j.merged_into = $into, j.heartbeat = $now, j.updated_at = datetime(),
    j.started_at = datetime()
RETURN j.id AS id, j.owner AS owner
"""

MERGED_INTO: LiteralString = """
MATCH (j:Job {id: $id}) RETURN j.merged_into AS merged_into, j.status AS status
"""

START_JOB: LiteralString = """
MATCH (j:Job {id: $id})
SET j.status = 'running', j.attempts = coalesce(j.attempts, 0) + 1, j.heartbeat = $now,
    j.updated_at = datetime(), j.started_at = datetime()
RETURN j.attempts AS attempts
"""

STALE_JOBS: LiteralString = """
MATCH (j:Job)
WHERE (j.status IN ['running', 'retrying'] AND coalesce(j.heartbeat, 0) < $running_before)
   OR (j.status = 'queued' AND coalesce(j.heartbeat, 0) < $queued_before)
RETURN j.id AS id, j.kind AS kind, j.status AS status, j.params AS params
"""

PENDING_FULL_RANK: LiteralString = """
MATCH (j:Job {kind: 'rank'})
WHERE j.status = 'queued' AND j.params = $params
RETURN j.id AS id ORDER BY j.heartbeat LIMIT 1
"""

UPDATE_JOB: LiteralString = """
MATCH (j:Job {id: $id})
SET j.status = $status, j.counts = $counts, j.updated_at = datetime(), j.heartbeat = $now,
    j.errors = coalesce($errors, j.errors),
    j.error_count = coalesce($error_count, j.error_count),
    j.message = $message
"""

GET_JOB: LiteralString = """
MATCH (j:Job {id: $id})
RETURN j.id AS id, j.kind AS kind, j.status AS status, j.owner AS owner,
       j.counts AS counts, j.errors AS errors, j.error_count AS error_count,
       j.message AS message, j.created_at AS created_at, j.started_at AS started_at,
       j.updated_at AS updated_at, j.params AS params, j.attempts AS attempts
"""


@dataclass(frozen=True)
class JobRecord:
    """A job as stored: status, counts per stage, the rejected rows (capped) and a message."""

    id: str
    kind: str
    status: str
    owner: str | None = None
    counts: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0
    message: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    created_at: str | None = None
    started_at: str | None = None  # when a worker last started it (a queue's wait ends)
    updated_at: str | None = None
    attempts: int = 0

    @property
    def finished(self) -> bool:
        """True once the job can change no more."""
        return self.status in FINAL_STATUSES


FINAL_STATUSES = frozenset({"succeeded", "failed", "skipped"})


def create_job(
    driver: Driver,
    *,
    job_id: str,
    kind: str,
    owner: str | None,
    params: dict[str, Any],
    after: str | None = None,
) -> str:
    """Record a queued job (to run once job ``after`` succeeded); again for the same id, nothing."""
    write(
        driver,
        CREATE_JOB,
        id=job_id,
        kind=kind,
        owner=owner,
        params=json.dumps(params, sort_keys=True),
        now=time.time(),
        after=after,
    )
    return job_id


def claim_waiting_ranks(driver: Driver, *, into: str, limit: int) -> list[tuple[str, str]]:
    """Take up to ``limit`` upload re-ranks that wait only for a worker: (job id, supporter)."""
    rows = write_rows(driver, CLAIM_WAITING_RANKS, into=into, limit=limit, now=time.time())
    return [(str(r["id"]), str(r["owner"])) for r in rows]


def merged_into(driver: Driver, job_id: str) -> tuple[str | None, str]:
    """The re-rank that took this one into its scope (or None), and this one's status."""
    rows = read(driver, MERGED_INTO, id=job_id)
    if not rows:
        raise NotFound(f"no job with id {job_id!r}")
    return rows[0]["merged_into"], str(rows[0]["status"])


def start_job(driver: Driver, job_id: str) -> int:
    """Mark the job running and count the attempt; return how many attempts there were."""
    rows = write_one(driver, START_JOB, id=job_id, now=time.time())
    return int(rows["attempts"] or 1)


@dataclass(frozen=True)
class StaleJob:
    """A job with no sign of life: its kind, last status and parameters."""

    id: str
    kind: str
    status: str
    params: dict[str, Any]


def stale_jobs(driver: Driver, *, running_before: float, queued_before: float) -> list[StaleJob]:
    """Jobs with no heartbeat: running since ``running_before``, queued since ``queued_before``."""
    return [
        StaleJob(str(r["id"]), str(r["kind"]), str(r["status"]), json.loads(r["params"] or "{}"))
        for r in read(
            driver, STALE_JOBS, running_before=running_before, queued_before=queued_before
        )
    ]


def pending_job(driver: Driver, *, kind: str, params: dict[str, Any]) -> str | None:
    """A queued job of this kind with exactly these parameters, if one waits (rank only)."""
    if kind != "rank":
        return None
    rows = read(driver, PENDING_FULL_RANK, params=json.dumps(params, sort_keys=True))
    return str(rows[0]["id"]) if rows else None


def update_job(
    driver: Driver,
    *,
    job_id: str,
    status: str,
    counts: dict[str, int],
    errors: list[dict[str, Any]] | None = None,
    message: str | None = None,
) -> None:
    """Store the job's status, stage counts and (capped) rejected rows."""
    write(
        driver,
        UPDATE_JOB,
        id=job_id,
        status=status,
        counts=json.dumps(counts),
        errors=json.dumps(errors[:MAX_STORED_ERRORS]) if errors is not None else None,
        error_count=len(errors) if errors is not None else None,
        message=message,
        now=time.time(),
    )


def get_job(driver: Driver, job_id: str) -> JobRecord:
    """The job's status, counts and rejected rows, or NotFound."""
    rows = read(driver, GET_JOB, id=job_id)
    if not rows:
        raise NotFound(f"no job with id {job_id!r}")
    row = rows[0]
    return JobRecord(
        id=str(row["id"]),
        kind=str(row["kind"]),
        status=str(row["status"]),
        owner=row["owner"],
        counts=json.loads(row["counts"] or "{}"),
        errors=json.loads(row["errors"] or "[]"),
        error_count=int(row["error_count"] or 0),
        message=row["message"],
        params=json.loads(row["params"] or "{}"),
        created_at=str(row["created_at"]) if row["created_at"] is not None else None,
        started_at=str(row["started_at"]) if row["started_at"] is not None else None,
        updated_at=str(row["updated_at"]) if row["updated_at"] is not None else None,
        attempts=int(row["attempts"] or 0),
    )
