"""Supporter routes: consent, uploads, the "ask these friends" list, outcomes, review, deletion.

Each handler parses, authorises (``SupporterSelf``: the supporter in the path, or an
admin) and calls one use case. Handlers are plain functions: FastAPI runs them in its
thread pool, so the blocking graph and queue calls never stall the event loop.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, File, Query, Request, Response, UploadFile, status

from api.deps import AppSettings, Graph, Outbox, Queue, SupporterSelf
from api.rate_limits import UploadLimit
from api.schemas import (
    PROBLEM_RESPONSES,
    RATE_LIMITED,
    Action,
    ConsentIn,
    ConsentOut,
    DeletionOut,
    FriendsReport,
    JobAccepted,
    MatchDecision,
    Offset,
    OutcomeIn,
    OutcomeOut,
    Page,
    PendingMatch,
    Target,
    TargetPage,
    problems,
)
from outreach.core.errors import (
    Conflict,
    ConsentRequired,
    FileRejected,
    InvalidInput,
    NotFound,
    QueueUnavailable,
)
from outreach.usecases import (
    consent,
    deletion,
    outcomes,
    review,
    supporter_list,
    uploads,
    webhooks,
)

QUEUE_DOWN = problems((QueueUnavailable, "the job queue did not take the job; try again"))

router = APIRouter(prefix="/supporters", tags=["supporters"], responses=PROBLEM_RESPONSES)
Limit = Annotated[int, Query(ge=1, le=100, description="Page size")]


@router.post(
    "/{supporter_id}/consent",
    response_model=ConsentOut,
    responses=problems((Conflict, "the terms version is not the current one (see GET /terms)")),
)
def give_consent(supporter_id: str, body: ConsentIn, _: SupporterSelf, graph: Graph) -> ConsentOut:
    """Agree to the current terms; uploads are refused until you do."""
    given = consent.give(graph, supporter_id=supporter_id, terms_version=body.terms_version)
    return ConsentOut(
        supporter_id=supporter_id,
        consent_version=given.version,
        consented_at=given.consented_at,
    )


@router.delete("/{supporter_id}/consent", status_code=status.HTTP_204_NO_CONTENT)
def withdraw(supporter_id: str, _: SupporterSelf, graph: Graph) -> None:
    """Withdraw consent: later uploads are refused until you agree again."""
    consent.withdraw(graph, supporter_id=supporter_id)


@router.post(
    "/{supporter_id}/uploads",
    response_model=JobAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        **problems(
            (NotFound, "no supporter with this id: agree to the terms first"),
        ),
        **problems(
            (ConsentRequired, "you have not agreed to the current terms (see GET /terms)"),
        ),
        **problems(
            (FileRejected, "the file is empty or larger than the limit"),
            (InvalidInput, "the form has no `file` part"),
        ),
        **QUEUE_DOWN,
        **RATE_LIMITED,
    },
    dependencies=[UploadLimit],
)
def upload_contacts(
    supporter_id: str,
    _: SupporterSelf,
    graph: Graph,
    queue: Queue,
    settings: AppSettings,
    file: Annotated[UploadFile, File(description="CSV, Google Contacts CSV, vCard (.vcf), JSON")],
) -> JobAccepted:
    """Upload a contact list; it loads as a job, then your list is re-ranked."""
    data = file.file.read(settings.upload_max_bytes + 1)
    submitted = uploads.submit(
        graph, queue, settings, supporter_id=supporter_id, data=data, filename=file.filename
    )
    return JobAccepted(
        job_id=submitted.job_id,
        upload_id=submitted.upload_id,
        status_url=f"/jobs/{submitted.job_id}",
        rank_job_id=submitted.rank_job_id,
    )


@router.get("/{supporter_id}/targets", response_model=TargetPage)
def targets(
    supporter_id: str,
    request: Request,
    _: SupporterSelf,
    graph: Graph,
    settings: AppSettings,
    limit: Limit = 10,
    offset: Offset = 0,
) -> Response:
    """Your ranked friends to ask, with the reasons and a suggested message."""
    page = supporter_list.ask_list(
        graph,
        settings,
        supporter_id=supporter_id,
        base_url=str(request.base_url),
        limit=limit,
        offset=offset,
    )
    # The use case's values are already checked: build the body once, without validating
    # it again (this is the supporters' hot path). The declared model documents it.
    body = TargetPage.model_construct(
        items=[
            Target.model_construct(
                **{**asdict(a), "actions": [Action.model_construct(**asdict(x)) for x in a.actions]}
            )
            for a in page.items
        ],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
        asked=page.asked,
        notice=page.notice,
    )
    return Response(body.model_dump_json(), media_type="application/json")


@router.get("/{supporter_id}/friends", response_model=FriendsReport)
def friends(supporter_id: str, _: SupporterSelf, graph: Graph) -> FriendsReport:
    """What became of every friend you uploaded: on your list, someone else's, or why not."""
    report = supporter_list.friends_report(graph, supporter_id=supporter_id)
    return FriendsReport(counts=report.counts, names=report.names, labels=report.labels)


@router.post(
    "/{supporter_id}/outcomes",
    response_model=OutcomeOut,
    status_code=status.HTTP_201_CREATED,
    responses=problems((NotFound, "you have no friend with this id")),
)
def add_outcome(
    supporter_id: str,
    body: OutcomeIn,
    _: SupporterSelf,
    graph: Graph,
    settings: AppSettings,
    outbox: Outbox,
) -> OutcomeOut:
    """Record what happened when you asked a friend (send ``client_id`` to make retries safe)."""
    recorded = outcomes.record(
        graph,
        supporter_id=supporter_id,
        friend_id=body.friend_id,
        channel=body.channel,
        outcome=body.outcome,
        client_id=body.client_id,
        settings=settings,
    )
    if not recorded.duplicate:
        webhooks.outcome_recorded(
            graph,
            outbox,
            supporter_id=supporter_id,
            friend_id=body.friend_id,
            outcome_id=recorded.id,
            outcome=body.outcome,
            channel=body.channel,
        )
    return OutcomeOut(id=recorded.id, duplicate=recorded.duplicate)


@router.get("/{supporter_id}/matches", response_model=Page[PendingMatch])
def matches_to_review(
    supporter_id: str,
    _: SupporterSelf,
    graph: Graph,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Page[PendingMatch]:
    """Voter records that may be your friends, waiting for you to confirm or reject."""
    rows = review.pending(graph, supporter_id=supporter_id, offset=offset, limit=limit)
    items = [PendingMatch.model_validate(r) for r in rows]
    return Page[PendingMatch](items=items, total=offset + len(items), limit=limit, offset=offset)


@router.post(
    "/{supporter_id}/matches/{friend_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**problems((NotFound, "no such suggested match for this friend")), **QUEUE_DOWN},
)
def review_match(
    supporter_id: str,
    friend_id: str,
    body: MatchDecision,
    _: SupporterSelf,
    graph: Graph,
    queue: Queue,
    settings: AppSettings,
) -> None:
    """Confirm or reject a suggested voter match; your list is then re-ranked."""
    review.decide(
        graph,
        queue,
        settings,
        supporter_id=supporter_id,
        friend_id=friend_id,
        voter_id=body.candidate_id,
        confirm=body.decision == "confirm",
    )


@router.delete("/{supporter_id}", response_model=DeletionOut)
def delete_my_data(
    supporter_id: str, _: SupporterSelf, graph: Graph, settings: AppSettings
) -> DeletionOut:
    """Delete everything you uploaded, your links, and friends nobody else knows."""
    counts = deletion.delete_supporter_data(graph, settings, supporter_id=supporter_id)
    return DeletionOut(**counts)
