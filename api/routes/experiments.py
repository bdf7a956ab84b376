"""Message experiments: organizers define variants, read the results, promote a winner.

Writes need the organizer role (``Organizer``); reading the results is open to analysts
too (``Reporter``). Each handler parses, authorises and calls
``outreach.usecases.message_experiments``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, ConfigDict, Field

from api.deps import Graph, Organizer, Reporter
from api.schemas import PROBLEM_RESPONSES, problems
from outreach.core.errors import Conflict, InvalidInput, NotFound
from outreach.usecases import message_experiments as experiments

router = APIRouter(
    prefix="/organizer/experiments", tags=["experiments"], responses=PROBLEM_RESPONSES
)
ExperimentId = Annotated[str, Path(max_length=64, description="The experiment's id")]
SuccessOutcome = Literal["will_vote", "registered", "already_voted", "not_interested",
                         "wrong_person", "do_not_contact"]  # fmt: skip
_POSITIVE: list[SuccessOutcome] = ["will_vote", "registered", "already_voted"]
_INVALID = problems((InvalidInput, "the experiment is not valid; `errors` names each field"))
_MISSING = problems((NotFound, "no experiment with this id"))
_CONFLICT = problems((Conflict, "the experiment's status does not allow this"))


class SegmentIn(BaseModel):
    """A text for friends whose voter record has ``field`` equal to ``equals``."""

    field: Literal["state", "district", "party"]
    equals: str = Field(min_length=1, max_length=100)
    template: str = Field(min_length=1, max_length=600)


class VariantIn(BaseModel):
    """One message: a template with {first_name}, {state}, {deadline}, {supporter_name}."""

    name: str = Field(min_length=1, max_length=80)
    template: str = Field(min_length=1, max_length=600)
    fallback: str = Field(
        default="Hi {first_name}! Are you planning to vote this year? Happy to help with a plan.",
        min_length=1,
        max_length=600,
        description="Sent when a field the template needs is unknown; only {first_name}",
    )
    segments: list[SegmentIn] = Field(default_factory=list, max_length=10)


class ExperimentIn(BaseModel):
    """A new experiment over two to six variants; it stops the current one."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Deadline or plan",
                    "variants": [
                        {
                            "name": "Deadline",
                            "template": "Hi {first_name}! {state} closes registration on "
                            "{deadline}. Are you registered?",
                        },
                        {
                            "name": "Plan",
                            "template": "Hi {first_name}, it's {supporter_name}. "
                            "Got a plan to vote?",
                        },
                    ],
                    "share": 0.5,
                    "success": ["will_vote", "registered"],
                    "thompson": False,
                }
            ]
        }
    )

    name: str = Field(min_length=1, max_length=120)
    variants: list[VariantIn] = Field(min_length=2, max_length=6)
    share: float = Field(default=1.0, gt=0.0, le=1.0, description="Share of asks in the test")
    success: list[SuccessOutcome] = Field(default_factory=lambda: list(_POSITIVE), min_length=1)
    thompson: bool = Field(default=False, description="Allow rebalancing toward the winner")


class SegmentOut(BaseModel):
    """A segment's text."""

    field: str
    equals: str
    template: str


class VariantOut(BaseModel):
    """A stored variant."""

    id: str
    name: str
    template: str
    fallback: str
    segments: list[SegmentOut]


class ExperimentOut(BaseModel):
    """An experiment: its variants, status, shares of new draws and winner."""

    id: str
    name: str
    status: Literal["running", "promoted", "stopped"]
    share: float
    success: list[str]
    thompson: bool
    winner: str | None
    author: str | None
    created_at: str | None
    allocation: dict[str, float]
    variants: list[VariantOut]


class VariantResult(BaseModel):
    """One variant's asks (friends asked), outcomes, and success rate with its interval."""

    variant_id: str
    name: str
    asks: int
    successes: int
    rate: float | None
    ci_low: float | None
    ci_high: float | None
    outcomes: dict[str, int]
    allocation: float | None


class ExperimentReport(BaseModel):
    """The experiment and each variant's results; whether the rates differ, and the leader."""

    experiment: ExperimentOut
    variants: list[VariantResult]
    test: str | None
    p_value: float | None
    significant: bool
    leader: str | None
    confidence: float


class PromoteIn(BaseModel):
    """The variant to send to every ask from now on."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"variant_id": "A"}]})

    variant_id: str = Field(min_length=1, max_length=8)


def _out(view: dict[str, Any]) -> ExperimentOut:
    return ExperimentOut.model_validate(view)


@router.post(
    "",
    response_model=ExperimentOut,
    status_code=status.HTTP_201_CREATED,
    responses=_INVALID,
)
def create(body: ExperimentIn, principal: Organizer, graph: Graph) -> ExperimentOut:
    """Start a message experiment; the current one stops. Lists show its variants at once."""
    return _out(
        experiments.create(
            graph,
            name=body.name,
            variants=[
                experiments.VariantSpec(
                    name=v.name,
                    template=v.template,
                    fallback=v.fallback,
                    segments=[s.model_dump() for s in v.segments],
                )
                for v in body.variants
            ],
            share=body.share,
            success=list(body.success),
            thompson=body.thompson,
            author=principal.subject,
        )
    )


@router.get("", response_model=list[ExperimentOut])
def listing(_: Reporter, graph: Graph) -> list[ExperimentOut]:
    """The latest experiments, newest first."""
    return [_out(e) for e in experiments.listing(graph)]


@router.get("/{experiment_id}", response_model=ExperimentReport, responses=_MISSING)
def report(
    experiment_id: ExperimentId,
    _: Reporter,
    graph: Graph,
    confidence: Annotated[float, Query(ge=0.5, lt=1.0, description="Interval level")] = 0.95,
) -> ExperimentReport:
    """Each variant's asks, outcomes and success rate with an interval, and a test between them."""
    return ExperimentReport.model_validate(
        experiments.report(graph, experiment_id, confidence=confidence)
    )


@router.post("/{experiment_id}/stop", response_model=ExperimentOut, responses=_MISSING)
def stop(experiment_id: ExperimentId, _: Organizer, graph: Graph) -> ExperimentOut:
    """Stop the experiment: lists go back to the usual message."""
    return _out(experiments.stop(graph, experiment_id))


@router.post(
    "/{experiment_id}/promote",
    response_model=ExperimentOut,
    responses={**_MISSING, **_INVALID, **_CONFLICT},
)
def promote(
    experiment_id: ExperimentId, body: PromoteIn, _: Organizer, graph: Graph
) -> ExperimentOut:
    """Send one variant to every ask from now on; the test ends."""
    return _out(experiments.promote(graph, experiment_id, variant_id=body.variant_id))


@router.post(
    "/{experiment_id}/rebalance",
    response_model=ExperimentOut,
    responses={**_MISSING, **_CONFLICT},
)
def rebalance(experiment_id: ExperimentId, _: Organizer, graph: Graph) -> ExperimentOut:
    """Thompson sampling: shift new draws toward the variants likeliest to win."""
    return _out(experiments.rebalance(graph, experiment_id))
