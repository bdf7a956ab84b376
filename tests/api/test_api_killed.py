"""The API killed with SIGKILL in the middle of an outcome burst loses no acknowledged outcome.

A real uvicorn process of the test's own takes outcomes from eight clients at once and is
killed while they are in flight. Every outcome it answered 2xx for is in the graph, once;
after a restart, resending everything (as a phone does when it got no answer) stores each
unanswered one once and answers each acknowledged one as a duplicate.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
from neo4j import Driver

from graph.db.run import read
from outreach.core.settings import Settings
from outreach.core.tokens import issue_token
from tests.conftest import free_port, wait_port
from tests.factories import api_client, consent_and_upload, load_voter_rows, rank_now, unique, voter

ASKED_IDS = "MATCH (:Supporter {id: $id})-[a:ASKED]->(:Person) RETURN a.id AS id"
CLIENTS = 8


def _start_api(port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "api.app:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    wait_port(port, timeout=90)
    return process


def test_every_acknowledged_outcome_survives_the_api_being_killed(
    api_url: str, driver: Driver, settings: Settings, tmp_path: Path
) -> None:
    tag = unique("a")[-6:]
    friends = [
        {"first_name": f"Ann{i}", "last_name": f"Kill{tag}", "phone": f"610-437-{7800 + i}"}
        for i in range(5)
    ]
    load_voter_rows(
        driver,
        tmp_path / "v.csv",
        [voter(**f, state="PA", district="PA-7", city="Allentown", zip="18101") for f in friends],
    )
    supporter = unique("sup")
    with api_client(api_url, settings, supporter) as client:
        consent_and_upload(client, supporter, friends)
        rank_now(driver, [supporter])
        items = client.get(f"/supporters/{supporter}/targets").json()["items"]
    friend_ids = [str(item["friend_id"]) for item in items]
    assert friend_ids, "the friends in Pennsylvania are on the list"

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    headers = {
        "Authorization": f"Bearer {issue_token(settings, subject=supporter, role='supporter')}"
    }
    api = _start_api(port, tmp_path / "api.log")
    acknowledged: set[str] = set()
    sent: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def burst(n: int) -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            for i in range(100_000):
                if stop.is_set():
                    return
                client_id = uuid.uuid4().hex
                body = {"friend_id": friend_ids[(n + i) % len(friend_ids)], "channel": "text",
                        "outcome": "asked", "client_id": client_id}  # fmt: skip
                with lock:
                    sent.append(client_id)
                try:
                    response = client.post(f"/supporters/{supporter}/outcomes", json=body)
                except httpx.HTTPError:
                    return  # no answer: the phone keeps it to send again
                assert response.status_code == 201, response.text
                with lock:
                    acknowledged.add(client_id)

    threads = [threading.Thread(target=burst, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 120
    while len(acknowledged) < 150 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(api.pid, signal.SIGKILL)
    api.wait(timeout=10)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    assert len(acknowledged) >= 150, "the burst was under way when the API was killed"
    assert len(sent) > len(acknowledged), "some outcomes were in flight at the kill"

    stored = [str(r["id"]) for r in read(driver, ASKED_IDS, id=supporter)]
    ids = {f"{supporter}:{c}" for c in acknowledged}
    assert ids <= set(stored), f"{len(ids - set(stored))} acknowledged outcomes were lost"
    assert len(stored) == len(set(stored)), "no outcome is stored twice"

    # The phone sends again whatever got no answer (and, to be sure, everything).
    api = _start_api(port, tmp_path / "api.log")
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            for i, client_id in enumerate(sent):
                body = {"friend_id": friend_ids[i % len(friend_ids)], "channel": "text",
                        "outcome": "asked", "client_id": client_id}  # fmt: skip
                response = client.post(f"/supporters/{supporter}/outcomes", json=body)
                assert response.status_code == 201, response.text
                if client_id in acknowledged:
                    assert response.json()["duplicate"], "an acknowledged outcome was stored"
    finally:
        api.terminate()
        api.wait(timeout=15)
    stored = [str(r["id"]) for r in read(driver, ASKED_IDS, id=supporter)]
    assert sorted(stored) == sorted(f"{supporter}:{c}" for c in set(sent))
