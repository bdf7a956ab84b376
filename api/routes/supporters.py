"""Supporter routes: consent, uploads, and the "ask these friends" list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile, status

from api.deps import AppSettings, CurrentPrincipal, Graph, ensure_self_or_admin
from api.schemas import ConsentIn, ConsentOut, JobAccepted, Page, Target
from graph.ranking import read_targets
from graph.supporters import record_consent
from ingest.contacts_job import CURRENT_TERMS
from outreach.errors import Conflict, FileRejected
from outreach.messages import suggested_message
from outreach.partition import partition_of
from workers.enqueue import enqueue_upload

router = APIRouter(prefix="/supporters", tags=["supporters"])


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


@router.post(
    "/{supporter_id}/uploads", response_model=JobAccepted, status_code=status.HTTP_202_ACCEPTED
)
async def upload_contacts(
    supporter_id: str,
    principal: CurrentPrincipal,
    graph: Graph,
    settings: AppSettings,
    file: Annotated[UploadFile, File(description="CSV, Google Contacts CSV, vCard (.vcf) or JSON")],
) -> JobAccepted:
    """Upload a contact list; it loads as a job, then your list is re-ranked."""
    ensure_self_or_admin(principal, supporter_id)
    data = await file.read(settings.upload_max_bytes + 1)
    if len(data) > settings.upload_max_bytes:
        raise FileRejected(
            f"the file is larger than the limit of {settings.upload_max_bytes} bytes"
        )
    job_id, upload_id = enqueue_upload(
        graph, supporter_id=supporter_id, data=data, filename=file.filename
    )
    return JobAccepted(job_id=job_id, upload_id=upload_id, status_url=f"/jobs/{job_id}")


@router.get("/{supporter_id}/targets", response_model=Page[Target])
def targets(
    supporter_id: str,
    principal: CurrentPrincipal,
    graph: Graph,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[Target]:
    """Your ranked friends to ask, with the reasons and a suggested message."""
    ensure_self_or_admin(principal, supporter_id)
    rows, total = read_targets(graph, supporter_id=supporter_id, offset=offset, limit=limit)
    items = [
        Target(
            rank=int(r["rank"]),
            friend_id=str(r["friend_id"]),
            name=r["name"],
            reasons=list(r["reasons"] or []),
            channel=r["channel"],
            suggested_message=suggested_message(
                first_name=r["first_name"], channel=r["channel"], state_name=None
            ),
        )
        for r in rows
    ]
    return Page[Target](items=items, total=total, limit=limit, offset=offset)
