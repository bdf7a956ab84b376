"""A worker killed with SIGKILL mid-upload or mid re-rank, then retried, leaves the same graph."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import psutil
from neo4j import Driver

from graph.contacts import record_upload, snapshot_friends
from graph.db.run import read
from graph.jobs import create_job, get_job
from graph.supporters import record_consent
from ingest.contacts_job import ingest_upload
from outreach.cli.processes import start_worker
from outreach.core.partition import partition_of
from outreach.core.settings import Settings
from outreach.usecases.consent import CURRENT_TERMS
from outreach.usecases.rerank import rank
from tests.factories import contacts_csv, load_voter_rows, unique, voter, wait_job
from workers.app import app

QUEUE = "outreach-kill-test"


def _upload(tag: str, size: int) -> bytes:
    rows = []
    for i in range(size):
        rows.append(
            {
                "first_name": f"K{i}",
                "last_name": f"Kill{tag}",
                "phone": f"608-{200 + i // 10000}-{i % 10000:04d}" if i % 5 else "",
                "email": f"k{i}.{tag}@example.net" if i % 3 == 0 else "",
                "labels": "family" if i % 11 == 0 else "",
            }
        )
    return contacts_csv(rows)


def test_sigkill_mid_upload_then_retry_equals_a_clean_run(
    driver: Driver, worker: object, settings: Settings, tmp_path: Path
) -> None:
    tag = unique("k")[-6:]
    load_voter_rows(
        driver,
        tmp_path / "v.csv",
        [
            voter(first_name=f"K{i}", last_name=f"Kill{tag}", phone=f"608-200-{i:04d}", state="WI")
            for i in range(1, 400, 7)
        ],
    )
    data = _upload(tag, 3000)
    killed, clean = unique("supK"), unique("supC")
    for sid in (killed, clean):
        record_consent(driver, supporter_id=sid, version=CURRENT_TERMS, partition=partition_of(sid))

    # The clean run, in this process.
    ingest_upload(
        driver,
        supporter_id=clean,
        upload_id=unique("upl"),
        data=data,
        filename="c.csv",
        consent=CURRENT_TERMS,
        settings=settings,
    )

    # The interrupted run: a worker on its own queue, writing in small batches.
    upload_id = unique("upl")
    settings.uploads_dir.mkdir(parents=True, exist_ok=True)
    (settings.uploads_dir / upload_id).write_bytes(data)
    record_upload(driver, supporter_id=killed, upload_id=upload_id, filename="c.csv")
    handle = start_worker(
        settings, concurrency=1, queues=QUEUE, extra_env={"OUTREACH_GRAPH_WRITE_BATCH": "5"}
    )
    try:
        job_id = unique("job")
        create_job(driver, job_id=job_id, kind="ingest_contacts", owner=killed, params={})
        app.send_task(
            "outreach.ingest_contacts",
            args=[job_id, killed, upload_id, False],
            task_id=job_id,
            queue=QUEUE,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            written = int(get_job(driver, job_id).counts.get("written", 0))
            if written > 0:
                break
            time.sleep(0.05)
        assert 0 < written < 2500, f"the kill should land mid-upload (written={written})"
        children = psutil.Process(handle.process.pid).children(recursive=True)
        assert children, "the prefork pool has a child running the task"
        for child in children:
            child.send_signal(signal.SIGKILL)
        # The main worker process notices the lost child and the task runs again.
        job = wait_job(driver, job_id, timeout=180)
    finally:
        handle.stop()
    assert job["status"] == "succeeded", job
    assert snapshot_friends(driver, killed) == snapshot_friends(driver, clean)


RANKINGS = """
MATCH (s:Supporter)-[r:SHOULD_ASK]->(p:Person)
WHERE s.id IN $ids
RETURN s.id AS supporter, p.key AS friend, r.rank AS rank
ORDER BY supporter, rank, friend
"""


def _rankings(driver: Driver, ids: list[str]) -> list[tuple[str, str, int]]:
    rows = read(driver, RANKINGS, ids=ids)
    return [(str(r["supporter"]), str(r["friend"]), int(r["rank"])) for r in rows]


def test_sigkill_mid_rerank_then_redelivery_equals_a_clean_run(
    driver: Driver, worker: object, settings: Settings, tmp_path: Path
) -> None:
    tag = unique("r")[-6:]
    people = [
        {
            "first_name": f"R{i}",
            "last_name": f"Rank{tag}",
            "phone": f"608-3{i // 1000:02d}-{i % 1000:04d}",
        }
        for i in range(600)
    ]
    load_voter_rows(
        driver,
        tmp_path / "v.csv",
        [voter(**p, state="WI", support_score=f"0.{50 + i % 45}") for i, p in enumerate(people)],
    )
    supporters = [unique("supR") for _ in range(30)]
    for n, sid in enumerate(supporters):
        record_consent(driver, supporter_id=sid, version=CURRENT_TERMS, partition=partition_of(sid))
        friends = [people[(n * 37 + j * 7) % len(people)] for j in range(120)]
        ingest_upload(
            driver,
            supporter_id=sid,
            upload_id=unique("upl"),
            data=contacts_csv(friends),
            filename="c.csv",
            consent=CURRENT_TERMS,
            settings=settings,
        )

    handle = start_worker(settings, concurrency=1, queues=QUEUE)
    try:
        job_id = unique("job")
        create_job(driver, job_id=job_id, kind="rank", owner=None, params={})
        app.send_task("outreach.rank", args=[job_id, supporters, 0], task_id=job_id, queue=QUEUE)
        # Kill the worker's child while it holds the rankings lock: mid re-rank.
        deadline = time.monotonic() + 180
        holding = False
        while time.monotonic() < deadline and not holding:
            status = get_job(driver, job_id).status
            owner = read(driver, "MATCH (l:Lock {name: 'rankings'}) RETURN l.owner AS owner")
            holding = status == "running" and bool(owner and owner[0]["owner"])
            if not holding:
                time.sleep(0.02)
        assert holding, "the re-rank should be running with the lock taken"
        children = psutil.Process(handle.process.pid).children(recursive=True)
        assert children, "the prefork pool has a child running the task"
        for child in children:
            child.send_signal(signal.SIGKILL)
        assert get_job(driver, job_id).status == "running", "the kill should land mid re-rank"
        # Redelivered; it waits for the dead owner's lock to expire, then ranks.
        job = wait_job(driver, job_id, timeout=300)
    finally:
        handle.stop()
    assert job["status"] == "succeeded", job
    assert job["attempts"] == 2
    after_kill = _rankings(driver, supporters)
    assert after_kill, "the re-rank wrote lists"
    pairs = [(s, f) for s, f, _ in after_kill]
    assert len(pairs) == len(set(pairs)), "no friend is on a list twice"
    # A clean re-rank of the same supporters, in this process, writes the same lists.
    rank(driver, supporter_ids=supporters)
    assert _rankings(driver, supporters) == after_kill
