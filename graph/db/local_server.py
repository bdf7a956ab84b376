"""The local Bolt server: ArcadeDB with its Bolt plugin, for machines without Neo4j.

``serve_forever`` runs the server in the current process until SIGTERM or Ctrl-C.
``ensure_running`` reuses a server already listening, or starts one in a child
process and waits until it answers Bolt queries. Data lives in
``<data_dir>/graph``; every listener is bound to localhost.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from neo4j import GraphDatabase
from neo4j.exceptions import Neo4jError, ServiceUnavailable

from outreach.core.errors import ConfigError, GraphUnavailable
from outreach.core.settings import Settings, get_settings

log = logging.getLogger(__name__)

BOLT_PLUGIN = "Bolt:com.arcadedb.bolt.BoltProtocolPlugin"
LOCALHOST = "localhost"


def graph_dir(settings: Settings) -> Path:
    """The folder that holds the local server's databases, config and logs."""
    return (settings.data_dir / "graph").resolve()


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def answers_queries(settings: Settings) -> bool:
    """True when the local server accepts our credentials and the database answers."""
    if not _port_open(settings.local_bolt_port):
        return False
    try:
        with GraphDatabase.driver(
            settings.effective_graph_uri,
            auth=(settings.graph_user, settings.graph_password.get_secret_value()),
            connection_timeout=5.0,
        ) as driver:
            driver.execute_query("RETURN 1 AS ok", database_=settings.graph_database)
        return True
    except (ServiceUnavailable, Neo4jError, OSError):
        return False


def serve_forever(
    settings: Settings | None = None, *, ready: threading.Event | None = None
) -> None:
    """Run ArcadeDB with Bolt in this process until SIGTERM or Ctrl-C."""
    settings = settings or get_settings()
    if not settings.uses_local_graph:
        raise ConfigError("OUTREACH_GRAPH_URI is set: the local graph server is not used")
    root = graph_dir(settings)
    root.mkdir(parents=True, exist_ok=True)
    os.chdir(root)  # ArcadeDB writes ./log relative to the working directory
    os.environ.setdefault("ARCADEDB_JVM_ERROR_FILE", str(root / "log" / "hs_err_pid%p.log"))
    from arcadedb_embedded.jvm import start_jvm
    from arcadedb_embedded.server import ArcadeDBServer

    start_jvm(heap_size=settings.local_graph_heap)
    server = ArcadeDBServer(
        str(root),
        root_password=settings.graph_password.get_secret_value(),
        config={
            "host": LOCALHOST,
            "http_port": settings.local_http_port,
            "server_plugins": BOLT_PLUGIN,
            "bolt_port": settings.local_bolt_port,
        },
    )
    stop = threading.Event()

    def _on_signal(signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    server.start()
    try:
        server.create_database(settings.graph_database)
        (root / "server.pid").write_text(str(os.getpid()))
        if ready is not None:
            ready.set()
        log.info("local graph server ready on bolt://127.0.0.1:%d", settings.local_bolt_port)
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
        (root / "server.pid").unlink(missing_ok=True)


@dataclass
class LocalServer:
    """A handle on the local server: ``owned`` when this process started it."""

    settings: Settings
    process: subprocess.Popen[bytes] | None = None

    @property
    def owned(self) -> bool:
        """True when this process started the server and so must stop it."""
        return self.process is not None

    def stop(self, timeout: float = 60.0) -> None:
        """Stop the server if this process started it; leave a shared one running."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def ensure_running(settings: Settings | None = None, *, timeout: float = 180.0) -> LocalServer:
    """Reuse the local server if it answers, else start one and wait until it does."""
    settings = settings or get_settings()
    if not settings.uses_local_graph:
        return LocalServer(settings)
    if answers_queries(settings):
        log.info("reusing the local graph server on port %d", settings.local_bolt_port)
        return LocalServer(settings)
    if _port_open(settings.local_bolt_port):
        raise GraphUnavailable(
            f"port {settings.local_bolt_port} is taken by something that is not our graph "
            "server (or the password differs); set OUTREACH_LOCAL_BOLT_PORT"
        )
    root = graph_dir(settings)
    root.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(
        OUTREACH_DATA_DIR=str(settings.data_dir.resolve()),
        OUTREACH_LOCAL_BOLT_PORT=str(settings.local_bolt_port),
        OUTREACH_LOCAL_HTTP_PORT=str(settings.local_http_port),
        OUTREACH_GRAPH_PASSWORD=settings.graph_password.get_secret_value(),
        OUTREACH_GRAPH_DATABASE=settings.graph_database,
        OUTREACH_LOCAL_GRAPH_HEAP=settings.local_graph_heap,
    )
    with (root / "server.out").open("ab") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "graph.db.local_server"],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
    handle = LocalServer(settings, process)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise GraphUnavailable(
                f"the local graph server exited with code {process.returncode}; "
                f"see {root / 'server.out'}"
            )
        if answers_queries(settings):
            return handle
        time.sleep(0.5)
    handle.stop()
    raise GraphUnavailable(f"the local graph server did not become ready in {timeout:.0f}s")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    serve_forever()
    logging.shutdown()
    # The JVM keeps non-daemon threads after the server stops; leave without waiting on them.
    os._exit(0)
