"""Job status: counts per stage and rejected rows, for the job's owner and staff."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentPrincipal, Graph
from api.schemas import PROBLEM_RESPONSES, JobOut
from graph.jobs import get_job
from outreach.core.errors import NotFound

router = APIRouter(prefix="/jobs", tags=["jobs"], responses=PROBLEM_RESPONSES)


@router.get("/{job_id}", response_model=JobOut)
def job_status(job_id: str, principal: CurrentPrincipal, graph: Graph) -> JobOut:
    """A job's status, counts per stage (read, rejected, normalized, linked, written) and errors."""
    job = get_job(graph, job_id)
    staff = principal.role in ("organizer", "admin")
    if not staff and job.get("owner") != principal.subject:
        raise NotFound(f"no job with id {job_id!r}")
    return JobOut(**{k: v for k, v in job.items() if k in JobOut.model_fields})
