"""Organizer routes for the NGP VAN / EveryAction sync: the code mapping, push, pull, state.

What is and is not sent is in the README ("NGP VAN / EveryAction"). Both syncs run as
jobs: watch them at ``/jobs/{job_id}``; each pushed outcome's state (pending, sent,
failed with the reason) is at ``GET /organizer/van/sync``.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Body, Query, status
from pydantic import BaseModel, ConfigDict, Field

from api.deps import AppSettings, Graph, Organizer, Outbox, Reporter
from api.schemas import PROBLEM_RESPONSES, JobAccepted, Offset, problems
from outreach.core.errors import Conflict, QueueUnavailable, SettingsInvalid
from outreach.usecases import van_pull, van_sync

router = APIRouter(prefix="/organizer/van", tags=["organizers"], responses=PROBLEM_RESPONSES)
NOT_CONFIGURED = problems(
    (Conflict, "VAN is not configured on the server (OUTREACH_VAN_APPLICATION_NAME, _API_KEY)"),
)
QUEUE_DOWN = problems((QueueUnavailable, "the job queue did not take the job; try again"))
MAPPING_EXAMPLE = {
    "outcomes": {
        "will_vote": {"survey_question_id": 101, "survey_response_id": 1001},
        "not_interested": {"survey_question_id": 101, "survey_response_id": 1003},
        "wrong_person": {"result_code_id": 20},
    },
    "contact_types": {"call": 1, "in_person": 2, "text": 37},
    "input_type_id": 11,
}


class MappingOut(BaseModel):
    """The organizer's mapping of our outcomes to VAN codes, and its version (0: never set)."""

    version: int
    mapping: dict[str, Any]


class PullIn(BaseModel):
    """The saved list to pull (it must be shared with the API user)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"saved_list_id": 1234}]})

    saved_list_id: int = Field(ge=1)


class SyncRecord(BaseModel):
    """One pushed outcome: its state and, if it failed, why."""

    id: str
    status: Literal["pending", "sent", "failed"]
    reason: str | None = None
    outcome: str | None = None
    attempts: int | None = None
    updated_at: float | None = None
    sent_at: float | None = None


class SyncState(BaseModel):
    """Records per state, and a page of records, latest change first."""

    counts: dict[str, int]
    items: list[SyncRecord]


class Requeued(BaseModel):
    """How many failed records went back to pending."""

    requeued: int


@router.get("/mapping", response_model=MappingOut)
def get_mapping(_: Reporter, graph: Graph) -> MappingOut:
    """Which VAN result code or survey response each outcome becomes when pushed."""
    version, rules = van_sync.mapping(graph)
    return MappingOut(version=version, mapping=rules.model_dump(mode="json"))


@router.put(
    "/mapping",
    response_model=MappingOut,
    responses=problems((SettingsInvalid, "the mapping fails validation; `errors` names each")),
)
def put_mapping(
    principal: Organizer,
    graph: Graph,
    body: dict[str, Any] = Body(
        description="`outcomes`: for each of our outcomes, a VAN `result_code_id`, or a "
        "`survey_question_id` and `survey_response_id`; an outcome left out is not pushed. "
        "`contact_types`: our channel to a VAN contact type id. `input_type_id`: optional.",
        examples=[MAPPING_EXAMPLE],
    ),
) -> MappingOut:
    """Replace the mapping of our outcomes to VAN codes (validated, versioned)."""
    version, rules = van_sync.set_mapping(graph, body, author=principal.subject)
    return MappingOut(version=version, mapping=rules.model_dump(mode="json"))


@router.post(
    "/push",
    response_model=JobAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    responses={**NOT_CONFIGURED, **QUEUE_DOWN},
)
def push(principal: Organizer, graph: Graph, queue: Outbox, settings: AppSettings) -> JobAccepted:
    """Push recorded outcomes to VAN as canvass responses; each is sent once, ever."""
    job_id = van_sync.request_push(graph, queue, settings, owner=principal.subject)
    return JobAccepted(job_id=job_id, status_url=f"/jobs/{job_id}")


@router.post(
    "/pull",
    response_model=JobAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    responses={**NOT_CONFIGURED, **QUEUE_DOWN},
)
def pull(
    body: PullIn, principal: Organizer, graph: Graph, queue: Outbox, settings: AppSettings
) -> JobAccepted:
    """Export a VAN saved list and load it as a voter file (the voters keep their VAN ids)."""
    job_id = van_pull.request_pull(
        graph, queue, settings, saved_list_id=body.saved_list_id, owner=principal.subject
    )
    return JobAccepted(job_id=job_id, status_url=f"/jobs/{job_id}")


@router.get("/sync", response_model=SyncState)
def sync_state(
    _: Reporter,
    graph: Graph,
    state: Literal["pending", "sent", "failed"] | None = Query(None, alias="status"),
    limit: int = Query(50, ge=1, le=500, description="Page size"),
    offset: Offset = 0,
) -> SyncState:
    """Pushed outcomes per state, and a page of them with why any failed."""
    return SyncState.model_validate(
        van_sync.sync_state(graph, status=state, offset=offset, limit=limit)
    )


@router.post("/sync/retry-failed", response_model=Requeued)
def retry_failed(_: Organizer, graph: Graph) -> Requeued:
    """Put failed records back to pending (check VAN first: a lost answer may have landed)."""
    return Requeued(requeued=van_sync.retry_failed(graph))
