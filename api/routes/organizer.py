"""Organizer routes: matcher settings (validated, versioned), re-ranks, and campaign reports."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Query, status

from api.deps import AppSettings, Graph, Organizer, Queue, Reporter
from api.schemas import PROBLEM_RESPONSES, JobAccepted, SettingsOut
from outreach.usecases import organizer_settings, reports, rerank

router = APIRouter(prefix="/organizer", tags=["organizers"], responses=PROBLEM_RESPONSES)

SETTINGS_EXAMPLE = {"targets": ["WI", "PA", "MI", "AZ", "GA", "NE-2"], "k": 1, "n": 10}


@router.get("/settings", response_model=SettingsOut)
def get_settings_route(_: Reporter, graph: Graph) -> SettingsOut:
    """The matcher settings in force: targets, weights, caps and model parameters."""
    now = organizer_settings.current(graph)
    return SettingsOut(version=now.version, settings=now.settings.model_dump(mode="json"))


@router.patch("/settings", response_model=SettingsOut)
def change_settings(
    principal: Organizer,
    graph: Graph,
    queue: Queue,
    settings: AppSettings,
    changes: dict[str, Any] = Body(openapi_examples={"targets": {"value": SETTINGS_EXAMPLE}}),
    rerank: bool = Query(False, description="Start a full re-rank with the new settings"),
) -> SettingsOut:
    """Change some settings; the result is validated and stored as a new version."""
    changed = organizer_settings.change(
        graph,
        changes=changes,
        author=principal.subject,
        queue=queue if rerank else None,
        settings=settings,
    )
    return SettingsOut(version=changed.version, settings=changed.settings.model_dump(mode="json"))


@router.get("/settings/history")
def history(_: Reporter, graph: Graph) -> list[dict[str, Any]]:
    """Every version of the settings, newest first, with who made it and when."""
    return organizer_settings.history(graph)


@router.post("/rerank", response_model=JobAccepted, status_code=status.HTTP_202_ACCEPTED)
def rerank_all(
    principal: Organizer, graph: Graph, queue: Queue, settings: AppSettings
) -> JobAccepted:
    """Re-rank every supporter with the settings in force; watch it at the status URL."""
    job_id = rerank.request(graph, queue, settings, owner=principal.subject)
    return JobAccepted(job_id=job_id, status_url=f"/jobs/{job_id}")


@router.get("/reports/expected-votes")
def expected_votes(_: Reporter, graph: Graph) -> dict[str, Any]:
    """The expected net votes from every assigned ask, with the assumptions behind the figure."""
    return reports.expected_votes(graph)
