"""Job status: counts per stage and rejected rows, for the job's owner and staff."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentPrincipal, Graph
from api.schemas import PROBLEM_RESPONSES, JobOut
from outreach.usecases import jobs

router = APIRouter(prefix="/jobs", tags=["jobs"], responses=PROBLEM_RESPONSES)


@router.get("/{job_id}", response_model=JobOut)
async def job_status(
    job_id: str,
    principal: CurrentPrincipal,
    graph: Graph,
    wait: Annotated[
        float,
        Query(
            ge=0,
            le=jobs.WATCH_MAX_SECONDS,
            description="Seconds to wait for the job to change from `seen` or end before "
            "answering (a long poll); 0 answers at once",
        ),
    ] = 0.0,
    seen: Annotated[
        str | None,
        Query(max_length=64, description="The `updated_at` of the version the caller has"),
    ] = None,
) -> JobOut:
    """A job's status, counts per stage (read, rejected, normalized, linked, written) and errors.

    With `wait`, the answer comes as soon as the job has changed since the version `seen`
    (its `updated_at`) or has ended, or when `wait` seconds have passed: a page follows a
    job with one request at a time and learns of each step at once.

    Who may call: the job's owner, organizers and admins; to anyone else it does not exist.
    """
    job = await jobs.watch(graph, principal, job_id, seen=seen, wait=wait)
    return JobOut(**{k: v for k, v in asdict(job).items() if k in JobOut.model_fields})
