"""The lift report on validated turnout: the holdout's arms compared after the election.

Organizers and analysts read it (``Reporter``); it reads the vote history loaded after
the election and the holdout flags the rankings left, and writes nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import Graph, Reporter
from api.schemas import PROBLEM_RESPONSES, problems
from outreach.core.errors import InvalidInput
from outreach.usecases import lift_report

router = APIRouter(prefix="/organizer", tags=["organizers"], responses=PROBLEM_RESPONSES)


class Arm(BaseModel):
    """One arm of the holdout experiment: friends, randomization units, asked, voted."""

    friends: int
    units: int
    asked: int
    voted: int
    turnout: float | None = Field(description="voted / friends, validated by the vote history")


class Arms(BaseModel):
    """The assigned (treated) arm and the held-out arm."""

    assigned: Arm
    held_out: Arm


class Interval(BaseModel):
    """An estimate in turnout points (a share), its confidence interval and p-value."""

    estimate: float
    ci_low: float
    ci_high: float
    p_value: float


class LiftFigures(BaseModel):
    """Intent to treat, compliers, ask rate, the smallest detectable effect, and a verdict."""

    arms: Arms
    itt: Interval | None = Field(description="Assigned minus held-out turnout")
    cace: Interval | None = Field(description="The effect on friends who were asked")
    ask_rate: float | None = Field(description="Share of assigned friends asked")
    minimum_detectable_effect: float | None = Field(
        description="Smallest ITT this sample detects with 80% power (two-sided)"
    )
    verdict: Literal["lift", "drop", "no_detectable_effect", "too_small_to_conclude", "no_data"]


class StateLift(LiftFigures):
    """The figures for one state."""

    state: str


class LiftReport(BaseModel):
    """Lift in validated turnout, overall and by state, with the method used."""

    election: str
    geos: list[str] | None
    settings_version: int
    randomized_by: Literal["household", "friend"]
    states_without_history: list[str] = Field(
        description="States with pool friends whose vote history lacks this election: left out"
    )
    overall: LiftFigures
    by_state: list[StateLift]
    confidence: float
    min_units: int
    max_detectable: float
    method: str


@router.get(
    "/reports/turnout-lift",
    response_model=LiftReport,
    responses=problems((InvalidInput, "a query parameter is invalid, or `geo` is unknown")),
)
def turnout_lift(
    _: Reporter,
    graph: Graph,
    election: Annotated[
        date | None, Query(description="Election date (default: the settings' election)")
    ] = None,
    geo: Annotated[
        list[str] | None, Query(description="A state (PA) or district (NE-2); repeat for several")
    ] = None,
    confidence: Annotated[float, Query(ge=0.5, lt=1.0, description="Interval level")] = 0.95,
    min_units: Annotated[
        int, Query(ge=2, le=100_000, description="Fewer units in an arm: too small to conclude")
    ] = lift_report.MIN_UNITS,
    max_detectable: Annotated[
        float,
        Query(gt=0, le=1, description="Detectable effect above this: too small to conclude"),
    ] = lift_report.MAX_DETECTABLE,
) -> LiftReport:
    """Validated turnout of assigned friends against the holdout: intent to treat and compliers.

    Load the vote history for the election first (`outreach ingest history`). Each estimate
    has a confidence interval; the verdict says when the sample is too small to conclude.
    """
    return LiftReport.model_validate(
        lift_report.report(
            graph,
            election=election,
            geos=geo,
            confidence=confidence,
            min_units=min_units,
            max_detectable=max_detectable,
        )
    )
