"""Organizer routes: matcher settings (validated, versioned), re-ranks, and campaign reports."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Body, Query, status

from api.deps import AppSettings, Graph, Organizer, Queue, Reporter
from api.rate_limits import RerankLimit
from api.schemas import (
    PROBLEM_RESPONSES,
    RATE_LIMITED,
    ExpectedVotes,
    HoldoutPower,
    JobAccepted,
    ModelInputs,
    SettingsOut,
    SettingsVersion,
    problems,
)
from outreach.core.errors import InvalidInput, QueueUnavailable, SettingsInvalid
from outreach.usecases import organizer_settings, reports, rerank

router = APIRouter(prefix="/organizer", tags=["organizers"], responses=PROBLEM_RESPONSES)

QUEUE_DOWN = problems((QueueUnavailable, "the job queue did not take the re-rank; try again"))
PATCH_EXAMPLES: dict[str, Any] = {
    "one-weight": {
        "summary": "Change one state's weight, keep the others",
        "value": {"weights": {"WI": 0.8}},
    },
    "targets": {
        "summary": "New targets; a new target without a weight gets FiveThirtyEight's",
        "value": {"targets": ["WI", "PA", "MI", "AZ", "GA", "NE-2"]},
    },
    "caps": {"summary": "Two supporters may ask each friend", "value": {"k": 2}},
    "reset": {"summary": "Put a setting back to its default", "value": {"support_floor": None}},
}


def _out(now: organizer_settings.Versioned) -> SettingsOut:
    return SettingsOut(
        version=now.version,
        settings=now.settings,
        changed=now.changed,
        rerank_needed=now.rerank_needed,
        ranked_with=now.ranked_with,
        rank_job_id=now.rank_job_id,
    )


@router.get("/settings", response_model=SettingsOut)
def get_settings_route(_: Reporter, graph: Graph) -> SettingsOut:
    """The matcher settings in force: targets, weights, caps and model parameters."""
    return _out(organizer_settings.current(graph))


@router.patch(
    "/settings",
    response_model=SettingsOut,
    responses={
        **problems(
            (SettingsInvalid, "the settings after the change fail validation; `errors` names each"),
            (InvalidInput, "the body is not a JSON object, or a query parameter is invalid"),
        ),
        **QUEUE_DOWN,
    },
)
def change_settings(
    principal: Organizer,
    graph: Graph,
    queue: Queue,
    settings: AppSettings,
    changes: dict[str, Any] = Body(
        media_type="application/merge-patch+json",
        description="A JSON merge patch (RFC 7396) on the settings in force (the `settings` "
        "of GET /organizer/settings): name only what changes; objects such as `weights` merge "
        "member by member; null puts a setting back to its default.",
        openapi_examples=PATCH_EXAMPLES,
    ),
    rerank: bool = Query(False, description="Start a full re-rank with the new settings"),
) -> SettingsOut:
    """Change some settings, keeping the rest; validated and stored as a new version.

    The answer says whether the rankings were made with other settings
    (`rerank_needed`); `?rerank=true` starts the re-rank at once.
    """
    changed = organizer_settings.change(
        graph,
        changes=changes,
        author=principal.subject,
        queue=queue if rerank else None,
        settings=settings,
    )
    return _out(changed)


@router.get("/settings/history", response_model=list[SettingsVersion])
def history(_: Reporter, graph: Graph) -> list[SettingsVersion]:
    """Every version of the settings, newest first: who made it, when, and what it changed."""
    return [SettingsVersion.model_validate(asdict(r)) for r in organizer_settings.history(graph)]


@router.post(
    "/rerank",
    response_model=JobAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    responses={**QUEUE_DOWN, **RATE_LIMITED},
    dependencies=[RerankLimit],
)
def rerank_all(
    principal: Organizer, graph: Graph, queue: Queue, settings: AppSettings
) -> JobAccepted:
    """Re-rank every supporter with the settings in force; watch it at the status URL."""
    job_id = rerank.request(graph, queue, settings, owner=principal.subject)
    return JobAccepted(job_id=job_id, status_url=f"/jobs/{job_id}")


@router.get("/reports/model-inputs", response_model=ModelInputs)
def model_inputs(_: Reporter, graph: Graph) -> ModelInputs:
    """How many friends in the targets rest on the support prior or on imputed turnout."""
    return ModelInputs.model_validate(reports.model_inputs_report(graph))


@router.get("/reports/holdout-power", response_model=HoldoutPower)
def holdout_power(_: Reporter, graph: Graph) -> HoldoutPower:
    """The holdout's size and the smallest lift in turnout it can detect at that size."""
    return HoldoutPower.model_validate(reports.holdout_power(graph))


@router.get("/reports/expected-votes", response_model=ExpectedVotes)
def expected_votes(_: Reporter, graph: Graph) -> ExpectedVotes:
    """The expected net votes from every assigned ask, with the assumptions behind the figure."""
    return ExpectedVotes.model_validate(reports.expected_votes(graph))
