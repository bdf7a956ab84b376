"""Running a job: status in the graph, throttled progress, errors recorded, not lost."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from graph.db.driver import get_driver
from graph.jobs import update_job
from outreach.core.errors import GraphUnavailable, InvalidInput, OutreachError, RowError
from outreach.core.settings import get_settings
from outreach.usecases import jobs, webhooks
from workers.queue import CeleryQueue

log = logging.getLogger(__name__)

Progress = Callable[[dict[str, int], list[RowError]], None]


def throttled_reporter(job_id: str, every: float = 0.5) -> Progress:
    """A progress callback that stores counts at most every ``every`` seconds."""
    last = [0.0]

    def report(counts: dict[str, int], rejected: list[RowError]) -> None:
        now = time.monotonic()
        if now - last[0] >= every:
            last[0] = now
            update_job(
                get_driver(),
                job_id=job_id,
                status="running",
                counts=counts,
                errors=[e.as_dict() for e in rejected],
            )

    return report


def run_job(
    job_id: str,
    work: Callable[[Progress], tuple[dict[str, int], list[RowError]]],
    *,
    retry_on: tuple[type[Exception], ...] = (),
) -> dict[str, Any]:
    """Run ``work`` as job ``job_id``; bad input fails the job, other errors propagate for retry.

    ``retry_on``: errors that, like a lost graph, leave the job ``retrying`` for the task's
    next try (a remote service that is down for now).
    """
    driver = get_driver()
    retryable: tuple[type[Exception], ...] = (GraphUnavailable, *retry_on)
    started = jobs.begin(driver, job_id, max_attempts=get_settings().task_max_attempts)
    if started is None:
        job = jobs.get(driver, job_id)
        return {"status": job.status, "counts": job.counts, "redelivered": True}
    try:
        counts, rejected = work(throttled_reporter(job_id))
    except InvalidInput as exc:
        errors = exc.extra.get("errors", [])
        update_job(
            driver, job_id=job_id, status="failed", counts={}, errors=errors, message=exc.detail
        )
        log.warning("job %s refused its input: %s", job_id, exc.title)
        announce(job_id)
        return {"status": "failed", "detail": exc.detail}
    except retryable as exc:
        detail = exc.detail if isinstance(exc, OutreachError) else str(exc)
        update_job(driver, job_id=job_id, status="retrying", counts={}, message=detail)
        raise
    except OutreachError as exc:
        update_job(driver, job_id=job_id, status="failed", counts={}, message=exc.detail)
        announce(job_id)
        if exc.status >= 500:
            raise
        return {"status": "failed", "detail": exc.detail}
    except Exception as exc:
        # Record the failure so nobody waits forever, then let Celery see the error.
        update_job(
            driver,
            job_id=job_id,
            status="failed",
            counts={},
            message=f"internal error ({exc.__class__.__name__}); the job can be retried",
        )
        raise
    update_job(
        driver,
        job_id=job_id,
        status="succeeded",
        counts=counts,
        errors=[e.as_dict() for e in rejected],
    )
    announce(job_id)
    return {"status": "succeeded", "counts": counts}


def announce(job_id: str) -> None:
    """Tell the webhooks a job ended (and, for a re-rank, that the lists changed)."""
    webhooks.job_finished(get_driver(), CeleryQueue(), job_id)
