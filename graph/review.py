"""Doubtful voter matches kept for review, and a supporter's confirm or reject."""

from __future__ import annotations

from typing import LiteralString

from neo4j import Driver, ManagedTransaction

from graph.db.run import Row, read, write_tx
from outreach.core.errors import NotFound

PENDING: LiteralString = """
MATCH (s:Supporter {id: $supporter_id})-[k:KNOWS]->(p:Person)
      -[c:CANDIDATE {supporter_id: $supporter_id}]->(v:Voter)
WHERE c.status = 'open'
RETURN k.friend_id AS friend_id, k.display_name AS name, v.voter_id AS candidate_id,
       v.first_name AS first_name, v.last_name AS last_name, v.city AS city,
       v.state AS state, v.birth_year AS birth_year, c.probability AS probability
ORDER BY friend_id, probability DESC
SKIP $offset LIMIT $limit
"""

DECIDE: LiteralString = """
MATCH (s:Supporter {id: $supporter_id})-[:KNOWS {friend_id: $friend_id}]->(p:Person)
      -[c:CANDIDATE {supporter_id: $supporter_id}]->(v:Voter {voter_id: $voter_id})
SET c.status = $status, c.decided_at = datetime()
RETURN p.key AS key
"""

CONFIRM: LiteralString = """
MATCH (p:Person {key: $key})
MATCH (v:Voter {voter_id: $voter_id})
MERGE (p)-[m:MATCHES]->(v)
SET m.probability = 1.0, m.method = 'confirmed'
"""

REJECT: LiteralString = """
MATCH (p:Person {key: $key})-[m:MATCHES]->(v:Voter {voter_id: $voter_id})
WHERE m.method <> 'confirmed'
DELETE m
"""


def pending_matches(driver: Driver, *, supporter_id: str, offset: int, limit: int) -> list[Row]:
    """Suggested voter records for the supporter's friends that await their review."""
    return read(driver, PENDING, supporter_id=supporter_id, offset=offset, limit=limit)


def decide_match(
    driver: Driver, *, supporter_id: str, friend_id: str, voter_id: str, confirm: bool
) -> None:
    """Confirm (link, probability 1) or reject a suggested match; deciding twice is harmless."""

    def work(tx: ManagedTransaction) -> None:
        record = tx.run(
            DECIDE,
            supporter_id=supporter_id,
            friend_id=friend_id,
            voter_id=voter_id,
            status="confirmed" if confirm else "rejected",
        ).single()
        if record is None:
            raise NotFound("no such suggested match among your friends")
        tx.run(CONFIRM if confirm else REJECT, key=record["key"], voter_id=voter_id).consume()

    write_tx(driver, work)
