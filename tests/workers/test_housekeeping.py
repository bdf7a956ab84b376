"""Late-acked work is safe twice, poison tasks stop, lost jobs fail, full re-ranks coalesce."""

from __future__ import annotations

import subprocess
import time

from neo4j import Driver

from graph.jobs import create_job, get_job
from outreach.core.settings import Settings
from outreach.usecases import consent, jobs, rerank, uploads
from outreach.usecases.uploads import UploadStore
from tests.conftest import REDIS_URL
from tests.factories import contacts_csv, unique, wait_job
from workers.app import make_celery
from workers.queue import CeleryQueue


def test_a_task_delivered_again_after_its_job_ended_changes_nothing(
    driver: Driver, settings: Settings, worker: subprocess.Popen[bytes]
) -> None:
    supporter = unique("sup")
    consent.give(driver, supporter_id=supporter, terms_version=consent.CURRENT_TERMS)
    queue = CeleryQueue()
    data = contacts_csv([{"first_name": "Dee", "last_name": unique("L"), "phone": "6085550177"}])
    submitted = uploads.submit(
        driver, queue, settings, supporter_id=supporter, data=data, filename="c.csv", rerank=False
    )
    first = wait_job(driver, submitted.job_id)
    assert first["status"] == "succeeded"
    assert submitted.upload_id not in UploadStore(settings).stored_ids()

    # The broker delivers the same message again (a worker died before acknowledging it).
    again = queue.app.send_task(
        "outreach.ingest_contacts",
        args=[submitted.job_id, supporter, submitted.upload_id, None],
        queue="uploads",
    )
    outcome = again.get(timeout=120)
    assert outcome["redelivered"] is True
    after = get_job(driver, submitted.job_id)
    assert after.status == "succeeded" and after.counts == first["counts"]


def test_a_task_that_keeps_dying_is_failed_after_its_attempts(driver: Driver) -> None:
    job_id = create_job(driver, job_id=unique("job"), kind="rank", owner=None, params={})
    assert jobs.begin(driver, job_id, max_attempts=2) is not None
    assert jobs.begin(driver, job_id, max_attempts=2) is not None
    assert jobs.begin(driver, job_id, max_attempts=2) is None
    job = get_job(driver, job_id)
    assert job.status == "failed" and job.attempts == 3
    assert job.message is not None and "2 attempts" in job.message


def test_a_job_with_no_sign_of_life_is_failed_by_housekeeping(
    driver: Driver, settings: Settings
) -> None:
    job_id = create_job(driver, job_id=unique("job"), kind="rank", owner=None, params={})
    jobs.begin(driver, job_id, max_attempts=3)
    driver.execute_query(  # its worker died long ago: the last heartbeat is old
        "MATCH (j:Job {id: $id}) SET j.heartbeat = 1.0",
        {"id": job_id},
        database_=settings.graph_database,
    )
    lost = jobs.reap(
        driver, stale_seconds=time.time() - 100.0, queued_stale_seconds=time.time() - 100.0
    )
    assert job_id in {job.id for job in lost}
    job = get_job(driver, job_id)
    assert job.status == "failed" and job.message is not None and "lost" in job.message
    fresh = create_job(driver, job_id=unique("job"), kind="rank", owner=None, params={})
    jobs.reap(driver, stale_seconds=3600.0, queued_stale_seconds=3600.0)
    assert get_job(driver, fresh).status == "queued"  # a job with a recent heartbeat stays


def test_only_one_full_rerank_waits_at_a_time(driver: Driver, settings: Settings) -> None:
    # A queue no worker reads, so the first request stays queued.
    idle = make_celery(settings.model_copy(update={"broker_url": REDIS_URL[:-1] + "7"}))
    queue = CeleryQueue(idle)
    first = rerank.request(driver, queue, settings, owner="organizer-1")
    partial = later = first
    try:
        assert rerank.request(driver, queue, settings, owner="organizer-2") == first
        partial = rerank.request(driver, queue, settings, supporter_ids=[unique("sup")])
        assert partial != first
        jobs.skip(driver, first, "test over")
        later = rerank.request(driver, queue, settings)
        assert later != first  # the waiting one ended: a new request queues a new job
    finally:
        for job_id in (first, partial, later):  # never leave a full re-rank waiting
            jobs.skip(driver, job_id, "test over")
