"""Organizer routes: matcher settings (validated, versioned), re-ranks, and campaign reports."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Query, status

from api.deps import CurrentPrincipal, Graph, require_role
from api.schemas import PROBLEM_RESPONSES, JobAccepted, SettingsOut
from graph.analytics import funnel, wilson_interval
from graph.config_store import current_settings, save_settings, settings_history
from graph.ranking import expected_gain
from outreach.matching.matcher_settings import revise_settings
from workers.enqueue import enqueue_rank

router = APIRouter(prefix="/organizer", tags=["organizers"], responses=PROBLEM_RESPONSES)

SETTINGS_EXAMPLE = {"targets": ["WI", "PA", "MI", "AZ", "GA", "NE-2"], "k": 1, "n": 10}


@router.get("/settings", response_model=SettingsOut)
def get_settings_route(principal: CurrentPrincipal, graph: Graph) -> SettingsOut:
    """The matcher settings in force: targets, weights, caps and model parameters."""
    require_role(principal, "organizer", "analyst")
    version, settings = current_settings(graph)
    return SettingsOut(version=version, settings=settings.model_dump(mode="json"))


@router.patch("/settings", response_model=SettingsOut)
def change_settings(
    principal: CurrentPrincipal,
    graph: Graph,
    changes: dict[str, Any] = Body(openapi_examples={"targets": {"value": SETTINGS_EXAMPLE}}),
    rerank: bool = Query(False, description="Start a full re-rank with the new settings"),
) -> SettingsOut:
    """Change some settings; the result is validated and stored as a new version."""
    require_role(principal, "organizer")
    _, current = current_settings(graph)
    revised = revise_settings(current, changes)
    version = save_settings(graph, revised, author=principal.subject)
    if rerank:
        enqueue_rank(graph, owner=principal.subject)
    return SettingsOut(version=version, settings=revised.model_dump(mode="json"))


@router.get("/settings/history")
def history(principal: CurrentPrincipal, graph: Graph) -> list[dict[str, Any]]:
    """Every version of the settings, newest first, with who made it and when."""
    require_role(principal, "organizer", "analyst")
    return settings_history(graph)


@router.post("/rerank", response_model=JobAccepted, status_code=status.HTTP_202_ACCEPTED)
def rerank(principal: CurrentPrincipal, graph: Graph) -> JobAccepted:
    """Re-rank every supporter with the settings in force; watch it at the status URL."""
    require_role(principal, "organizer")
    job_id = enqueue_rank(graph, owner=principal.subject)
    return JobAccepted(job_id=job_id, status_url=f"/jobs/{job_id}")


@router.get("/reports/expected-votes")
def expected_votes(principal: CurrentPrincipal, graph: Graph) -> dict[str, Any]:
    """The expected net votes from every assigned ask, with the assumptions behind the figure."""
    require_role(principal, "organizer", "analyst")
    version, settings = current_settings(graph)
    gain = expected_gain(graph)
    stages = funnel(graph)
    interval = wilson_interval(stages["asked"], stages["assigned"])
    return {
        "asks_assigned": gain["asks"],
        "expected_net_votes": round(gain["expected_votes"], 2),
        "ranking_versions": gain["versions"],
        "settings_version": version,
        "assumptions": {
            "formula": "deliver * match_probability * state_weight * net_votes, summed",
            "deliver": settings.deliver,
            "beta": settings.beta,
            "persuade": settings.persuade,
            "reg_lift": settings.reg_lift,
            "p_new_voter": settings.p_new_voter,
            "support_floor": settings.support_floor,
            "weights": "FiveThirtyEight 2020 voter power index, normalized to the top target",
            "note": "Every parameter is a prior until outcomes and the holdout measure it.",
        },
        "measured_delivery": {
            "friends_assigned": stages["assigned"],
            "friends_asked": stages["asked"],
            "ask_rate": stages["ask_rate"],
            "interval_95": list(interval) if interval else None,
            "prior": settings.deliver,
            "note": (
                "Asks are known only when supporters record them, so this is a lower bound; "
                "once it is steady, set `deliver` to it in the settings."
            ),
        },
    }
