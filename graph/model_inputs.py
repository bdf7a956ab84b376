"""Cypher for what the impact model has to go on: which friends have scores, parties, history.

The organizer's page shows how much of the ranking rests on the support prior and on
imputed turnout; these queries count it, per state, over friends matched to a voter in
the target geographies. The holdout's arms are counted and listed here too: the friends
who would have been assigned (``holdout_pool``), held out or not, which an analyst
compares on validated turnout after the election.
"""

from __future__ import annotations

from typing import LiteralString

from neo4j import Driver

from graph.db.run import Row, read

_COUNTED: LiteralString = """
WITH v.state AS state, v.support_score IS NOT NULL AS scored, v.party AS party,
     v.turnout_score IS NOT NULL OR size(coalesce(v.vote_history, [])) > 0 AS turnout_known,
     p
RETURN state, scored, party, turnout_known, count(DISTINCT p) AS friends
"""

MODEL_INPUTS: LiteralString = (
    """
MATCH (p:Person)-[:MATCHES]->(v:Voter)
WHERE (v.state IN $geos OR v.district IN $geos)
  AND EXISTS { MATCH (:Supporter)-[:KNOWS]->(p) }
"""
    + _COUNTED
)

# One supporter's friends (what their upload brought): from the supporter, not the graph.
MODEL_INPUTS_OF: LiteralString = (
    """
MATCH (:Supporter {id: $supporter_id})-[:KNOWS]->(p:Person)-[:MATCHES]->(v:Voter)
WHERE v.state IN $geos OR v.district IN $geos
"""
    + _COUNTED
)

HOLDOUT_ARMS: LiteralString = """
MATCH (p:Person)
WHERE p.holdout_pool = true
OPTIONAL MATCH (p)-[:MATCHES]->(v:Voter)
WITH CASE WHEN p.held_out = true THEN 'held_out' ELSE 'treated' END AS arm,
     p.key AS key, v.household_id AS household
RETURN arm, count(DISTINCT key) AS friends,
       count(DISTINCT coalesce('household:' + household, key)) AS units
"""

ARM_PAGE: LiteralString = """
MATCH (p:Person)
WHERE p.holdout_pool = true AND coalesce(p.held_out, false) = $held
RETURN p.key AS key, p.holdout_version AS holdout_version
ORDER BY key SKIP $offset LIMIT $limit
"""


def model_inputs(driver: Driver, *, geos: list[str], supporter_id: str | None = None) -> list[Row]:
    """Friends known to supporters (or one) in the geographies: by state, score, party, history."""
    if supporter_id is None:
        return read(driver, MODEL_INPUTS, geos=geos)
    return read(driver, MODEL_INPUTS_OF, geos=geos, supporter_id=supporter_id)


def holdout_arms(driver: Driver) -> dict[str, Row]:
    """The two arms of the friends who would have been assigned: friends and units in each."""
    return {str(r["arm"]): r for r in read(driver, HOLDOUT_ARMS)}


def arm_keys(driver: Driver, *, held_out: bool, offset: int, limit: int) -> list[Row]:
    """One page of the keys of one arm (held out, or treated), with the version that drew it."""
    return read(driver, ARM_PAGE, held=held_out, offset=offset, limit=limit)
