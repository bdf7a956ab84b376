"""Faults around a job, each compared by counts with a clean run.

The graph server stopped (for longer than the driver's own retries) and started again in
the middle of an upload; Redis killed and started again while uploads wait in its queue.
Each test runs its own server on ports of its own, so the shared ones stay up.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
from neo4j import Driver

from graph.contacts import record_upload, snapshot_friends, supporter_counts
from graph.db.driver import create_driver
from graph.db.local_server import LocalServer, ensure_running
from graph.db.schema import init_schema
from graph.jobs import create_job, get_job
from graph.supporters import record_consent
from ingest.contacts_job import ingest_upload
from outreach.cli.processes import start_worker
from outreach.core.partition import partition_of
from outreach.core.settings import Settings
from outreach.usecases import consent, jobs, uploads, voter_files
from outreach.usecases.consent import CURRENT_TERMS
from outreach.usecases.uploads import UploadStore
from tests.conftest import free_port, wait_port
from tests.factories import contacts_csv, unique, voter, wait_job, write_voters
from workers.app import app, make_celery
from workers.queue import SUPPORTERS, CeleryQueue

QUEUE = "outreach-fault-test"
# Longer than the driver's own retries of a transaction (30 s): the job itself must retry.
OUTAGE_SECONDS = 40.0


def _contacts(tag: str, size: int) -> bytes:
    return contacts_csv(
        [
            {
                "first_name": f"F{i}",
                "last_name": f"Fault{tag}",
                "phone": f"608-4{i // 10000:02d}-{i % 10000:04d}" if i % 4 else "",
                "email": f"f{i}.{tag}@example.org" if i % 3 == 0 else "",
            }
            for i in range(size)
        ]
    )


@dataclass
class OwnGraph:
    """A graph server of a test's own: its settings, a driver, and its server processes."""

    settings: Settings
    driver: Driver
    servers: list[LocalServer] = field(default_factory=list)

    def stop(self) -> None:
        """Stop the server (every process this test started for it)."""
        for server in self.servers:
            server.stop()

    def start(self) -> None:
        """Start the server again on the same folder and ports."""
        self.servers.append(ensure_running(self.settings))


@pytest.fixture
def own_graph(settings: Settings, tmp_path: Path) -> Iterator[OwnGraph]:
    """A graph server of this test's own, with its schema; stopped afterwards."""
    own = settings.model_copy(
        update={
            "data_dir": tmp_path / "data",
            "local_bolt_port": free_port(),
            "local_http_port": free_port(),
            "local_graph_heap": "512m",
        }
    )
    first = ensure_running(own)
    graph = OwnGraph(own, create_driver(own), [first])
    init_schema(graph.driver)
    try:
        yield graph
    finally:
        graph.driver.close()
        graph.stop()


def test_graph_server_stopped_and_restarted_mid_upload(
    own_graph: OwnGraph, redis_url: str, tmp_path: Path
) -> None:
    own, driver = own_graph.settings, own_graph.driver
    tag = unique("g")[-6:]
    rows = [
        voter(first_name=f"F{i}", last_name=f"Fault{tag}", phone=f"608-400-{i:04d}", state="WI")
        for i in range(1, 600, 9)
    ]
    voter_files.load(driver, own, path=write_voters(tmp_path / "v.csv", rows), mapping="demo")
    data = _contacts(tag, 2500)
    stopped, clean = unique("supS"), unique("supC")
    for sid in (stopped, clean):
        record_consent(driver, supporter_id=sid, version=CURRENT_TERMS, partition=partition_of(sid))
    ingest_upload(
        driver,
        supporter_id=clean,
        upload_id=unique("upl"),
        data=data,
        filename="c.csv",
        consent=CURRENT_TERMS,
        settings=own,
    )

    upload_id = unique("upl")
    own.uploads_dir.mkdir(parents=True, exist_ok=True)
    (own.uploads_dir / upload_id).write_bytes(data)
    record_upload(driver, supporter_id=stopped, upload_id=upload_id, filename="c.csv")
    job_id = unique("job")
    create_job(
        driver,
        job_id=job_id,
        kind="ingest_contacts",
        owner=stopped,
        params={"upload_id": upload_id},
    )
    handle = start_worker(
        own,
        concurrency=1,
        queues=QUEUE,
        extra_env={
            "OUTREACH_LOCAL_BOLT_PORT": str(own.local_bolt_port),
            "OUTREACH_LOCAL_HTTP_PORT": str(own.local_http_port),
            "OUTREACH_GRAPH_WRITE_BATCH": "5",
        },
    )
    try:
        app.send_task(
            "outreach.ingest_contacts",
            args=[job_id, stopped, upload_id, None],
            task_id=job_id,
            queue=QUEUE,
        )
        deadline = time.monotonic() + 180
        written = 0
        while time.monotonic() < deadline and written == 0:
            written = int(get_job(driver, job_id).counts.get("written", 0))
            time.sleep(0.05)
        assert 0 < written < 2000, f"the outage should start mid-upload (written={written})"
        own_graph.stop()
        time.sleep(OUTAGE_SECONDS)
        own_graph.start()
        job = wait_job(driver, job_id, timeout=400)
    finally:
        handle.stop()
    log = handle.log_path.read_text(errors="replace")
    assert job["status"] == "succeeded", (job, log[-3000:])
    assert job["attempts"] >= 2, "the job ran again after the outage"
    assert "GraphUnavailable" in log and "Retry in" in log, "classified and retried with backoff"
    assert snapshot_friends(driver, stopped) == snapshot_friends(driver, clean)
    assert upload_id not in UploadStore(own).stored_ids()


def _redis(binary: str, port: int, folder: Path, *, persistent: bool) -> subprocess.Popen[bytes]:
    persistence = ["--appendonly", "yes", "--appendfsync", "everysec"] if persistent else [
        "--appendonly", "no"]  # fmt: skip
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--dir",
            str(folder),
            *persistence,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_port(port)
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # answering, and done loading its append-only file
        try:
            if client.ping() and client.info("persistence")["loading"] == 0:
                return process
        except redis.exceptions.BusyLoadingError:
            pass
        time.sleep(0.1)
    raise TimeoutError("redis did not come up")


def _kill(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def test_redis_killed_while_uploads_are_queued_loses_none_of_them(
    driver: Driver, settings: Settings, tmp_path: Path, redis_url: str
) -> None:
    binary = shutil.which("redis-server")
    assert binary, "redis-server is installed (scripts/ensure-redis)"
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    own = settings.model_copy(update={"broker_url": url, "result_backend": url})
    queue = CeleryQueue(make_celery(own))
    folder = tmp_path / "redis"
    folder.mkdir()
    tag = unique("q")[-6:]
    files = {unique("supQ"): _contacts(f"{tag}{n}", 40 + n) for n in range(6)}
    server = _redis(binary, port, folder, persistent=True)
    try:
        queued = {}
        for sid, data in files.items():
            consent.give(driver, supporter_id=sid, terms_version=consent.CURRENT_TERMS)
            submitted = uploads.submit(
                driver, queue, settings, supporter_id=sid, data=data, filename="c.csv", rerank=False
            )
            queued[sid] = submitted.job_id
        assert redis.Redis(port=port).llen(SUPPORTERS) == len(files)
        # Killed as hard as a crash can: SIGKILL, then started again on the same files.
        _kill(server)
        server = _redis(binary, port, folder, persistent=True)
        assert redis.Redis(port=port).llen(SUPPORTERS) == len(files), "nothing queued was lost"
        handle = start_worker(
            settings,
            concurrency=1,
            queues=SUPPORTERS,
            extra_env={"OUTREACH_BROKER_URL": url, "OUTREACH_RESULT_BACKEND": url},
        )
        try:
            done = {sid: wait_job(driver, job_id, timeout=240) for sid, job_id in queued.items()}
        finally:
            handle.stop()
        for sid, job in done.items():
            assert job["status"] == "succeeded", job
            assert supporter_counts(driver, sid)["friends"] == job["counts"]["written"] > 0

        # The same kill without persistence loses the queue: the setting is what keeps it.
        _kill(server)
        shutil.rmtree(folder)
        folder.mkdir()
        server = _redis(binary, port, folder, persistent=False)
        lost = unique("supL")
        consent.give(driver, supporter_id=lost, terms_version=consent.CURRENT_TERMS)
        gone = uploads.submit(driver, queue, settings, supporter_id=lost,
                              data=_contacts(tag, 10), filename="c.csv", rerank=False)  # fmt: skip
        assert redis.Redis(port=port).llen(SUPPORTERS) == 1
        _kill(server)
        server = _redis(binary, port, folder, persistent=False)
        assert redis.Redis(port=port).llen(SUPPORTERS) == 0
        jobs.skip(driver, gone.job_id, "test over")
        uploads.finish(settings, gone.upload_id)
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=10)
