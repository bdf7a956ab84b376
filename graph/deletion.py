"""Deleting a supporter's data for real: uploads, edges, and friends nobody else knows."""

from __future__ import annotations

from typing import LiteralString

from neo4j import Driver, ManagedTransaction

from graph.db.run import read, write_tx

COUNT_LINKS: LiteralString = """
MATCH (:Supporter {id: $id})-[k:KNOWS]->(:Person)
RETURN count(k) AS n
"""

COUNT_UPLOADS: LiteralString = """
MATCH (:Supporter {id: $id})-[:UPLOADED]->(u:Upload)
RETURN count(u) AS n
"""

COUNT_ORPHANS: LiteralString = """
MATCH (s:Supporter {id: $id})-[:KNOWS]->(p:Person)
WHERE NOT EXISTS { MATCH (p)<-[:KNOWS]-(other:Supporter) WHERE other.id <> $id }
RETURN count(p) AS n
"""

EXISTS: LiteralString = "MATCH (s:Supporter {id: $id}) RETURN count(s) AS n"

DELETE_ORPHANS: LiteralString = """
MATCH (s:Supporter {id: $id})-[:KNOWS]->(p:Person)
WHERE NOT EXISTS { MATCH (p)<-[:KNOWS]-(other:Supporter) WHERE other.id <> $id }
DETACH DELETE p
"""

DELETE_CANDIDATES: LiteralString = """
MATCH (:Person)-[c:CANDIDATE {supporter_id: $id}]->(:Voter)
DELETE c
"""

DELETE_UPLOADS: LiteralString = """
MATCH (s:Supporter {id: $id})-[:UPLOADED]->(u:Upload)
DETACH DELETE u
"""

DELETE_JOBS: LiteralString = """
MATCH (j:Job {owner: $id})
DELETE j
"""

# A supporter's account goes with their data; a staff member's stays (it is not theirs to
# delete through this route).
DELETE_ACCOUNT: LiteralString = """
MATCH (u:User {id: $id})
WHERE u.role = 'supporter'
DETACH DELETE u
"""

DELETE_SUPPORTER: LiteralString = """
MATCH (s:Supporter {id: $id})
DETACH DELETE s
"""

UPLOAD_IDS: LiteralString = """
MATCH (:Supporter {id: $id})-[:UPLOADED]->(u:Upload)
RETURN u.id AS id
"""


def upload_ids(driver: Driver, supporter_id: str) -> list[str]:
    """The ids of a supporter's uploads (their stored files are removed with them)."""
    return [str(r["id"]) for r in read(driver, UPLOAD_IDS, id=supporter_id)]


def delete_supporter(driver: Driver, *, supporter_id: str) -> dict[str, int]:
    """Remove the supporter, their uploads, edges, candidates, jobs, account and orphaned friends.

    An opt-out survives: it lives on its own ``DoNotContact`` node, keyed like the friend.
    """

    def work(tx: ManagedTransaction) -> dict[str, int]:
        def count(query: LiteralString) -> int:
            record = tx.run(query, id=supporter_id).single()
            return int(record["n"]) if record else 0

        counts = {
            "supporters": count(EXISTS),
            "uploads": count(COUNT_UPLOADS),
            "friend_links": count(COUNT_LINKS),
            "friends_deleted": count(COUNT_ORPHANS),
        }
        for query in (
            DELETE_ORPHANS,
            DELETE_CANDIDATES,
            DELETE_UPLOADS,
            DELETE_JOBS,
            DELETE_ACCOUNT,
            DELETE_SUPPORTER,
        ):
            tx.run(query, id=supporter_id).consume()
        return counts

    return write_tx(driver, work)
