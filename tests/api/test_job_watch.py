"""Following a job with long polls: the API answers on a change, not on a timer."""

from __future__ import annotations

import threading
import time

from neo4j import Driver

from graph.jobs import update_job
from outreach.core.settings import Settings
from outreach.usecases import jobs
from tests.factories import api_client, unique

WAIT = 20  # seconds a request may wait; every answer below must come well before it


def _queued_job(driver: Driver, owner: str) -> str:
    return jobs.record(driver, kind="ingest_contacts", owner=owner, params={"test": True})


def test_a_change_answers_a_waiting_request_at_once(
    api_url: str, driver: Driver, settings: Settings
) -> None:
    owner = unique("watcher")
    job_id = _queued_job(driver, owner)
    with api_client(api_url, settings, owner) as client:
        first = client.get(f"/jobs/{job_id}").json()
        assert first["status"] == "queued"

        def progress() -> None:
            time.sleep(0.5)
            update_job(driver, job_id=job_id, status="running", counts={"read": 7})

        writer = threading.Thread(target=progress)
        writer.start()
        asked = time.monotonic()
        params = {"wait": WAIT} | ({"seen": first["updated_at"]} if first["updated_at"] else {})
        changed = client.get(f"/jobs/{job_id}", params=params)
        took = time.monotonic() - asked
        writer.join()
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["status"] == "running"
    assert body["counts"] == {"read": 7}
    assert took < WAIT / 2, f"answered after {took:.1f}s, not on the change"


def test_an_ended_job_answers_at_once_and_an_unchanged_one_when_the_wait_runs_out(
    api_url: str, driver: Driver, settings: Settings
) -> None:
    owner = unique("watcher")
    job_id = _queued_job(driver, owner)
    update_job(driver, job_id=job_id, status="running", counts={"read": 1})
    with api_client(api_url, settings, owner) as client:
        running = client.get(f"/jobs/{job_id}").json()
        asked = time.monotonic()
        unchanged = client.get(f"/jobs/{job_id}", params={"wait": 1, "seen": running["updated_at"]})
        assert time.monotonic() - asked >= 0.9  # it did wait, and answered what it had
        assert unchanged.json()["updated_at"] == running["updated_at"]

        update_job(driver, job_id=job_id, status="succeeded", counts={"read": 1, "written": 1})
        asked = time.monotonic()
        ended = client.get(f"/jobs/{job_id}", params={"wait": WAIT, "seen": running["updated_at"]})
        assert ended.json()["status"] == "succeeded"
        again = client.get(
            f"/jobs/{job_id}", params={"wait": WAIT, "seen": ended.json()["updated_at"]}
        )
        assert again.json()["status"] == "succeeded"
        assert time.monotonic() - asked < WAIT / 2


def test_a_watch_is_bounded_and_only_for_whoever_may_read_the_job(
    api_url: str, driver: Driver, settings: Settings
) -> None:
    owner, stranger = unique("watcher"), unique("stranger")
    job_id = _queued_job(driver, owner)
    with api_client(api_url, settings, owner) as client:
        too_long = client.get(f"/jobs/{job_id}", params={"wait": 600})
        assert too_long.status_code == 422
        assert too_long.headers["content-type"].startswith("application/problem+json")
    with api_client(api_url, settings, stranger) as other:
        asked = time.monotonic()
        hidden = other.get(f"/jobs/{job_id}", params={"wait": WAIT})
        assert hidden.status_code == 404
        assert time.monotonic() - asked < WAIT / 2  # refused at once, not after the wait


def test_the_client_follows_a_job_to_its_end(
    api_url: str, driver: Driver, settings: Settings
) -> None:
    from outreach.client import OutreachClient
    from outreach.core.tokens import issue_token

    owner = unique("watcher")
    job_id = _queued_job(driver, owner)

    def steps() -> None:
        for n in range(1, 4):
            time.sleep(0.3)
            update_job(driver, job_id=job_id, status="running", counts={"read": n})
        time.sleep(0.3)
        update_job(driver, job_id=job_id, status="succeeded", counts={"read": 3, "written": 3})

    writer = threading.Thread(target=steps)
    writer.start()
    token = issue_token(settings, subject=owner, role="supporter")
    try:
        with OutreachClient(api_url, token) as client:
            done = client.wait_for_job(job_id, timeout=60)
    finally:
        writer.join()
    assert done["status"] == "succeeded"
    assert done["counts"] == {"read": 3, "written": 3}
