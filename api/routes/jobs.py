"""Job status: counts per stage and rejected rows, for the job's owner and staff."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from api.deps import CurrentPrincipal, Graph
from api.schemas import PROBLEM_RESPONSES, JobOut
from outreach.usecases import jobs

router = APIRouter(prefix="/jobs", tags=["jobs"], responses=PROBLEM_RESPONSES)


@router.get("/{job_id}", response_model=JobOut)
def job_status(job_id: str, principal: CurrentPrincipal, graph: Graph) -> JobOut:
    """A job's status, counts per stage (read, rejected, normalized, linked, written) and errors.

    Who may call: the job's owner, organizers and admins; to anyone else it does not exist.
    """
    job = jobs.status(graph, principal, job_id)
    return JobOut(**{k: v for k, v in asdict(job).items() if k in JobOut.model_fields})
