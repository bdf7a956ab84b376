"""Reports on a small graph of this module's own, the lift statistics, and analysts' Cypher.

The graph is shared by every test of the run, so each world lives in geographies
with unique codes and every assertion is scoped to them.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from typing import LiteralString

import pytest
from neo4j import Driver

from graph import analyst_query, analytics
from graph.contacts import write_friends
from graph.db.run import read, write
from graph.ranking import mark_holdout, replace_rankings
from graph.supporters import upsert_supporters
from graph.voters import upsert_voters
from outreach.core.errors import QueryRefused
from tests.factories import unique

# Test-only: outcomes with chosen times. The product records them through graph.outcomes.
TEST_ONLY_RECORD_ASKS: LiteralString = """
UNWIND $rows AS row
MATCH (s:Supporter {id: row.supporter_id})
MATCH (p:Person {key: row.key})
CREATE (s)-[:ASKED {id: row.id, channel: 'text', outcome: row.outcome, at: datetime(row.at)}]->(p)
"""
D1, D2 = "2026-10-01", "2026-10-02"


@dataclass(frozen=True)
class World:
    """Ids of one small graph: geographies G (with district D) and H; supporters; friends."""

    geo: str
    district: str
    other_geo: str
    s1: str
    s2: str
    s3: str
    p: dict[int, str]


def build_world(driver: Driver) -> World:
    """Six matched friends (p1-p5 in G, p6 in H) and one unmatched, three supporters.

    s1 knows p1-p4 and p7, s2 knows p3, p5 and p6, s3 knows p6. s1 is ranked p1 and p2,
    s2 is ranked p3; p4 and p5 are held out. Asks: p1 asked then will_vote then asked
    again (status will_vote); p2 will_vote then not_interested (status not_interested);
    p3 asked (no reply).
    """
    tag = uuid.uuid4().hex[:10].upper()
    geo, other = f"G{tag}", f"H{tag}"
    district = f"{geo}-1"
    p = {i: f"{tag}-p{i}" for i in range(1, 8)}
    voter_of = {i: f"{tag}-v{i}" for i in range(1, 7)}
    voters = [
        {"voter_id": voter_of[i], "props": {"state": geo, "district": district if i <= 2 else None,
                                            "support_score": 0.8}}
        for i in range(1, 6)
    ]  # fmt: skip
    voters.append({"voter_id": voter_of[6], "props": {"state": other, "support_score": 0.8}})
    upsert_voters(driver, voters, batch_size=100)
    s1, s2, s3 = unique("an-s1"), unique("an-s2"), unique("an-s3")
    upsert_supporters(
        driver, [{"id": s, "props": {"partition": 0}, "voter_id": None} for s in (s1, s2, s3)],
        batch_size=100,
    )  # fmt: skip
    knows = {s1: [1, 2, 3, 4, 7], s2: [3, 5, 6], s3: [6]}
    for supporter, friends in knows.items():
        write_friends(
            driver,
            supporter_id=supporter,
            upload_id=unique("up"),
            knows=[_knows(p[i], i) for i in friends],
            matches=[
                {"key": p[i], "voter_id": voter_of[i], "probability": 0.99, "method": "exact"}
                for i in friends
                if i in voter_of
            ],
            candidates=[],
            batch_size=100,
        )
    rankings = [
        _ranking(s1, p[1], 1),
        _ranking(s1, p[2], 2),
        _ranking(s2, p[3], 1),
    ]
    replace_rankings(driver, supporter_ids=[s1, s2], rows=rankings, model_version=1, run_id=tag)
    mark_holdout(driver, keys=[p[4], p[5]], model_version=7)
    asks = [
        (s1, p[1], "asked", f"{D1}T10:00:00Z"),
        (s1, p[1], "will_vote", f"{D2}T09:00:00Z"),
        (s1, p[1], "asked", f"{D2}T18:00:00Z"),
        (s1, p[2], "will_vote", f"{D1}T08:00:00Z"),
        (s1, p[2], "not_interested", f"{D1}T12:00:00Z"),
        (s2, p[3], "asked", f"{D2}T15:00:00Z"),
    ]
    rows = [
        {"supporter_id": s, "key": k, "outcome": o, "at": at, "id": unique("ask")}
        for s, k, o, at in asks
    ]
    write(driver, TEST_ONLY_RECORD_ASKS, rows=rows)
    return World(geo=geo, district=district, other_geo=other, s1=s1, s2=s2, s3=s3, p=p)


def _knows(key: str, i: int) -> dict[str, object]:
    return {
        "key": key, "friend_id": f"f{i}", "display_name": f"Friend {i}", "first_name": "Friend",
        "sources": ["phone"], "favorite": False, "labels": [], "social": [], "closeness": None,
        "state_hint": None,
    }  # fmt: skip


def _ranking(supporter: str, key: str, rank: int) -> dict[str, object]:
    return {
        "supporter_id": supporter, "friend_key": key, "rank": rank, "impact": 0.01,
        "channel": "text", "factors": "{}", "reasons": ["test"],
    }  # fmt: skip


@pytest.fixture(scope="module")
def world(driver: Driver) -> World:
    """One world for the module's report tests."""
    return build_world(driver)


ZEROS = dict.fromkeys(("held_out", "assigned", "asked", *analytics.STATUS_COLUMNS), 0)


def test_reach_counts_friends_per_state_and_district(driver: Driver, world: World) -> None:
    missing = f"{world.geo}-none"
    rows = analytics.reach_by_geo(
        driver, geos=[world.geo, world.district, world.other_geo, missing]
    )
    by_geo = {r["geo"]: r for r in rows}
    assert [r["geo"] for r in rows] == [world.geo, world.district, world.other_geo, missing]
    assert by_geo[world.geo] == {
        **ZEROS, "geo": world.geo, "reachable": 5, "held_out": 2, "assigned": 3, "asked": 3,
        "no_reply": 1, "will_vote": 1, "not_interested": 1,
    }  # fmt: skip
    assert by_geo[world.district] == {
        **ZEROS, "geo": world.district, "reachable": 2, "assigned": 2, "asked": 2,
        "will_vote": 1, "not_interested": 1,
    }  # fmt: skip
    assert by_geo[world.other_geo] == {**ZEROS, "geo": world.other_geo, "reachable": 1}
    assert by_geo[missing] == {**ZEROS, "geo": missing, "reachable": 0}


def test_status_columns_split_the_asked_friends(driver: Driver, world: World) -> None:
    (row,) = analytics.reach_by_geo(driver, geos=[world.geo])
    assert sum(row[c] for c in analytics.STATUS_COLUMNS) == row["asked"]


def test_bridge_supporters_rank_by_target_friends_with_ids_only(
    driver: Driver, world: World
) -> None:
    rows = analytics.bridge_supporters(driver, geos=[world.geo], limit=10)
    assert rows == [
        {"supporter_id": world.s1, "target_friends": 4, "sole_link": 3, "assigned": 2,
         "asked": 2, "geos": [world.geo]},
        {"supporter_id": world.s2, "target_friends": 2, "sole_link": 1, "assigned": 1,
         "asked": 1, "geos": [world.geo]},
    ]  # fmt: skip


def test_bridge_supporters_across_geographies_and_limit(driver: Driver, world: World) -> None:
    geos = [world.geo, world.district, world.other_geo]
    rows = analytics.bridge_supporters(driver, geos=geos, limit=10)
    assert [(r["supporter_id"], r["target_friends"], r["sole_link"]) for r in rows] == [
        (world.s1, 4, 3),
        (world.s2, 3, 1),  # p6 is known by s3 too
        (world.s3, 1, 0),
    ]
    assert rows[0]["geos"] == sorted([world.geo, world.district])
    assert len(analytics.bridge_supporters(driver, geos=geos, limit=1)) == 1


def test_funnel_totals_and_rates(driver: Driver, world: World) -> None:
    totals = analytics.funnel(driver, geos=[world.geo])
    assert totals == {
        **{c: 0 for c in analytics.STATUS_COLUMNS}, "assigned": 3, "asked": 3, "no_reply": 1,
        "will_vote": 1, "not_interested": 1, "positive": 1, "negative": 1, "ask_rate": 1.0,
        "positive_rate": pytest.approx(1 / 3),
    }  # fmt: skip


def test_funnel_by_day_counts_records(driver: Driver, world: World) -> None:
    days = analytics.funnel_by_day(driver, geos=[world.geo])
    blank = dict.fromkeys(analytics.STATUS_COLUMNS, 0)
    assert days == [
        {**blank, "day": D1, "records": 3, "friends": 2, "no_reply": 1, "will_vote": 1,
         "not_interested": 1},
        {**blank, "day": D2, "records": 3, "friends": 2, "no_reply": 2, "will_vote": 1},
    ]  # fmt: skip


def test_funnel_without_a_geography_covers_everyone(driver: Driver, world: World) -> None:
    everyone = analytics.funnel(driver)
    mine = analytics.funnel(driver, geos=[world.geo])
    assert everyone["assigned"] >= mine["assigned"]
    assert everyone["asked"] >= mine["asked"]


def test_lift_compares_assigned_and_held_out_with_an_interval(driver: Driver, world: World) -> None:
    report = analytics.lift(driver, geos=[world.geo])
    assert report["assigned"] == {"friends": 3, "positive": 1, "rate": pytest.approx(1 / 3)}
    assert report["held_out"] == {"friends": 2, "positive": 0, "rate": 0.0}
    assert report["difference"] == pytest.approx(1 / 3)
    low, high = analytics.newcombe_interval(1, 3, 0, 2)  # type: ignore[misc]
    assert (report["ci_low"], report["ci_high"]) == pytest.approx((low, high))
    assert report["ci_low"] < report["difference"] < report["ci_high"]
    assert report["measure"] == "turnout_proxy"
    assert "proxy" in report["note"].lower()


def test_lift_without_data_has_no_interval(driver: Driver) -> None:
    report = analytics.lift(driver, geos=[f"NONE{uuid.uuid4().hex[:8]}"])
    assert report["assigned"]["friends"] == report["held_out"]["friends"] == 0
    assert report["difference"] is None and report["ci_low"] is None


def test_holdout_lists_keys_a_page_at_a_time(driver: Driver, world: World) -> None:
    rows, total = analytics.holdout_keys(driver, geos=[world.geo], offset=0, limit=10)
    assert total == 2
    assert rows == [
        {"key": world.p[4], "holdout_version": 7},
        {"key": world.p[5], "holdout_version": 7},
    ]
    page, _ = analytics.holdout_keys(driver, geos=[world.geo], offset=1, limit=1)
    assert page == [{"key": world.p[5], "holdout_version": 7}]


@pytest.mark.parametrize(
    ("counts", "expected"),
    [  # Newcombe (1998), Statistics in Medicine 17:873-890, table II, method 10
        ((56, 70, 48, 80), (0.0524, 0.3339)),
        ((9, 10, 3, 10), (0.1705, 0.8090)),
        ((6, 7, 2, 7), (0.0582, 0.8062)),
        ((5, 56, 0, 29), (-0.0381, 0.1926)),
        ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ],
)
def test_newcombe_interval_matches_the_published_values(
    counts: tuple[int, int, int, int], expected: tuple[float, float]
) -> None:
    interval = analytics.newcombe_interval(*counts)
    assert interval == pytest.approx(expected, abs=5e-5)


def test_wilson_interval_edges() -> None:
    assert analytics.wilson_interval(0, 0) is None
    assert analytics.wilson_interval(81, 263) == pytest.approx((0.2553, 0.3662), abs=5e-5)
    low, high = analytics.wilson_interval(0, 10)  # type: ignore[misc]
    assert low == 0.0 and high == pytest.approx(0.2775, abs=5e-5)
    assert analytics.wilson_interval(10, 10)[1] == 1.0  # type: ignore[index]
    assert analytics.newcombe_interval(1, 0, 1, 2) is None


# --- analysts' Cypher ---------------------------------------------------------------------


def run(
    driver: Driver, query: str, limit: int = 100, timeout: float = 30.0, **params: object
) -> analyst_query.QueryResult:
    return analyst_query.run_cypher(
        driver, query=query, parameters=params, limit=limit, timeout=timeout
    )


def test_cypher_returns_columns_rows_and_plain_nodes(driver: Driver, world: World) -> None:
    result = run(
        driver,
        "MATCH (s:Supporter {id: $id})-[k:KNOWS]->(p:Person {key: $key}) "
        "RETURN s, k, p.key AS key, k.first_seen AS seen, 1.5 AS x",
        id=world.s1,
        key=world.p[1],
    )
    assert result.columns == ["s", "k", "key", "seen", "x"]
    assert not result.truncated
    ((supporter, knows, key, seen, x),) = result.rows
    assert supporter["labels"] == ["Supporter"]
    assert supporter["properties"]["id"] == world.s1
    assert knows["type"] == "KNOWS" and knows["properties"]["friend_id"] == "f1"
    assert knows["start"] == supporter["element_id"]
    assert key == world.p[1] and x == 1.5
    assert isinstance(seen, str) and seen.startswith("20")


def test_cypher_stops_at_the_row_limit(driver: Driver) -> None:
    cut = run(driver, "UNWIND range(1, 50) AS i RETURN i", limit=10)
    assert cut.rows == [[i] for i in range(1, 11)] and cut.truncated
    whole = run(driver, "UNWIND range(1, 50) AS i RETURN i", limit=50)
    assert len(whole.rows) == 50 and not whole.truncated


def test_cypher_refuses_a_write_and_changes_nothing(driver: Driver) -> None:
    marker = unique("never")
    with pytest.raises(QueryRefused) as info:
        run(driver, "CREATE (:Supporter {id: $id})", id=marker)
    assert info.value.extra["clause"] == "CREATE"
    assert read(driver, "MATCH (s:Supporter {id: $id}) RETURN s.id AS id", id=marker) == []


def test_a_write_past_the_guard_is_rolled_back(driver: Driver) -> None:
    # The second layer: even a write the guard missed never commits.
    marker = unique("rolled-back")
    with pytest.raises(QueryRefused, match="rolled back"):
        analyst_query._consume(
            driver, "CREATE (n:Supporter {id: $id}) RETURN n.id AS id", {"id": marker},
            10, 30.0, time.monotonic() + 30, threading.Event(),
        )  # fmt: skip
    assert read(driver, "MATCH (s:Supporter {id: $id}) RETURN s.id AS id", id=marker) == []


def test_cypher_errors_from_the_graph_are_refusals_with_the_reason(driver: Driver) -> None:
    with pytest.raises(QueryRefused) as syntax:
        run(driver, "MATCH (n RETURN n")
    assert "Syntax" in str(syntax.value.extra.get("code"))
    with pytest.raises(QueryRefused, match="parameter"):
        run(driver, "RETURN $x AS x")


# About 2.25 million rows: several seconds on the local server, which ignores the
# transaction timeout; Neo4j stops it on the timeout itself.
SLOW_QUERY = (
    "UNWIND range(1, 1500) AS i UNWIND range(1, 1500) AS j "
    "WITH i, j WHERE (i + j) % 7 = 0 RETURN count(*) AS n"
)


def test_cypher_is_stopped_at_the_time_limit(driver: Driver) -> None:
    started = time.monotonic()
    with pytest.raises(QueryRefused) as info:
        run(driver, SLOW_QUERY, timeout=0.5)
    assert info.value.extra["reason"] == "timeout"
    assert "0.5 s" in str(info.value)
    assert time.monotonic() - started < 5
