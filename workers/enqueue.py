"""Enqueueing jobs: the job record (and any upload) is committed first, then the task is sent."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from neo4j import Driver

from graph.contacts import record_upload
from graph.jobs import create_job
from graph.supporters import consent_version
from ingest.contacts_job import CURRENT_TERMS
from outreach.core.errors import ConsentRequired, FileRejected
from outreach.core.settings import get_settings


def new_id(prefix: str) -> str:
    """A fresh opaque id such as ``job-3f2a...``."""
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def enqueue_voter_ingest(
    driver: Driver, *, path: Path, mapping: str, owner: str | None = None
) -> str:
    """Queue a voter-file load and return its job id."""
    from workers.tasks import ingest_voters_task

    job_id = new_id("job")
    resolved = str(path.resolve())
    create_job(
        driver,
        job_id=job_id,
        kind="ingest_voters",
        owner=owner,
        params={"mapping": mapping, "file": path.name},
    )
    ingest_voters_task.apply_async(args=[job_id, resolved, mapping], task_id=job_id)
    return job_id


def enqueue_upload(
    driver: Driver,
    *,
    supporter_id: str,
    data: bytes,
    filename: str | None,
    rerank: bool = True,
) -> tuple[str, str]:
    """Check consent, store the upload, queue its load; return (job id, upload id)."""
    settings = get_settings()
    if consent_version(driver, supporter_id) != CURRENT_TERMS:
        raise ConsentRequired(
            f"supporter {supporter_id!r} must agree to the current terms ({CURRENT_TERMS}) "
            "before uploading contacts"
        )
    if not data:
        raise FileRejected("the uploaded file is empty")
    if len(data) > settings.upload_max_bytes:
        raise FileRejected(
            f"the file is {len(data)} bytes; the limit is {settings.upload_max_bytes} bytes",
            limit=settings.upload_max_bytes,
        )
    digest = hashlib.sha256(data).hexdigest()
    # Same supporter, same bytes: same upload id, so a re-sent file is the same upload.
    upload_id = "upl-" + hashlib.sha256(f"{supporter_id}:{digest}".encode()).hexdigest()[:16]
    settings.uploads_dir.mkdir(parents=True, exist_ok=True)
    target = settings.uploads_dir / upload_id
    tmp = target.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.replace(target)
    record_upload(
        driver,
        supporter_id=supporter_id,
        upload_id=upload_id,
        filename=filename,
        sha256=digest,
        status="queued",
    )
    from workers.tasks import ingest_contacts_task

    job_id = new_id("job")
    create_job(
        driver,
        job_id=job_id,
        kind="ingest_contacts",
        owner=supporter_id,
        params={"upload_id": upload_id},
    )
    ingest_contacts_task.apply_async(args=[job_id, supporter_id, upload_id, rerank], task_id=job_id)
    return job_id, upload_id


def enqueue_rank(
    driver: Driver, *, supporter_ids: list[str] | None = None, owner: str | None = None
) -> str:
    """Queue a re-rank (everyone, or the given supporters and their competitors)."""
    from workers.tasks import rank_task

    job_id = new_id("job")
    create_job(
        driver,
        job_id=job_id,
        kind="rank",
        owner=owner,
        params={"supporters": len(supporter_ids) if supporter_ids else "all"},
    )
    partitions = get_settings().rank_partitions if supporter_ids is None else 0
    rank_task.apply_async(args=[job_id, supporter_ids, partitions], task_id=job_id)
    return job_id
