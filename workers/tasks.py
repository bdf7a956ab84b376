"""Celery tasks. Each takes ids, reloads what it needs, and calls ``ingest/`` or ``graph/``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graph.contacts import upload_filename
from graph.driver import get_driver
from graph.matcher import rank
from ingest.contacts_job import ingest_upload
from ingest.voters_job import ingest_voters
from outreach.errors import GraphUnavailable, NotFound, RowError
from outreach.settings import get_settings
from workers.app import app
from workers.jobs import Progress, run_job


@app.task(
    name="outreach.ingest_voters",
    autoretry_for=(GraphUnavailable,),
    retry_backoff=True,
    max_retries=5,
)
def ingest_voters_task(job_id: str, path: str, mapping: str) -> dict[str, Any]:
    """Load a voter file (a path the workers can read) with a column mapping."""

    def work(report: Progress) -> tuple[dict[str, int], list[RowError]]:
        rejected: list[RowError] = []

        def keep(counts: dict[str, int], errors: list[RowError]) -> None:
            rejected[:] = errors
            report(counts, errors)

        counts = ingest_voters(
            get_driver(), path=Path(path), mapping=mapping, settings=get_settings(), report=keep
        )
        return counts, rejected

    return run_job(job_id, work)


@app.task(
    name="outreach.ingest_contacts",
    autoretry_for=(GraphUnavailable,),
    retry_backoff=True,
    max_retries=5,
)
def ingest_contacts_task(
    job_id: str, supporter_id: str, upload_id: str, rerank: bool = True
) -> dict[str, Any]:
    """Load one stored upload, then re-rank the uploader and their competitors."""
    settings = get_settings()
    stored = settings.uploads_dir / upload_id

    def work(report: Progress) -> tuple[dict[str, int], list[RowError]]:
        if not stored.exists():
            raise NotFound(f"upload {upload_id} is no longer stored")
        result = ingest_upload(
            get_driver(),
            supporter_id=supporter_id,
            upload_id=upload_id,
            data=stored.read_bytes(),
            filename=upload_filename(get_driver(), upload_id),
            settings=settings,
            report=report,
        )
        return result.counts, result.rejected

    outcome = run_job(job_id, work)
    if outcome["status"] == "succeeded":
        stored.unlink(missing_ok=True)  # the raw file holds phones and emails: keep it no longer
        if rerank:
            from workers.enqueue import enqueue_rank

            enqueue_rank(get_driver(), supporter_ids=[supporter_id], owner=supporter_id)
    return outcome


@app.task(
    name="outreach.rank", autoretry_for=(GraphUnavailable,), retry_backoff=True, max_retries=5
)
def rank_task(job_id: str, supporter_ids: list[str] | None = None) -> dict[str, Any]:
    """Re-rank everyone (no ids) or the given supporters and those who compete with them."""

    def work(report: Progress) -> tuple[dict[str, int], list[RowError]]:
        result = rank(
            get_driver(), supporter_ids=supporter_ids, report=lambda counts: report(counts, [])
        )
        counts = dict(result.counts)
        counts["model_version"] = result.model_version
        return counts, []

    return run_job(job_id, work)
