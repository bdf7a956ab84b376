"""Cypher for coverage over time: friends in the target geographies asked, by state and day.

A friend counts on the day of their first recorded ask, in the state of the voter they
are matched to; their answers count on the day each was recorded (a friend who said "will
vote" twice counts once that day).
"""

from __future__ import annotations

from typing import LiteralString

from neo4j import Driver

from graph.db.run import Row, read_values

FIRST_ASKS: LiteralString = """
MATCH (:Supporter)-[a:ASKED]->(p:Person)-[:MATCHES]->(v:Voter)
WHERE v.state IN $geos OR v.district IN $geos
WITH v.state AS state, p, min(substring(toString(a.at), 0, 10)) AS day
RETURN state, day, count(p) AS asked
"""

ANSWERS: LiteralString = """
MATCH (:Supporter)-[a:ASKED]->(p:Person)-[:MATCHES]->(v:Voter)
WHERE (v.state IN $geos OR v.district IN $geos) AND a.outcome <> 'asked'
WITH v.state AS state, substring(toString(a.at), 0, 10) AS day, a.outcome AS outcome, p
RETURN state, day, outcome, count(DISTINCT p) AS friends
"""


def first_asks(driver: Driver, *, geos: list[str]) -> list[Row]:
    """Friends first asked, by state and day."""
    return read_values(driver, FIRST_ASKS, geos=geos)


def answers(driver: Driver, *, geos: list[str]) -> list[Row]:
    """Friends who gave each answer, by state, day and answer."""
    return read_values(driver, ANSWERS, geos=geos)
