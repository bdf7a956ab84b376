"""Supporter routes: consent, uploads, the "ask these friends" list, outcomes, review, deletion."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Query, Request, UploadFile, status

from api.deps import AppSettings, CurrentPrincipal, Graph, ensure_self_or_admin
from api.schemas import (
    PROBLEM_RESPONSES,
    ConsentIn,
    ConsentOut,
    DeletionOut,
    JobAccepted,
    MatchDecision,
    OutcomeIn,
    OutcomeOut,
    Page,
    PendingMatch,
    Target,
)
from graph.config_store import current_settings_cached
from graph.deletion import delete_supporter, upload_ids
from graph.outcomes import record_outcome
from graph.ranking import read_targets
from graph.review import decide_match, pending_matches
from graph.supporters import record_consent, withdraw_consent
from ingest.contacts_job import CURRENT_TERMS
from outreach.core.errors import Conflict, FileRejected
from outreach.core.partition import partition_of
from outreach.core.tokens import issue_opt_out_token
from outreach.matching.matcher_settings import load_state_names
from outreach.matching.messages import suggested_message
from workers.enqueue import enqueue_rank, enqueue_upload

router = APIRouter(prefix="/supporters", tags=["supporters"], responses=PROBLEM_RESPONSES)
Limit = Annotated[int, Query(ge=1, le=100, description="Page size")]
Offset = Annotated[int, Query(ge=0, description="Items to skip")]


@router.post("/{supporter_id}/consent", response_model=ConsentOut)
def give_consent(
    supporter_id: str, body: ConsentIn, principal: CurrentPrincipal, graph: Graph
) -> ConsentOut:
    """Agree to the current terms; uploads are refused until you do."""
    ensure_self_or_admin(principal, supporter_id)
    if body.terms_version != CURRENT_TERMS:
        raise Conflict(f"the current terms are version {CURRENT_TERMS}; read and accept those")
    row = record_consent(
        graph,
        supporter_id=supporter_id,
        version=body.terms_version,
        partition=partition_of(supporter_id),
    )
    return ConsentOut(
        supporter_id=supporter_id,
        consent_version=row["version"],
        consented_at=str(row["consented_at"]),
    )


@router.delete("/{supporter_id}/consent", status_code=status.HTTP_204_NO_CONTENT)
def withdraw(supporter_id: str, principal: CurrentPrincipal, graph: Graph) -> None:
    """Withdraw consent: later uploads are refused until you agree again."""
    ensure_self_or_admin(principal, supporter_id)
    withdraw_consent(graph, supporter_id=supporter_id)


@router.post(
    "/{supporter_id}/uploads", response_model=JobAccepted, status_code=status.HTTP_202_ACCEPTED
)
async def upload_contacts(
    supporter_id: str,
    principal: CurrentPrincipal,
    graph: Graph,
    settings: AppSettings,
    file: Annotated[UploadFile, File(description="CSV, Google Contacts CSV, vCard (.vcf), JSON")],
) -> JobAccepted:
    """Upload a contact list; it loads as a job, then your list is re-ranked."""
    ensure_self_or_admin(principal, supporter_id)
    data = await file.read(settings.upload_max_bytes + 1)
    if len(data) > settings.upload_max_bytes:
        raise FileRejected(
            f"the file is larger than the limit of {settings.upload_max_bytes} bytes",
            limit=settings.upload_max_bytes,
        )
    job_id, upload_id = enqueue_upload(
        graph, supporter_id=supporter_id, data=data, filename=file.filename
    )
    return JobAccepted(job_id=job_id, upload_id=upload_id, status_url=f"/jobs/{job_id}")


@router.get("/{supporter_id}/targets", response_model=Page[Target])
def targets(
    supporter_id: str,
    request: Request,
    principal: CurrentPrincipal,
    graph: Graph,
    settings: AppSettings,
    limit: Limit = 10,
    offset: Offset = 0,
) -> Page[Target]:
    """Your ranked friends to ask, with the reasons and a suggested message."""
    ensure_self_or_admin(principal, supporter_id)
    rows, total = read_targets(graph, supporter_id=supporter_id, offset=offset, limit=limit)
    _, matcher = current_settings_cached(graph)
    names = load_state_names()
    base = str(request.base_url).rstrip("/")
    items = []
    for r in rows:
        state = r.get("state")
        token = issue_opt_out_token(settings, supporter_id=supporter_id, friend_id=r["friend_id"])
        items.append(
            Target(
                rank=int(r["rank"]),
                friend_id=str(r["friend_id"]),
                name=r["name"],
                reasons=list(r["reasons"] or []),
                channel=r["channel"],
                suggested_message=suggested_message(
                    first_name=r["first_name"],
                    channel=r["channel"],
                    state_name=names.get(state) if state else None,
                    deadline=matcher.registration_deadlines.get(state) if state else None,
                ),
                opt_out_url=f"{base}/opt-out/{token}",
            )
        )
    return Page[Target](items=items, total=total, limit=limit, offset=offset)


@router.post(
    "/{supporter_id}/outcomes", response_model=OutcomeOut, status_code=status.HTTP_201_CREATED
)
def add_outcome(
    supporter_id: str, body: OutcomeIn, principal: CurrentPrincipal, graph: Graph
) -> OutcomeOut:
    """Record what happened when you asked a friend (send ``client_id`` to make retries safe)."""
    ensure_self_or_admin(principal, supporter_id)
    outcome_id = body.client_id or uuid.uuid4().hex
    row = record_outcome(
        graph,
        supporter_id=supporter_id,
        friend_id=body.friend_id,
        channel=body.channel,
        outcome=body.outcome,
        outcome_id=f"{supporter_id}:{outcome_id}",
    )
    return OutcomeOut(id=outcome_id, duplicate=bool(row["duplicate"]))


@router.get("/{supporter_id}/matches", response_model=Page[PendingMatch])
def matches_to_review(
    supporter_id: str,
    principal: CurrentPrincipal,
    graph: Graph,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Page[PendingMatch]:
    """Voter records that may be your friends, waiting for you to confirm or reject."""
    ensure_self_or_admin(principal, supporter_id)
    rows = pending_matches(graph, supporter_id=supporter_id, offset=offset, limit=limit)
    items = [PendingMatch.model_validate(r) for r in rows]
    return Page[PendingMatch](items=items, total=offset + len(items), limit=limit, offset=offset)


@router.post("/{supporter_id}/matches/{friend_id}", status_code=status.HTTP_204_NO_CONTENT)
def review_match(
    supporter_id: str,
    friend_id: str,
    body: MatchDecision,
    principal: CurrentPrincipal,
    graph: Graph,
) -> None:
    """Confirm or reject a suggested voter match; your list is then re-ranked."""
    ensure_self_or_admin(principal, supporter_id)
    decide_match(
        graph,
        supporter_id=supporter_id,
        friend_id=friend_id,
        voter_id=body.candidate_id,
        confirm=body.decision == "confirm",
    )
    enqueue_rank(graph, supporter_ids=[supporter_id], owner=supporter_id)


@router.delete("/{supporter_id}", response_model=DeletionOut)
def delete_my_data(
    supporter_id: str, principal: CurrentPrincipal, graph: Graph, settings: AppSettings
) -> DeletionOut:
    """Delete everything you uploaded, your links, and friends nobody else knows."""
    ensure_self_or_admin(principal, supporter_id)
    files = 0
    for upload_id in upload_ids(graph, supporter_id):
        stored = settings.uploads_dir / upload_id
        if stored.exists():
            stored.unlink()
            files += 1
    counts = delete_supporter(graph, supporter_id=supporter_id)
    return DeletionOut(**counts, files_deleted=files)
