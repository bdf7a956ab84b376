"""The local Bolt server: bound to localhost, reused when already running, data on disk."""

from __future__ import annotations

import psutil
from neo4j import Driver

from graph.db.local_server import ensure_running, graph_dir
from outreach.core.settings import Settings


def test_listens_on_loopback_only(driver: Driver, settings: Settings) -> None:
    listeners = [
        c.laddr
        for c in psutil.net_connections(kind="tcp")
        if c.status == psutil.CONN_LISTEN
        and c.laddr.port in (settings.local_bolt_port, settings.local_http_port)
    ]
    assert listeners, "the server should be listening"
    for address in listeners:
        assert address.ip in ("127.0.0.1", "::1", "::ffff:127.0.0.1"), address


def test_a_running_server_is_reused_not_restarted(driver: Driver, settings: Settings) -> None:
    handle = ensure_running(settings)
    assert not handle.owned
    handle.stop()  # stopping a reused handle must leave the shared server running
    assert (
        driver.execute_query("RETURN 1 AS one", database_=settings.graph_database).records[0]["one"]
        == 1
    )


def test_data_is_persisted_in_the_data_directory(driver: Driver, settings: Settings) -> None:
    database_dir = graph_dir(settings) / "databases" / settings.graph_database
    assert database_dir.is_dir()
    assert str(graph_dir(settings)).startswith(str(settings.data_dir.resolve()))
