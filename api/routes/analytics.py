"""Analytics routes: analysts' read-only Cypher and the standard reports, as JSON or CSV.

``POST /analytics/cypher`` is for analysts (and admins). The reports are for analysts
and organizers. Every report takes ``geo`` (repeatable) to narrow it to states or
districts; reach and bridge supporters default to the current target geographies,
the others to every friend. Add ``format=csv`` for a spreadsheet-safe download.

Analysts are trusted staff with read access to the whole graph, including the names
supporters gave their friends; reports never show names. Queries are logged by a
fingerprint of their text, never the text, since it may hold personal data.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from api.csv_export import csv_response, records_to_csv, to_csv
from api.deps import Analyst, AppSettings, Graph, Reporter
from api.rate_limits import AnalystQueryLimit, count_abandoned_query
from api.schemas import PROBLEM_RESPONSES, RATE_LIMITED, Offset, Page, StatusCounts, problems
from outreach.core.errors import InvalidInput, QueryRefused
from outreach.usecases import analyst_queries, graph_schema, reports

router = APIRouter(prefix="/analytics", tags=["analytics"], responses=PROBLEM_RESPONSES)

Format = Annotated[Literal["json", "csv"], Query(alias="format", description="json or csv")]
Geos = Annotated[
    list[str] | None,
    Query(alias="geo", description="A state (PA) or district (NE-2); repeat for several"),
]
_GEO = problems((InvalidInput, "a query parameter is invalid, or `geo` names an unknown geography"))
_REFUSED = problems(
    (QueryRefused, "the query could write, call a writing procedure, or does not parse"),
    (
        InvalidInput,
        "the body is invalid (an integer parameter past 64 bits, too); `errors` names each field",
    ),
)
_CSV = {"description": "The same data as CSV with format=csv", "content": {"text/csv": {}}}


class CypherIn(BaseModel):
    """An analyst's read-only query, its parameters, and the limits to run it under."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "query": "MATCH (v:Voter {state: $state}) RETURN v.district AS district, "
                    "count(*) AS voters ORDER BY voters DESC",
                    "parameters": {"state": "WI"},
                    "format": "json",
                    "limit": 100,
                    "timeout_seconds": 10,
                }
            ]
        }
    )

    query: str = Field(
        min_length=1,
        max_length=100_000,
        examples=["MATCH (v:Voter) RETURN v.state AS state, count(*) AS n"],
    )
    parameters: dict[str, Any] = Field(default_factory=dict)
    format: Literal["json", "csv"] = "json"
    limit: int = Field(default=1000, ge=1, le=10_000, description="Rows returned at most")
    timeout_seconds: float = Field(default=30.0, gt=0, le=120, description="Wall-clock limit")


class CypherOut(BaseModel):
    """Columns and rows (nodes as {labels, properties}, relationships as {type, properties})."""

    columns: list[str]
    rows: list[list[Any]]
    truncated: bool = Field(description="True when more rows existed than the limit")
    elapsed_ms: int


class ReachRow(StatusCounts):
    """One geography: friends reachable through supporters, and how far they got."""

    geo: str
    reachable: int
    held_out: int


REACH_COLUMNS = ("geo", "reachable", "held_out", "assigned", "asked", *reports.STATUS_COLUMNS)


class ReachReport(BaseModel):
    """Reach by state or district."""

    geos: list[str]
    rows: list[ReachRow]


class BridgeRow(BaseModel):
    """A supporter who reaches many target friends; ``sole_link`` friends no one else knows."""

    supporter_id: str
    target_friends: int
    sole_link: int
    assigned: int
    asked: int
    geos: list[str]


class BridgeReport(BaseModel):
    """The supporters who reach the most friends in the geographies."""

    geos: list[str]
    rows: list[BridgeRow]


class FunnelTotals(StatusCounts):
    """The whole funnel, with positive and negative replies summed and stage rates."""

    positive: int
    negative: int
    ask_rate: float | None = Field(description="asked / assigned")
    positive_rate: float | None = Field(description="positive / asked")


class FunnelDay(BaseModel):
    """One UTC day of recorded asks: records, distinct friends, records by outcome."""

    day: str | None
    records: int
    friends: int
    no_reply: int
    will_vote: int
    registered: int
    already_voted: int
    not_interested: int
    wrong_person: int
    do_not_contact: int


class FunnelReport(BaseModel):
    """The outcome funnel, and with ``by=day`` its series over time."""

    geos: list[str] | None
    totals: FunnelTotals
    by_day: list[FunnelDay] | None = None


class Arm(BaseModel):
    """One arm of the comparison: friends, those with a positive reply, the rate."""

    friends: int
    positive: int
    rate: float | None


class LiftReport(BaseModel):
    """Assigned vs held-out friends on the turnout proxy, with a CI for the difference."""

    measure: str
    positive_outcomes: list[str]
    geos: list[str] | None
    assigned: Arm
    held_out: Arm
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    confidence: float
    method: str
    note: str


class HeldOutFriend(BaseModel):
    """A held-out friend's key (a keyed hash; no name) and the model version that held it out."""

    key: str
    holdout_version: int | None = None


@router.post(
    "/cypher",
    response_model=CypherOut,
    responses={200: _CSV, **_REFUSED, **RATE_LIMITED},
    dependencies=[AnalystQueryLimit],
)
def cypher(
    body: CypherIn, principal: Analyst, graph: Graph, settings: AppSettings
) -> Response | CypherOut:
    """Run a read-only Cypher query; anything that could write is refused with a 400.

    The labels, relationships and properties to query, and what each means, are in the
    graph schema reference: `GET /analytics/graph-schema` (the same text as
    `docs/graph_schema.md`, generated from the schema and the Cypher that writes the graph).
    """
    try:
        result = analyst_queries.run(
            graph,
            analyst=principal.subject,
            query=body.query,
            parameters=body.parameters,
            limit=body.limit,
            timeout=body.timeout_seconds,
        )
    except QueryRefused as exc:
        if exc.extra.get("reason") == "timeout":  # it held the server: it counts
            count_abandoned_query(settings, principal)
        raise
    if body.format == "csv":
        headers = {
            "X-Truncated": str(result.truncated).lower(),
            "X-Elapsed-Ms": str(result.elapsed_ms),
        }
        return csv_response("query", to_csv(result.columns, result.rows), headers=headers)
    return CypherOut(
        columns=result.columns,
        rows=result.rows,
        truncated=result.truncated,
        elapsed_ms=result.elapsed_ms,
    )


@router.get(
    "/graph-schema",
    response_class=Response,
    responses={200: {"description": "Markdown", "content": {"text/markdown": {}}}},
)
def schema_reference(_: Reporter) -> Response:
    """The graph's labels, relationships and properties, and what each means (Markdown)."""
    return Response(graph_schema.reference(), media_type="text/markdown; charset=utf-8")


@router.get("/reach-by-state", response_model=ReachReport, responses={200: _CSV, **_GEO})
def reach_by_state(
    _: Reporter, graph: Graph, geo: Geos = None, fmt: Format = "json"
) -> Response | ReachReport:
    """Per target state or district: friends reachable, held out, assigned, asked, and replies."""
    geos = reports.geos_or_targets(graph, geo)
    rows = reports.reach(graph, geos=geos)
    if fmt == "csv":
        return csv_response("reach-by-state", records_to_csv(REACH_COLUMNS, rows))
    return ReachReport(geos=geos, rows=[ReachRow.model_validate(r) for r in rows])


@router.get("/bridge-supporters", response_model=BridgeReport, responses={200: _CSV, **_GEO})
def bridge_supporters(
    _: Reporter,
    graph: Graph,
    geo: Geos = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    fmt: Format = "json",
) -> Response | BridgeReport:
    """Supporters who reach the most target friends, by supporter id (no names)."""
    geos = reports.geos_or_targets(graph, geo)
    rows = reports.bridges(graph, geos=geos, limit=limit)
    if fmt == "csv":
        flat = [{**r, "geos": " ".join(r["geos"])} for r in rows]  # one code per word, no JSON
        text = records_to_csv(list(BridgeRow.model_fields), flat)
        return csv_response("bridge-supporters", text)
    return BridgeReport(geos=geos, rows=[BridgeRow.model_validate(r) for r in rows])


@router.get("/funnel", response_model=FunnelReport, responses={200: _CSV, **_GEO})
def funnel(
    _: Reporter,
    graph: Graph,
    geo: Geos = None,
    by: Annotated[Literal["day"] | None, Query(description="day: a series by date")] = None,
    fmt: Format = "json",
) -> Response | FunnelReport:
    """Assigned -> asked -> replies (will vote, registered, already voted, and the negatives)."""
    totals = reports.funnel(graph, geos=geo)
    days = reports.funnel_days(graph, geos=geo) if by == "day" else None
    if fmt == "csv":
        if days is not None:
            return csv_response("funnel-by-day", records_to_csv(list(FunnelDay.model_fields), days))
        return csv_response("funnel", records_to_csv(list(FunnelTotals.model_fields), [totals]))
    return FunnelReport(
        geos=geo or None,
        totals=FunnelTotals.model_validate(totals),
        by_day=None if days is None else [FunnelDay.model_validate(d) for d in days],
    )


@router.get("/lift", response_model=LiftReport, responses={200: _CSV, **_GEO})
def lift(
    _: Reporter, graph: Graph, geo: Geos = None, fmt: Format = "json"
) -> Response | LiftReport:
    """Turnout-proxy rate of assigned vs held-out friends, with a 95% CI (a proxy: see note)."""
    report = LiftReport.model_validate(reports.lift(graph, geos=geo))
    if fmt == "csv":
        flat: dict[str, Any] = {"measure": report.measure}
        for arm in ("assigned", "held_out"):
            for key, value in getattr(report, arm).model_dump().items():
                flat[f"{arm}_{key}"] = value
        flat.update(report.model_dump(include={"difference", "ci_low", "ci_high", "confidence"}))
        flat.update(
            method=report.method,
            positive_outcomes=" ".join(report.positive_outcomes),
            geos=" ".join(report.geos or []),
            note=report.note,
        )
        return csv_response("lift", records_to_csv(list(flat), [flat]))
    return report


@router.get("/holdout", response_model=Page[HeldOutFriend], responses={200: _CSV, **_GEO})
def holdout(
    _: Reporter,
    graph: Graph,
    geo: Geos = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    offset: Offset = 0,
    fmt: Format = "json",
) -> Response | Page[HeldOutFriend]:
    """Held-out friends' keys, a page at a time (keys only, never names)."""
    rows, total = reports.holdout(graph, geos=geo, offset=offset, limit=limit)
    if fmt == "csv":
        text = records_to_csv(list(HeldOutFriend.model_fields), rows)
        return csv_response("holdout", text, headers={"X-Total-Count": str(total)})
    items = [HeldOutFriend.model_validate(r) for r in rows]
    return Page[HeldOutFriend](items=items, total=total, limit=limit, offset=offset)
