"""Test fixtures: a real local Bolt server, a real Redis, a real worker and the real API over HTTP.

The environment is set here, before any project module reads its settings, so that the
test run has its own data directory and ports and never touches a developer's data.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# Property-based tests (tests/ingest/test_fuzz_parsers.py) run a modest number of examples
# so that the suite stays fast; OUTREACH_FUZZ_PROFILE=deep runs many more.
_FUZZ = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
hypothesis_settings.register_profile("outreach", max_examples=40, **_FUZZ)  # type: ignore[arg-type]
hypothesis_settings.register_profile("deep", max_examples=2000, **_FUZZ)  # type: ignore[arg-type]
hypothesis_settings.load_profile(os.environ.get("OUTREACH_FUZZ_PROFILE", "outreach"))

_ROOT = Path(tempfile.mkdtemp(prefix="outreach-tests-"))


def _a_free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# The stand-in for NGP VAN (tests/integrations/fake_van.py) listens here; the worker and
# the API, started with this environment, send VAN requests to it.
VAN_PORT = int(os.environ.get("OUTREACH_TEST_VAN_PORT") or _a_free_port())
REDIS_PORT = int(os.environ.get("OUTREACH_TEST_REDIS_PORT", "16379"))
REDIS_URL = os.environ.get("OUTREACH_TEST_REDIS_URL", f"redis://127.0.0.1:{REDIS_PORT}/0")
os.environ.update(
    OUTREACH_ENVIRONMENT="test",
    OUTREACH_DATA_DIR=str(_ROOT / "data"),
    OUTREACH_LOCAL_BOLT_PORT=os.environ.get("OUTREACH_TEST_BOLT_PORT", "17688"),
    OUTREACH_LOCAL_HTTP_PORT=os.environ.get("OUTREACH_TEST_HTTP_PORT", "12481"),
    OUTREACH_LOCAL_GRAPH_HEAP="1g",
    OUTREACH_SECRET_KEY="test-secret-key-for-hashing",
    OUTREACH_API_SECRET="test-api-secret",
    OUTREACH_TOKEN_VERSION_CACHE_SECONDS="2",
    OUTREACH_BROKER_URL=REDIS_URL,
    OUTREACH_RESULT_BACKEND=REDIS_URL,
    # The tests' webhook receivers and the stand-in VAN listen on 127.0.0.1.
    OUTREACH_WEBHOOK_ALLOW_PRIVATE_URLS="true",
    OUTREACH_WEBHOOK_RETRY_SECONDS="0.2",
    OUTREACH_WEBHOOK_MAX_ATTEMPTS="3",
    OUTREACH_WEBHOOK_DISABLE_AFTER="4",
    OUTREACH_WEBHOOK_TIMEOUT_SECONDS="2",
    OUTREACH_VAN_BASE_URL=f"http://127.0.0.1:{VAN_PORT}/v4",
    OUTREACH_VAN_APPLICATION_NAME="outreach-tests",
    OUTREACH_VAN_API_KEY="7c9e6679-7425-40de-944b-e07fc1f90ae7",
    OUTREACH_VAN_DATABASE_MODE="0",
    OUTREACH_VAN_EXPORT_TYPE="4",
    OUTREACH_VAN_RETRY_SECONDS="0.05",
    OUTREACH_VAN_TIMEOUT_SECONDS="1",
    OUTREACH_VAN_EXPORT_WAIT_SECONDS="30",
)

from neo4j import Driver  # noqa: E402

from outreach.core.settings import Settings, get_settings, reset_settings  # noqa: E402

reset_settings()


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, timeout: float = 30.0) -> None:
    """Block until something listens on ``port``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port} after {timeout}s")


@pytest.fixture(scope="session")
def settings() -> Settings:
    """The test run's settings."""
    return get_settings()


@pytest.fixture(scope="session")
def graph_server(settings: Settings) -> Iterator[None]:
    """The real local Bolt server, started once for the run."""
    from graph.db.local_server import ensure_running

    server = ensure_running(settings)
    yield
    from graph.db.driver import close_driver

    close_driver()
    server.stop()


@pytest.fixture(scope="session")
def driver(graph_server: None) -> Driver:
    """The process's driver on the test graph, with the schema in place."""
    from graph.db.driver import get_driver
    from graph.db.schema import init_schema

    d = get_driver()
    init_schema(d)
    return d


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real Redis: the one CI started, or one started here from ``redis-server``."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
        yield REDIS_URL
        return
    except redis.ConnectionError:
        pass
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed: apt-get install redis-server (see README)")
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(REDIS_PORT),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=_ROOT,
    )
    wait_port(REDIS_PORT)
    yield REDIS_URL
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def worker(driver: Driver, redis_url: str) -> Iterator[subprocess.Popen[bytes]]:
    """A real Celery worker process on the Redis broker."""
    from outreach.cli.processes import start_worker

    handle = start_worker(get_settings(), concurrency=2)
    time.sleep(1.0)
    yield handle.process
    handle.stop()


@pytest.fixture(scope="session")
def api_url(driver: Driver, worker: subprocess.Popen[bytes]) -> Iterator[str]:
    """The real API, served by uvicorn in its own process."""
    port = free_port()
    with (_ROOT / "api.log").open("ab") as log:
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
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    wait_port(port, timeout=60)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=15)


@pytest.fixture(scope="session")
def test_root() -> Path:
    """The run's scratch folder."""
    return _ROOT
