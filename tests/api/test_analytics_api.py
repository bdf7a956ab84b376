"""Analytics over HTTP: analysts' read-only Cypher, the reports, roles, and safe CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from neo4j import Driver

from graph.db.run import read
from outreach.core.settings import Settings
from tests.factories import api_client, unique
from tests.graph.test_analytics import D1, D2, SLOW_QUERY, World, build_world

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def world(driver: Driver) -> World:
    """This module's own small graph, in geographies no other test uses."""
    return build_world(driver)


@pytest.fixture
def analyst(api_url: str, settings: Settings) -> Iterator[httpx.Client]:
    """A client holding an analyst's token."""
    with api_client(api_url, settings, unique("analyst"), role="analyst") as client:
        yield client


@pytest.fixture
def organizer(api_url: str, settings: Settings) -> Iterator[httpx.Client]:
    """A client holding an organizer's token."""
    with api_client(api_url, settings, unique("organizer"), role="organizer") as client:
        yield client


def cypher(client: httpx.Client, query: str, **body: Any) -> httpx.Response:
    return client.post("/analytics/cypher", json={"query": query, **body})


def parse_csv(response: httpx.Response) -> list[list[str]]:
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.text)))


# --- POST /analytics/cypher ---------------------------------------------------------------


def test_an_analyst_runs_a_read_query_with_parameters(analyst: httpx.Client, world: World) -> None:
    response = cypher(
        analyst,
        "MATCH (s:Supporter {id: $id})-[:KNOWS]->(p:Person) RETURN s, p.key AS key ORDER BY key",
        parameters={"id": world.s2},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["columns"] == ["s", "key"]
    assert [row[1] for row in body["rows"]] == sorted([world.p[3], world.p[5], world.p[6]])
    supporter = body["rows"][0][0]
    assert supporter["labels"] == ["Supporter"]
    assert supporter["properties"]["id"] == world.s2
    assert body["truncated"] is False
    assert isinstance(body["elapsed_ms"], int)


@pytest.mark.parametrize("role", ["supporter", "organizer"])
def test_only_analysts_may_query(api_url: str, settings: Settings, role: str) -> None:
    with api_client(api_url, settings, unique(role), role=role) as client:
        response = cypher(client, "RETURN 1 AS x")
    assert response.status_code == 403
    assert response.headers["content-type"].startswith(PROBLEM)


def test_a_query_needs_a_token(api_url: str) -> None:
    response = httpx.post(f"{api_url}/analytics/cypher", json={"query": "RETURN 1 AS x"})
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("query", "clause"),
    [
        ("MATCH (s:Supporter {id: $id}) SET s.hacked = true RETURN s", "SET"),
        ("MATCH (s:Supporter {id: $id}) // just a read\nmerge (s)-[:HACKED]->(s)", "MERGE"),
        ("MATCH (s:Supporter {id: $id}) DETACH DELETE s", "DETACH DELETE"),
        ("MATCH (s:Supporter {id: $id}) CALL apoc.create.setProperty(s, 'hacked', true) "
         "YIELD node RETURN node", "CALL apoc.create.setProperty"),
    ],
)  # fmt: skip
def test_a_write_is_refused_and_changes_nothing(
    analyst: httpx.Client, driver: Driver, world: World, query: str, clause: str
) -> None:
    response = cypher(analyst, query, parameters={"id": world.s3})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["status"] == 400
    assert problem["clause"] == clause
    assert clause in problem["detail"]
    rows = read(
        driver,
        "MATCH (s:Supporter {id: $id}) "
        "RETURN s.hacked AS hacked, COUNT { (s)-[:KNOWS]->() } AS knows",
        id=world.s3,
    )
    assert rows == [{"hacked": None, "knows": 1}]


def test_a_create_is_refused_and_nothing_is_created(analyst: httpx.Client, driver: Driver) -> None:
    marker = unique("never")
    response = cypher(analyst, "CREATE (:Supporter {id: $id})", parameters={"id": marker})
    assert response.status_code == 400
    assert read(driver, "MATCH (s:Supporter {id: $id}) RETURN s", id=marker) == []


def test_rows_stop_at_the_limit(analyst: httpx.Client) -> None:
    cut = cypher(analyst, "UNWIND range(1, 25) AS i RETURN i", limit=10).json()
    assert cut["rows"] == [[i] for i in range(1, 11)]
    assert cut["truncated"] is True
    whole = cypher(analyst, "UNWIND range(1, 25) AS i RETURN i", limit=25).json()
    assert len(whole["rows"]) == 25 and whole["truncated"] is False
    too_many = cypher(analyst, "RETURN 1 AS x", limit=10_001)
    assert too_many.status_code == 422


def test_csv_neutralizes_formulas(analyst: httpx.Client) -> None:
    response = cypher(
        analyst,
        "RETURN $f AS formula, '+1' AS plus, '@SUM(A1)' AS at, '-2+3' AS minus, "
        "-5 AS number, 'plain, text' AS text, [1, 2] AS list, null AS nothing",
        parameters={"f": '=HYPERLINK("http://evil.invalid","x")'},
        format="csv",
    )
    assert response.status_code == 200, response.text
    assert response.headers["x-truncated"] == "false"
    assert "attachment" in response.headers["content-disposition"]
    header, row = parse_csv(response)
    assert header == ["formula", "plus", "at", "minus", "number", "text", "list", "nothing"]
    assert row == [
        '\'=HYPERLINK("http://evil.invalid","x")', "'+1", "'@SUM(A1)", "'-2+3", "-5",
        "plain, text", "[1, 2]", "",
    ]  # fmt: skip


def test_csv_reports_truncation_in_a_header(analyst: httpx.Client) -> None:
    response = cypher(analyst, "UNWIND range(1, 5) AS i RETURN i", limit=2, format="csv")
    assert response.headers["x-truncated"] == "true"
    assert parse_csv(response) == [["i"], ["1"], ["2"]]


def test_a_slow_query_is_stopped(analyst: httpx.Client) -> None:
    response = cypher(analyst, SLOW_QUERY, timeout_seconds=0.5)
    assert response.status_code == 400
    assert response.json()["reason"] == "timeout"


def test_a_bad_query_is_a_clear_400(analyst: httpx.Client) -> None:
    response = cypher(analyst, "MATCH (n RETURN n")
    assert response.status_code == 400
    assert "refused" in response.json()["detail"]


# --- the reports ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/analytics/reach-by-state", "/analytics/bridge-supporters", "/analytics/funnel",
     "/analytics/lift", "/analytics/holdout"],
)  # fmt: skip
def test_supporters_may_not_read_reports(api_url: str, settings: Settings, path: str) -> None:
    with api_client(api_url, settings, unique("sup")) as client:
        response = client.get(path)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith(PROBLEM)


def test_reach_by_state(organizer: httpx.Client, world: World) -> None:
    response = organizer.get(
        "/analytics/reach-by-state", params={"geo": [world.geo, world.other_geo]}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["geos"] == [world.geo, world.other_geo]
    first, second = body["rows"]
    assert first["geo"] == world.geo
    assert (first["reachable"], first["held_out"], first["assigned"], first["asked"]) == (
        5,
        2,
        3,
        3,
    )
    assert (first["will_vote"], first["not_interested"], first["no_reply"]) == (1, 1, 1)
    assert second["geo"] == world.other_geo and second["reachable"] == 1


def test_reach_by_state_defaults_to_the_target_geographies(organizer: httpx.Client) -> None:
    response = organizer.get("/analytics/reach-by-state")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["geos"] and [r["geo"] for r in body["rows"]] == body["geos"]


def test_reach_by_state_as_csv(analyst: httpx.Client, world: World) -> None:
    response = analyst.get("/analytics/reach-by-state", params={"geo": world.geo, "format": "csv"})
    header, row = parse_csv(response)
    assert header[:5] == ["geo", "reachable", "held_out", "assigned", "asked"]
    record = dict(zip(header, row, strict=True))
    assert record["geo"] == world.geo
    assert record["reachable"] == "5" and record["held_out"] == "2"


def test_bridge_supporters_show_ids_and_counts(analyst: httpx.Client, world: World) -> None:
    response = analyst.get("/analytics/bridge-supporters", params={"geo": world.geo, "limit": 1})
    assert response.status_code == 200, response.text
    (top,) = response.json()["rows"]
    assert top == {
        "supporter_id": world.s1, "target_friends": 4, "sole_link": 3, "assigned": 2,
        "asked": 2, "geos": [world.geo],
    }  # fmt: skip
    as_csv = analyst.get("/analytics/bridge-supporters", params={"geo": world.geo, "format": "csv"})
    header, *rows = parse_csv(as_csv)
    assert header == ["supporter_id", "target_friends", "sole_link", "assigned", "asked", "geos"]
    assert [r[0] for r in rows] == [world.s1, world.s2]


def test_funnel_totals_and_days(analyst: httpx.Client, world: World) -> None:
    response = analyst.get("/analytics/funnel", params={"geo": world.geo, "by": "day"})
    assert response.status_code == 200, response.text
    body = response.json()
    totals = body["totals"]
    assert (totals["assigned"], totals["asked"], totals["positive"], totals["negative"]) == (
        3, 3, 1, 1,
    )  # fmt: skip
    assert [d["day"] for d in body["by_day"]] == [D1, D2]
    assert [d["records"] for d in body["by_day"]] == [3, 3]
    plain = analyst.get("/analytics/funnel", params={"geo": world.geo}).json()
    assert plain["by_day"] is None and plain["totals"] == totals
    header, *days = parse_csv(
        analyst.get("/analytics/funnel", params={"geo": world.geo, "by": "day", "format": "csv"})
    )
    assert header[:3] == ["day", "records", "friends"] and [d[0] for d in days] == [D1, D2]


def test_lift_reports_the_proxy_with_an_interval(analyst: httpx.Client, world: World) -> None:
    response = analyst.get("/analytics/lift", params={"geo": world.geo})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["assigned"]["friends"] == 3 and body["assigned"]["positive"] == 1
    assert body["held_out"] == {"friends": 2, "positive": 0, "rate": 0.0}
    assert body["ci_low"] < body["difference"] < body["ci_high"]
    assert body["confidence"] == 0.95
    assert "proxy" in body["note"].lower()
    header, row = parse_csv(
        analyst.get("/analytics/lift", params={"geo": world.geo, "format": "csv"})
    )
    record = dict(zip(header, row, strict=True))
    assert record["assigned_friends"] == "3" and record["held_out_friends"] == "2"
    assert record["note"] == body["note"]


def test_holdout_lists_keys_only(analyst: httpx.Client, world: World) -> None:
    response = analyst.get("/analytics/holdout", params={"geo": world.geo, "limit": 1})
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["total"] == 2 and page["limit"] == 1 and page["offset"] == 0
    assert page["items"] == [{"key": world.p[4], "holdout_version": 7}]
    as_csv = analyst.get("/analytics/holdout", params={"geo": world.geo, "format": "csv"})
    assert as_csv.headers["x-total-count"] == "2"
    assert parse_csv(as_csv) == [["key", "holdout_version"], [world.p[4], "7"], [world.p[5], "7"]]
