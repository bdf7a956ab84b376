"""An analyst's time-out holds on the graph server: the query is stopped there, not only
abandoned by the API; analysts have their own connections; abandoned queries count.

Found on main: cartesian products sent to ``POST /analytics/cypher`` answered "timeout"
after 5 s, and the graph server went on computing them at full CPU for minutes while
every supporter's list waited.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future

import pytest
from neo4j import Driver

from graph.analyst_query import MARKER, run_cypher, running_analyst_queries, stop_on_server
from graph.db.driver import create_driver
from outreach.core.errors import QueryRefused
from outreach.core.settings import Settings
from tests.factories import api_client, consent_and_upload, unique

# Ten billion rows: hours of work for the server if nothing stops it.
CARTESIAN = (
    "UNWIND range(1, 100000) AS i UNWIND range(1, 100000) AS j "
    "WITH i, j WHERE (i * j) % 7 = 3 RETURN count(*) AS n"
)


def eventually(check: Callable[[], bool], timeout: float = 15.0) -> bool:
    """True as soon as ``check`` is; False if it never is within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return check()


@pytest.fixture(autouse=True)
def no_query_left_running(driver: Driver) -> Iterator[None]:
    """Whatever a test does, no analyst query is left burning the shared server."""
    yield
    finished: Future[None] = Future()
    finished.set_result(None)
    stop_on_server(driver, MARKER, finished)  # every analyst query still running


def test_a_timed_out_query_stops_on_the_server_and_supporters_are_served(
    api_url: str, driver: Driver, settings: Settings
) -> None:
    supporter = unique("sup")
    with api_client(api_url, settings, supporter) as client:
        consent_and_upload(
            client, supporter, [{"first_name": "Ann", "last_name": "Lee", "phone": "6082615000"}]
        )
        with api_client(api_url, settings, unique("analyst"), role="analyst") as analyst:
            started = time.monotonic()
            timed_out = analyst.post(
                "/analytics/cypher", json={"query": CARTESIAN, "timeout_seconds": 1}
            )
            assert timed_out.status_code == 400, timed_out.text
            assert timed_out.json()["reason"] == "timeout"
            assert time.monotonic() - started < 25  # answered, not left waiting on the server
            # The server itself no longer runs it (on main it ran on for minutes).
            assert eventually(lambda: not running_analyst_queries(driver)), (
                "the timed-out query still runs on the graph server"
            )
            quick = analyst.post("/analytics/cypher", json={"query": "RETURN 1 AS x"})
            assert quick.status_code == 200, quick.text
            assert quick.json()["rows"] == [[1]]
        targets = client.get(f"/supporters/{supporter}/targets")
        assert targets.status_code == 200, targets.text


def test_queries_that_run_out_of_time_count_against_the_analyst(
    api_url: str, settings: Settings
) -> None:
    allowed = int(settings.rate_limit_analyst_timeouts.split("/")[0])
    with api_client(api_url, settings, unique("analyst"), role="analyst") as analyst:
        for _ in range(allowed):
            response = analyst.post(
                "/analytics/cypher", json={"query": CARTESIAN, "timeout_seconds": 0.5}
            )
            assert response.json()["reason"] == "timeout", response.text
        refused = analyst.post("/analytics/cypher", json={"query": "RETURN 1 AS x"})
        assert refused.status_code == 429, refused.text
        assert "ran out of time" in refused.json()["detail"]
        assert int(refused.headers["retry-after"]) >= 1
    with api_client(api_url, settings, unique("analyst"), role="analyst") as other:
        assert other.post("/analytics/cypher", json={"query": "RETURN 1 AS x"}).status_code == 200


def test_analyst_queries_do_not_use_the_main_pool(driver: Driver, settings: Settings) -> None:
    """With every connection of the main pool taken, an analyst query still runs; and the
    analysts' own pool bounds how many of their queries the server runs at once."""
    main = create_driver(settings, pool_size=1)
    try:
        with main.session(database=settings.graph_database) as held:
            tx = held.begin_transaction()  # the main pool's only connection, in use
            try:
                tx.run("RETURN 1").consume()
                result = run_cypher(main, query="RETURN 2 AS x", limit=10, timeout=20)
                assert result.rows == [[2]]
            finally:
                tx.close()
    finally:
        main.close()

    errors: list[BaseException] = []

    def slow() -> None:
        try:
            run_cypher(driver, query=CARTESIAN, limit=1, timeout=6)
        except QueryRefused as exc:
            if exc.extra.get("reason") != "timeout":
                errors.append(exc)

    threads = [threading.Thread(target=slow) for _ in range(settings.analyst_pool_size + 2)]
    for thread in threads:
        thread.start()
    assert eventually(lambda: len(running_analyst_queries(driver)) > 0)
    seen = max(len(running_analyst_queries(driver)) for _ in range(5))
    assert 1 <= seen <= settings.analyst_pool_size
    assert driver.execute_query("RETURN 1 AS ok").records[0]["ok"] == 1  # supporters' pool
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert eventually(lambda: not running_analyst_queries(driver))


def test_stop_on_server_finds_nothing_once_a_query_ended(driver: Driver) -> None:
    done: Future[None] = Future()
    done.set_result(None)
    assert stop_on_server(driver, "/* outreach-analyst no-such-query */", done) == 0
