"""Very large and very slow (slowloris) uploads are refused while they stream in.

These run their own API process with a small upload limit and short body time-outs, so
that the limits are reached in a test's time.
"""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from neo4j import Driver

from outreach.core.settings import Settings
from outreach.core.tokens import issue_token
from tests.conftest import free_port, wait_port
from tests.factories import contacts_csv, unique

UPLOAD_MAX = 200_000
IDLE_SECONDS = 2
BOUNDARY = "x-outreach-test-boundary"


@pytest.fixture(scope="module")
def small_api(driver: Driver, redis_url: str, test_root: Path) -> Iterator[int]:
    """The real API with a 200 kB upload limit and a 2 s body idle time-out; its port."""
    port = free_port()
    env = dict(
        os.environ,
        OUTREACH_UPLOAD_MAX_BYTES=str(UPLOAD_MAX),
        OUTREACH_REQUEST_BODY_IDLE_SECONDS=str(IDLE_SECONDS),
        OUTREACH_REQUEST_BODY_MAX_SECONDS="20",
    )
    with (test_root / "small-api.log").open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "api.app:app", "--host", "127.0.0.1",
             "--port", str(port), "--log-level", "warning"],
            stdout=log, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
    try:
        wait_port(port, timeout=60)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=15)


def upload_head(settings: Settings, supporter: str, extra: dict[str, str]) -> bytes:
    """The request line and headers of an upload, without its body."""
    token = issue_token(settings, subject=supporter, role="supporter")
    headers = {
        "Host": "127.0.0.1",
        "Authorization": f"Bearer {token}",
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        **extra,
    }
    lines = [f"POST /supporters/{supporter}/uploads HTTP/1.1"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def part_opening() -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
        'filename="big.csv"\r\nContent-Type: text/csv\r\n\r\nfirst_name,phone\r\n'
    ).encode()


def read_response(sock: socket.socket, timeout: float) -> tuple[int, dict[str, object]]:
    """The status and problem document of the response on ``sock``, within ``timeout`` s."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, json.loads(body[:length])


def test_a_declared_length_over_the_limit_is_refused_before_the_body(
    small_api: int, settings: Settings
) -> None:
    with socket.create_connection(("127.0.0.1", small_api), timeout=10) as sock:
        sock.sendall(upload_head(settings, unique("sup"), {"Content-Length": str(10**10)}))
        status, problem = read_response(sock, timeout=10)  # no byte of the body was sent
    assert status == 422
    assert "larger than the limit" in str(problem["detail"])


def test_a_streamed_body_is_cut_off_at_the_limit(small_api: int, settings: Settings) -> None:
    """A chunked body with no length: refused as it passes the limit, not after 50 MB."""
    block = b"A,608-261-3000\r\n" * 4096  # 64 kB
    sent = 0
    answered = False
    with socket.create_connection(("127.0.0.1", small_api), timeout=10) as sock:
        sock.sendall(upload_head(settings, unique("sup"), {"Transfer-Encoding": "chunked"}))
        opening = part_opening()
        sock.sendall(f"{len(opening):x}\r\n".encode() + opening + b"\r\n")
        sock.settimeout(0.5)
        while sent < 50_000_000:
            if select.select([sock], [], [], 0)[0]:
                answered = True
                break
            try:
                sock.sendall(f"{len(block):x}\r\n".encode() + block + b"\r\n")
            except (TimeoutError, BrokenPipeError, ConnectionResetError):
                answered = True  # the server stopped reading
                break
            sent += len(block)
        status, problem = read_response(sock, timeout=10)
    assert answered
    assert sent < 10_000_000, f"the server read {sent:,} bytes of a body over {UPLOAD_MAX:,}"
    assert status == 422
    assert "larger than the limit" in str(problem["detail"])


def test_a_body_that_stops_arriving_is_refused(small_api: int, settings: Settings) -> None:
    """Slowloris: a body that says 100 kB and sends a few bytes is answered 408, not kept."""
    with socket.create_connection(("127.0.0.1", small_api), timeout=10) as sock:
        sock.sendall(upload_head(settings, unique("sup"), {"Content-Length": "100000"}))
        sock.sendall(part_opening())
        started = time.monotonic()
        status, problem = read_response(sock, timeout=IDLE_SECONDS + 20)
    assert status == 408
    assert "stopped arriving" in str(problem["detail"])
    assert time.monotonic() - started >= IDLE_SECONDS - 0.5


def test_uploads_within_the_limits_still_load(small_api: int, settings: Settings) -> None:
    from outreach.usecases.consent import CURRENT_TERMS

    supporter = unique("sup")
    token = issue_token(settings, subject=supporter, role="supporter")
    with httpx.Client(
        base_url=f"http://127.0.0.1:{small_api}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    ) as client:
        agreed = client.post(
            f"/supporters/{supporter}/consent", json={"terms_version": CURRENT_TERMS}
        )
        assert agreed.status_code == 200, agreed.text
        rows = [{"first_name": "Ann", "phone": "608-261-3000"}]
        accepted = client.post(
            f"/supporters/{supporter}/uploads",
            files={"file": ("contacts.csv", contacts_csv(rows), "text/csv")},
        )
        assert accepted.status_code == 202, accepted.text
        assert client.get("/health").json() == {"status": "ok"}
