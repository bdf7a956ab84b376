"""The Celery path, for real: Redis with a worker process, and the embedded SQLite broker."""

from __future__ import annotations

import subprocess
from pathlib import Path

from neo4j import Driver

from graph.contacts import graph_counts
from graph.jobs import create_job
from graph.supporters import record_consent
from outreach.cli.processes import start_worker
from outreach.core.partition import partition_of
from outreach.core.settings import Settings
from outreach.usecases import rerank, uploads, voter_files
from outreach.usecases.consent import CURRENT_TERMS
from tests.factories import contacts_csv, unique, voter, wait_job, write_voters
from workers import embedded_broker
from workers.app import make_celery
from workers.queue import CeleryQueue


def test_jobs_run_on_redis_and_a_second_upload_changes_nothing(
    driver: Driver, settings: Settings, worker: subprocess.Popen[bytes], tmp_path: Path
) -> None:
    tag = unique("q")[-6:]
    rows = [voter(first_name="Ann", last_name=f"Lee{tag}", phone="414-286-3311", state="WI")]
    queue = CeleryQueue()
    job = voter_files.submit(
        driver, queue, path=write_voters(tmp_path / "v.csv", rows), mapping="demo"
    )
    assert wait_job(driver, job)["status"] == "succeeded"

    supporter = unique("sup")
    record_consent(
        driver, supporter_id=supporter, version=CURRENT_TERMS, partition=partition_of(supporter)
    )
    upload = contacts_csv([{"first_name": "Ann", "last_name": f"Lee{tag}", "phone": "4142863311"}])
    first = uploads.submit(
        driver, queue, settings, supporter_id=supporter, data=upload, filename="c.csv", rerank=False
    ).job_id
    assert wait_job(driver, first)["counts"]["linked"] == 1
    before = graph_counts(driver)
    again = uploads.submit(
        driver, queue, settings, supporter_id=supporter, data=upload, filename="c.csv", rerank=False
    ).job_id
    assert wait_job(driver, again)["status"] == "succeeded"
    assert graph_counts(driver) == before

    ranked = wait_job(driver, rerank.request(driver, queue, settings, supporter_ids=[supporter]))
    assert ranked["status"] == "succeeded"
    assert ranked["counts"]["assigned"] == 1


def test_the_embedded_broker_runs_jobs_without_any_server(
    driver: Driver, settings: Settings, tmp_path: Path
) -> None:
    embedded = settings.model_copy(
        update={"broker_url": None, "result_backend": None, "data_dir": tmp_path}
    )
    assert embedded.effective_broker_url.startswith("sqla+sqlite:///")
    handle = start_worker(
        embedded,
        concurrency=1,
        extra_env={"OUTREACH_BROKER_URL": "", "OUTREACH_RESULT_BACKEND": ""},
    )
    try:
        app = make_celery(embedded)
        with app.connection_for_write() as connection:
            # The short idle poll (kombu's default is 1 s, a second of every upload's wait).
            assert isinstance(connection.transport, embedded_broker.Transport)
            assert connection.transport.polling_interval == embedded_broker.POLL_SECONDS < 1
        supporter = unique("sup")
        record_consent(
            driver, supporter_id=supporter, version=CURRENT_TERMS, partition=partition_of(supporter)
        )
        job_id = unique("job")
        create_job(driver, job_id=job_id, kind="rank", owner=None, params={})
        app.send_task("outreach.rank", args=[job_id, [supporter]], task_id=job_id, queue="outreach")
        job = wait_job(driver, job_id, timeout=120)
    finally:
        handle.stop()
    assert job["status"] == "succeeded"
    assert job["counts"]["supporters"] >= 1
    assert (tmp_path / "broker.sqlite").exists()
    log = handle.log_path.read_text(encoding="utf-8", errors="replace")
    assert f"{embedded_broker.SCHEME}+sqlite" in log  # the worker consumed on it too


def test_a_vote_history_file_loads_through_the_queue_after_its_voter_file(
    driver: Driver, worker: subprocess.Popen[bytes], tmp_path: Path
) -> None:
    from graph.db.run import read
    from outreach.usecases import voter_files
    from tests.ingest.factories import write_nc_voters
    from tests.ingest.test_history import ncvhis

    voted, stayed_home = unique("NC"), unique("NC")
    voters = [
        {"ncid": v, "first_name": "ANN", "last_name": "LEE", "status_cd": "A"}
        for v in (voted, stayed_home)
    ]
    queue = CeleryQueue()
    loaded = voter_files.submit(
        driver, queue, path=write_nc_voters(tmp_path / "ncvoter.txt", voters), mapping="nc_ncvoter"
    )
    assert wait_job(driver, loaded)["status"] == "succeeded"
    history = ncvhis(
        tmp_path / "ncvhis.txt",
        [(voted, "11/08/2022", "GENERAL"), (voted, "11/03/2020", "GENERAL")],
    )
    job = wait_job(
        driver, voter_files.submit_history(driver, queue, path=history, mapping="nc_ncvhis")
    )
    assert job["status"] == "succeeded", job
    assert job["counts"]["votes"] == 2
    rows = read(
        driver,
        "UNWIND $ids AS id MATCH (v:Voter {voter_id: id}) RETURN v.voter_id AS id, "
        "v.turnout_score AS t",
        ids=[voted, stayed_home],
    )
    turnout = {r["id"]: r["t"] for r in rows}
    assert turnout[voted] > turnout[stayed_home]
