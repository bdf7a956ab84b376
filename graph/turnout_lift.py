"""Cypher for lift from validated turnout: the holdout pool's friends and whether they voted.

A friend of the pool (``holdout_pool``, both arms) counts once, through the voter it is
matched to: its state, household, arm, whether a supporter asked it (a ``wrong_person``
answer is no ask: the voter was not reached), and whether the election is among the
voter's ``voted_elections`` (set by a vote-history load). A state whose history does not
hold the election yet has no validated turnout, and is reported apart.
"""

from __future__ import annotations

from typing import LiteralString

from neo4j import Driver

from graph.db.run import Row, read_values

POOL_TURNOUT: LiteralString = """
MATCH (p:Person)-[:MATCHES]->(v:Voter)
WHERE p.holdout_pool = true
  AND ($geos IS NULL OR v.state IN $geos OR v.district IN $geos)
RETURN p.key AS key, v.state AS state, v.household_id AS household,
       p.held_out = true AS held_out,
       EXISTS {
         MATCH (:Supporter)-[a:ASKED]->(p) WHERE a.outcome <> 'wrong_person'
       } AS asked,
       $election IN coalesce(v.voted_elections, []) AS voted
"""

STATES_WITH_ELECTION: LiteralString = """
UNWIND $states AS state
WITH state
WHERE EXISTS { MATCH (v:Voter) WHERE v.state = state AND $election IN v.voted_elections }
RETURN state
"""


def pool_turnout(driver: Driver, *, election: str, geos: list[str] | None) -> list[Row]:
    """Each friend of the holdout pool (in ``geos``, or all): arm, asked, voted in ``election``."""
    return read_values(driver, POOL_TURNOUT, election=election, geos=geos)


def states_with_history(driver: Driver, *, election: str, states: list[str]) -> set[str]:
    """The states among ``states`` where some voter is recorded as voting in ``election``."""
    rows = read_values(driver, STATES_WITH_ELECTION, election=election, states=states)
    return {str(r["state"]) for r in rows}
