"""Celery tasks. Each takes ids, reloads what it needs, and calls a use case.

A task is an entry point like a route or a command: it holds no rule of its own.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

from celery import chord

from graph.config_store import current_settings, settings_at
from graph.db.driver import get_driver
from graph.jobs import get_job, update_job
from outreach.core.errors import GraphUnavailable, RowError
from outreach.core.settings import Settings, get_settings
from outreach.usecases import jobs, rerank, uploads, van_pull, van_sync, voter_files, webhooks
from outreach.usecases.rerank import (
    PartitionScores,
    partition_scope,
    rank,
    score_partition,
)
from workers.app import app
from workers.jobs import Progress, run_job
from workers.queue import CeleryQueue


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

        counts = voter_files.load(
            get_driver(), get_settings(), path=Path(path), mapping=mapping, report=keep
        )
        return counts, rejected

    return run_job(job_id, work)


@app.task(
    name="outreach.ingest_history",
    autoretry_for=(GraphUnavailable,),
    retry_backoff=True,
    max_retries=5,
)
def ingest_history_task(job_id: str, path: str, mapping: str) -> dict[str, Any]:
    """Load a vote-history file (after its state's voter file) with its mapping."""

    def work(report: Progress) -> tuple[dict[str, int], list[RowError]]:
        rejected: list[RowError] = []

        def keep(counts: dict[str, int], errors: list[RowError]) -> None:
            rejected[:] = errors
            report(counts, errors)

        counts = voter_files.load_history(
            get_driver(), get_settings(), path=Path(path), mapping=mapping, report=keep
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
    job_id: str, supporter_id: str, upload_id: str, rank_job_id: str | None = None
) -> dict[str, Any]:
    """Load one stored upload. Its re-rank, if any, is the next link of the chain."""
    settings = get_settings()

    def work(report: Progress) -> tuple[dict[str, int], list[RowError]]:
        result = uploads.load(
            get_driver(), settings, supporter_id=supporter_id, upload_id=upload_id, report=report
        )
        return result.counts, result.rejected

    try:
        outcome = run_job(job_id, work)
    except GraphUnavailable:
        raise  # retried with the file still stored
    except Exception:
        _upload_over(settings, upload_id, rank_job_id, succeeded=False)
        raise
    _upload_over(settings, upload_id, rank_job_id, succeeded=outcome["status"] == "succeeded")
    return outcome


def _upload_over(
    settings: Settings, upload_id: str, rank_job_id: str | None, *, succeeded: bool
) -> None:
    """The load reached a final state: the raw file goes; a failed load skips its re-rank."""
    uploads.finish(settings, upload_id)
    if rank_job_id and not succeeded:
        jobs.skip(get_driver(), rank_job_id, "the upload did not load, so nothing was re-ranked")


@app.task(
    name="outreach.rank", autoretry_for=(GraphUnavailable,), retry_backoff=True, max_retries=5
)
def rank_task(
    job_id: str,
    supporter_ids: list[str] | None = None,
    partitions: int = 0,
    after_job_id: str | None = None,
) -> dict[str, Any]:
    """Re-rank the given supporters and their competitors, or everyone.

    With ``partitions`` > 1 a full re-rank fans out: one task scores each partition and
    a chord callback assigns and writes. Otherwise the same code runs here in one go.
    ``after_job_id`` names the job this re-rank was chained to: it runs only if that job
    succeeded, and is closed as skipped otherwise.
    """
    if after_job_id is not None:
        before = get_job(get_driver(), after_job_id)
        if before.status != "succeeded":
            jobs.skip(get_driver(), job_id, f"job {after_job_id} did not succeed")
            return {"status": "skipped"}
    if supporter_ids is None and partitions > 1:
        version, _ = current_settings(get_driver())
        update_job(
            get_driver(),
            job_id=job_id,
            status="running",
            counts={"partitions": partitions, "settings_version": version},
        )
        header = [score_partition_task.s(job_id, p, partitions, version) for p in range(partitions)]
        started = time.time()
        finish = finish_rank_task.s(job_id, version, started)
        chord(header)(finish.on_error(rank_failed_task.s(job_id)))
        return {"status": "fanned_out", "partitions": partitions}

    def work(report: Progress) -> tuple[dict[str, int], list[RowError]]:
        if after_job_id is not None and supporter_ids and len(supporter_ids) == 1:
            done = rerank.rank_after_upload(
                get_driver(),
                job_id=job_id,
                supporter_id=supporter_ids[0],
                report=lambda counts: report(counts, []),
            )
            return done.counts, []
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
def finish_rank_task(
    results: list[dict[str, Any]], job_id: str, version: int, started: float | None = None
) -> dict[str, Any]:
    """Assign across every partition's candidates and write the rankings."""

    def work(report: Progress) -> tuple[dict[str, int], list[RowError]]:
        driver = get_driver()
        result = rerank.finish(
            driver,
            partitions=[PartitionScores.from_json(r) for r in results],
            settings=settings_at(driver, version),
            version=version,
            started=started,
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


@app.task(name="outreach.housekeeping")
def housekeeping_task() -> dict[str, int]:
    """Fail jobs with no sign of life and remove upload files nobody will read."""
    settings = get_settings()
    lost = jobs.reap(
        get_driver(),
        stale_seconds=settings.job_stale_seconds,
        queued_stale_seconds=settings.job_queued_stale_seconds,
    )
    for job in lost:
        if job.kind == "ingest_contacts" and job.params.get("upload_id"):
            uploads.finish(settings, str(job.params["upload_id"]))
    removed = uploads.sweep(settings, older_than_seconds=settings.upload_file_max_age_seconds)
    resent = webhooks.sweep(get_driver(), CeleryQueue())
    return {"jobs_failed": len(lost), "files_removed": removed, "webhooks_resent": resent}


@app.task(name="outreach.deliver_webhook", autoretry_for=(GraphUnavailable,), max_retries=5)
def deliver_webhook_task(delivery_id: str) -> dict[str, Any]:
    """Try one webhook delivery; a failed try is sent again after its backoff."""
    attempt = webhooks.deliver(get_driver(), get_settings(), delivery_id)
    if attempt.outcome == "retry":
        CeleryQueue().deliver_webhook(delivery_id, countdown=attempt.retry_in)
    return {"outcome": attempt.outcome, "reason": attempt.reason}


@app.task(
    name="outreach.van_push",
    autoretry_for=(GraphUnavailable, van_sync.VanUnavailable),
    retry_backoff=True,
    max_retries=6,
)
def van_push_task(job_id: str) -> dict[str, Any]:
    """Push recorded outcomes to NGP VAN; VAN unavailable: tried again later, nothing resent."""

    def work(report: Progress) -> tuple[dict[str, int], list[RowError]]:
        counts = van_sync.push(
            get_driver(), get_settings(), job_id=job_id, report=lambda c: report(c, [])
        )
        return counts, []

    return run_job(job_id, work, retry_on=(van_sync.VanUnavailable,))


@app.task(
    name="outreach.van_pull",
    autoretry_for=(GraphUnavailable, van_sync.VanUnavailable),
    retry_backoff=True,
    max_retries=6,
)
def van_pull_task(job_id: str, saved_list_id: int) -> dict[str, Any]:
    """Pull a saved list from NGP VAN as a voter-file source."""

    def work(report: Progress) -> tuple[dict[str, int], list[RowError]]:
        counts = van_pull.pull(
            get_driver(),
            get_settings(),
            job_id=job_id,
            saved_list_id=saved_list_id,
            report=lambda c: report(c, []),
        )
        return counts, []

    return run_job(job_id, work, retry_on=(van_sync.VanUnavailable,))
