"""Cypher for what the impact model has to go on: which friends have scores, parties, history.

The organizer's page shows how much of the ranking rests on the support prior and on
imputed turnout; these queries count it, per state, over friends matched to a voter in
the target geographies. The holdout's arms are counted here too, for its power.
"""

from __future__ import annotations

from typing import LiteralString

from neo4j import Driver

from graph.db.run import Row, read

MODEL_INPUTS: LiteralString = """
MATCH (p:Person)-[:MATCHES]->(v:Voter)
WHERE (v.state IN $geos OR v.district IN $geos)
  AND ($supporter_id IS NULL AND EXISTS { MATCH (:Supporter)-[:KNOWS]->(p) }
       OR EXISTS { MATCH (:Supporter {id: $supporter_id})-[:KNOWS]->(p) })
WITH v.state AS state, v.support_score IS NOT NULL AS scored, v.party AS party,
     v.turnout_score IS NOT NULL OR size(coalesce(v.vote_history, [])) > 0 AS turnout_known,
     p
RETURN state, scored, party, turnout_known, count(DISTINCT p) AS friends
"""

HOLDOUT_ARMS: LiteralString = """
MATCH (p:Person)
WHERE p.held_out = true OR EXISTS { MATCH (:Supporter)-[:SHOULD_ASK]->(p) }
OPTIONAL MATCH (p)-[:MATCHES]->(v:Voter)
WITH CASE WHEN p.held_out = true THEN 'held_out' ELSE 'treated' END AS arm,
     p.key AS key, v.household_id AS household
RETURN arm, count(DISTINCT key) AS friends,
       count(DISTINCT coalesce('household:' + household, key)) AS units
"""


def model_inputs(driver: Driver, *, geos: list[str], supporter_id: str | None = None) -> list[Row]:
    """Friends known to supporters (or one) in the geographies: by state, score, party, history."""
    return read(driver, MODEL_INPUTS, geos=geos, supporter_id=supporter_id)


def holdout_arms(driver: Driver) -> dict[str, Row]:
    """Held-out and assigned friends, and the randomization units they fall in."""
    return {str(r["arm"]): r for r in read(driver, HOLDOUT_ARMS)}
