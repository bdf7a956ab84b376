"""Celery tasks. Each takes ids, reloads what it needs, and calls ``ingest/`` or ``graph/``."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from celery import chord

from graph.config_store import current_settings, settings_at
from graph.contacts import upload_filename
from graph.db.driver import get_driver
from graph.jobs import update_job
from ingest.contacts_job import ingest_upload
from ingest.voters_job import ingest_voters
from outreach.core.errors import GraphUnavailable, NotFound, RowError
from outreach.core.settings import get_settings
from outreach.usecases.rerank import (
    PartitionScores,
    assign_and_write,
    partition_scope,
    rank,
    score_partition,
)
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
def rank_task(
    job_id: str, supporter_ids: list[str] | None = None, partitions: int = 0
) -> dict[str, Any]:
    """Re-rank the given supporters and their competitors, or everyone.

    With ``partitions`` > 1 a full re-rank fans out: one task scores each partition and
    a chord callback assigns and writes. Otherwise the same code runs here in one go.
    """
    if supporter_ids is None and partitions > 1:
        version, _ = current_settings(get_driver())
        update_job(
            get_driver(),
            job_id=job_id,
            status="running",
            counts={"partitions": partitions, "settings_version": version},
        )
        header = [score_partition_task.s(job_id, p, partitions, version) for p in range(partitions)]
        chord(header)(finish_rank_task.s(job_id, version).on_error(rank_failed_task.s(job_id)))
        return {"status": "fanned_out", "partitions": partitions}

    def work(report: Progress) -> tuple[dict[str, int], list[RowError]]:
        result = rank(
            get_driver(), supporter_ids=supporter_ids, report=lambda counts: report(counts, [])
        )
        counts = dict(result.counts)
        counts["model_version"] = result.model_version
        return counts, []

    return run_job(job_id, work)


@app.task(
    name="outreach.rank_partition",
    autoretry_for=(GraphUnavailable,),
    retry_backoff=True,
    max_retries=5,
)
def score_partition_task(
    job_id: str, partition: int, partitions: int, version: int
) -> dict[str, Any]:
    """Score one partition of supporters with one settings version; return its candidates."""
    driver = get_driver()
    settings = settings_at(driver, version)
    scope = partition_scope(driver, partition=partition, partitions=partitions)
    scores = score_partition(driver, supporter_ids=scope, settings=settings, as_of=date.today())
    return scores.to_json()


@app.task(name="outreach.rank_finish", autoretry_for=(GraphUnavailable,), max_retries=5)
def finish_rank_task(results: list[dict[str, Any]], job_id: str, version: int) -> dict[str, Any]:
    """Assign across every partition's candidates and write the rankings."""

    def work(report: Progress) -> tuple[dict[str, int], list[RowError]]:
        driver = get_driver()
        result = assign_and_write(
            driver,
            partitions=[PartitionScores.from_json(r) for r in results],
            settings=settings_at(driver, version),
            model_version=version,
        )
        counts = dict(result.counts)
        counts["model_version"] = version
        counts["partitions"] = len(results)
        return counts, []

    return run_job(job_id, work)


@app.task(name="outreach.rank_failed")
def rank_failed_task(request: Any, exc: Any, traceback: Any, job_id: str) -> None:
    """Record that a fanned-out re-rank failed, so nobody waits on it."""
    update_job(
        get_driver(),
        job_id=job_id,
        status="failed",
        counts={},
        message="a partition of the re-rank failed; start it again",
    )
