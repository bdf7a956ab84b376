"""Jobs are recorded before they are sent; a refused send fails them; chained re-ranks follow.

The failing queue is a real Celery app pointed at a port where no broker listens, so the
send fails the way it does when Redis is down.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from neo4j import Driver

from graph.jobs import get_job
from outreach.core.errors import QueueUnavailable
from outreach.core.settings import Settings
from outreach.usecases import consent, rerank, uploads, voter_files
from outreach.usecases.uploads import UploadStore
from tests.conftest import free_port
from tests.factories import contacts_csv, load_voter_rows, unique, voter, wait_job
from workers.app import make_celery
from workers.queue import CeleryQueue


def unreachable_queue(settings: Settings) -> CeleryQueue:
    """A queue whose broker is down: nothing listens on its port."""
    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    app = make_celery(
        settings.model_copy(update={"broker_url": nowhere, "result_backend": "cache+memory://"})
    )
    app.conf.update(task_publish_retry=False, broker_connection_retry=False)
    return CeleryQueue(app)


def agreed_supporter(driver: Driver) -> str:
    supporter = unique("sup")
    consent.give(driver, supporter_id=supporter, terms_version=consent.CURRENT_TERMS)
    return supporter


def test_a_refused_upload_fails_its_jobs_and_keeps_no_file(
    driver: Driver, settings: Settings
) -> None:
    supporter = agreed_supporter(driver)
    data = contacts_csv([{"first_name": "Ann", "last_name": "Lee", "phone": "4142863311"}])

    with pytest.raises(QueueUnavailable) as refused:
        uploads.submit(
            driver,
            unreachable_queue(settings),
            settings,
            supporter_id=supporter,
            data=data,
            filename="c.csv",
        )

    job_ids = refused.value.extra["jobs"]
    assert len(job_ids) == 2  # the load and the re-rank chained to it
    for job_id in job_ids:
        job = get_job(driver, job_id)
        assert job.status == "failed"
        assert job.message is not None and "queue" in job.message
    upload_id = uploads.upload_id_for(supporter, data)
    assert upload_id not in UploadStore(settings).stored_ids()


def test_a_refused_rerank_and_voter_file_are_failed_not_queued(
    driver: Driver, settings: Settings, tmp_path: Path
) -> None:
    queue = unreachable_queue(settings)
    with pytest.raises(QueueUnavailable) as refused_rank:
        rerank.request(driver, queue, settings, supporter_ids=[unique("sup")])
    with pytest.raises(QueueUnavailable) as refused_file:
        voter_files.submit(driver, queue, path=tmp_path / "v.csv", mapping="demo")
    for refused in (refused_rank, refused_file):
        (job_id,) = refused.value.extra["jobs"]
        assert get_job(driver, job_id).status == "failed"


def test_an_upload_is_followed_by_its_rerank_and_a_failed_one_skips_it(
    driver: Driver, settings: Settings, worker: subprocess.Popen[bytes], tmp_path: Path
) -> None:
    tag = unique("c")[-6:]
    load_voter_rows(
        driver,
        tmp_path / "v.csv",
        [voter(first_name="Cy", last_name=f"Ray{tag}", phone="608-555-0101", state="WI")],
    )
    supporter = agreed_supporter(driver)
    queue = CeleryQueue()
    good = uploads.submit(
        driver,
        queue,
        settings,
        supporter_id=supporter,
        data=contacts_csv([{"first_name": "Cy", "last_name": f"Ray{tag}", "phone": "6085550101"}]),
        filename="c.csv",
    )
    assert good.rank_job_id is not None
    assert wait_job(driver, good.job_id)["status"] == "succeeded"
    ranked = wait_job(driver, good.rank_job_id)
    assert ranked["status"] == "succeeded", ranked
    assert ranked["counts"]["assigned"] == 1

    bad = uploads.submit(
        driver,
        queue,
        settings,
        supporter_id=supporter,
        data=b"\x00\x01 this is not a contact list \x02",
        filename="junk.bin",
    )
    assert bad.rank_job_id is not None
    assert wait_job(driver, bad.job_id)["status"] == "failed"
    skipped = wait_job(driver, bad.rank_job_id)
    assert skipped["status"] == "skipped"
    assert bad.upload_id not in UploadStore(settings).stored_ids()
