"""Job records: status and per-stage counts of ingest and ranking jobs, kept in the graph."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, LiteralString

from neo4j import Driver

from graph.db.run import read, write
from outreach.core.errors import NotFound

MAX_STORED_ERRORS = 1000

CREATE_JOB: LiteralString = """
MERGE (j:Job {id: $id})
ON CREATE SET j.kind = $kind, j.status = 'queued', j.created_at = datetime(),
              j.owner = $owner, j.params = $params, j.counts = '{}', j.errors = '[]',
              j.error_count = 0
RETURN j.id AS id
"""

UPDATE_JOB: LiteralString = """
MATCH (j:Job {id: $id})
SET j.status = $status, j.counts = $counts, j.updated_at = datetime(),
    j.errors = coalesce($errors, j.errors),
    j.error_count = coalesce($error_count, j.error_count),
    j.message = $message
"""

GET_JOB: LiteralString = """
MATCH (j:Job {id: $id})
RETURN j.id AS id, j.kind AS kind, j.status AS status, j.owner AS owner,
       j.counts AS counts, j.errors AS errors, j.error_count AS error_count,
       j.message AS message, j.created_at AS created_at,
       j.updated_at AS updated_at, j.params AS params
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
    updated_at: str | None = None

    @property
    def finished(self) -> bool:
        """True once the job can change no more."""
        return self.status in FINAL_STATUSES


FINAL_STATUSES = frozenset({"succeeded", "failed", "skipped"})


def create_job(
    driver: Driver, *, job_id: str, kind: str, owner: str | None, params: dict[str, Any]
) -> str:
    """Record a queued job; calling it again for the same id changes nothing."""
    write(driver, CREATE_JOB, id=job_id, kind=kind, owner=owner, params=json.dumps(params))
    return job_id


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
        updated_at=str(row["updated_at"]) if row["updated_at"] is not None else None,
    )
