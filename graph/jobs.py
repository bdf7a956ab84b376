"""Job records: status and per-stage counts of ingest and ranking jobs, kept in the graph."""

from __future__ import annotations

import json
from typing import Any, LiteralString

from neo4j import Driver

from graph.db.run import Row, read, write
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


def get_job(driver: Driver, job_id: str) -> Row:
    """The job's status, counts and rejected rows, or NotFound."""
    rows = read(driver, GET_JOB, id=job_id)
    if not rows:
        raise NotFound(f"no job with id {job_id!r}")
    row = rows[0]
    row["counts"] = json.loads(row["counts"] or "{}")
    row["errors"] = json.loads(row["errors"] or "[]")
    row["params"] = json.loads(row["params"] or "{}")
    return row
