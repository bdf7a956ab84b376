"""A supporter's upload in the graph: Upload nodes, friend (Person) nodes, KNOWS and MATCHES.

Privacy: a shared ``Person`` node holds only its keyed-hash ``key``. What a supporter
uploaded about a friend (the name as they wrote it, the channels, labels) lives on
*their* ``KNOWS`` edge, so it is only ever shown back to them and vanishes with it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, LiteralString

from neo4j import Driver, ManagedTransaction

from graph.db.run import Row, batches, read, write, write_tx

RECORD_UPLOAD: LiteralString = """
MATCH (s:Supporter {id: $supporter_id})
MERGE (u:Upload {id: $upload_id})
ON CREATE SET u.created_at = datetime()
SET u.supporter_id = $supporter_id, u.filename = $filename, u.format = $format,
    u.sha256 = $sha256, u.consent_version = $consent_version, u.status = $status
MERGE (s)-[:UPLOADED]->(u)
"""

# Relationship patterns start at the friend, who has a few edges, not at the supporter,
# who has one per contact: see ``graph/dialect.py`` (EDGE_CHECKS_FROM_FIRST_NODE).
WRITE_KNOWS: LiteralString = """
UNWIND $rows AS row
MATCH (s:Supporter {id: $supporter_id})
WITH s, row
WHERE NOT EXISTS { MATCH (:DoNotContact {key: row.key}) }
MERGE (p:Person {key: row.key})
ON CREATE SET p.created_at = datetime()
MERGE (p)<-[k:KNOWS]-(s)
ON CREATE SET k.first_seen = datetime(), k.closeness = row.closeness
SET k.friend_id = row.friend_id, k.display_name = row.display_name,
    k.first_name = row.first_name, k.sources = row.sources, k.favorite = row.favorite,
    k.labels = row.labels, k.social = row.social, k.upload_id = $upload_id,
    k.consent_upload_id = $upload_id, k.state_hint = row.state_hint,
    k.state_source = row.state_source, k.contact = row.contact
"""

WRITE_MATCHES: LiteralString = """
UNWIND $rows AS row
MATCH (p:Person {key: row.key})
MATCH (v:Voter {voter_id: row.voter_id})
MERGE (p)-[m:MATCHES]->(v)
SET m.probability = row.probability, m.method = row.method
"""

WRITE_CANDIDATES: LiteralString = """
UNWIND $rows AS row
MATCH (p:Person {key: row.key})<-[k:KNOWS]-(s:Supporter {id: $supporter_id})
MATCH (v:Voter {voter_id: row.voter_id})
MERGE (p)-[c:CANDIDATE {supporter_id: $supporter_id}]->(v)
SET c.probability = row.probability, c.method = row.method, c.status = coalesce(c.status, 'open')
"""

COUNT_KNOWS: LiteralString = """
MATCH (s:Supporter {id: $supporter_id})-[k:KNOWS]->(p:Person)
OPTIONAL MATCH (p)-[m:MATCHES]->(:Voter)
RETURN count(DISTINCT p) AS friends, count(m) AS matched
"""

GRAPH_COUNTS: LiteralString = """
CALL { MATCH (n:Person) RETURN count(n) AS persons }
CALL { MATCH ()-[k:KNOWS]->() RETURN count(k) AS knows }
CALL { MATCH ()-[m:MATCHES]->() RETURN count(m) AS matches }
CALL { MATCH (v:Voter) RETURN count(v) AS voters }
CALL { MATCH (s:Supporter) RETURN count(s) AS supporters }
RETURN persons, knows, matches, voters, supporters
"""


def record_upload(driver: Driver, *, supporter_id: str, upload_id: str, **fields: Any) -> None:
    """Create or update the Upload node and link it to its supporter."""
    params = {
        "filename": None,
        "format": None,
        "sha256": None,
        "consent_version": None,
        "status": "received",
    }
    params.update(fields)
    write(driver, RECORD_UPLOAD, supporter_id=supporter_id, upload_id=upload_id, **params)


def write_friends(
    driver: Driver,
    *,
    supporter_id: str,
    upload_id: str,
    knows: list[dict[str, Any]],
    matches: list[dict[str, Any]],
    candidates: list[dict[str, Any]],
    batch_size: int,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Merge friends, KNOWS edges, voter links and review candidates, batch by batch."""
    by_key_matches: dict[str, list[dict[str, Any]]] = {}
    for row in matches:
        by_key_matches.setdefault(row["key"], []).append(row)
    by_key_candidates: dict[str, list[dict[str, Any]]] = {}
    for row in candidates:
        by_key_candidates.setdefault(row["key"], []).append(row)

    written = 0
    for chunk in batches(knows, batch_size):
        keys = [row["key"] for row in chunk]
        chunk_matches = [m for k in keys for m in by_key_matches.get(k, [])]
        chunk_candidates = [c for k in keys for c in by_key_candidates.get(k, [])]

        def work(
            tx: ManagedTransaction,
            chunk: list[dict[str, Any]] = chunk,
            chunk_matches: list[dict[str, Any]] = chunk_matches,
            chunk_candidates: list[dict[str, Any]] = chunk_candidates,
        ) -> None:
            params: dict[str, Any] = {"supporter_id": supporter_id, "upload_id": upload_id}
            tx.run(WRITE_KNOWS, {"rows": chunk, **params}).consume()
            if chunk_matches:
                tx.run(WRITE_MATCHES, rows=chunk_matches).consume()
            if chunk_candidates:
                tx.run(WRITE_CANDIDATES, {"rows": chunk_candidates, **params}).consume()

        write_tx(driver, work)
        written += len(chunk)
        if progress:
            progress(written)
    return written


def supporter_counts(driver: Driver, supporter_id: str) -> Row:
    """How many friends the supporter has in the graph, and how many are linked to voters."""
    return read(driver, COUNT_KNOWS, supporter_id=supporter_id)[0]


def graph_counts(driver: Driver) -> Row:
    """Node and edge counts of the whole graph (for idempotency checks and reports)."""
    return read(driver, GRAPH_COUNTS)[0]


UPLOAD_FILENAME: LiteralString = "MATCH (u:Upload {id: $id}) RETURN u.filename AS filename"


def upload_filename(driver: Driver, upload_id: str) -> str | None:
    """The file name an upload arrived with (it guides format detection)."""
    rows = read(driver, UPLOAD_FILENAME, id=upload_id)
    return rows[0]["filename"] if rows else None


SNAPSHOT_FRIENDS: LiteralString = """
MATCH (s:Supporter {id: $supporter_id})-[k:KNOWS]->(p:Person)
OPTIONAL MATCH (p)-[m:MATCHES]->(v:Voter)
OPTIONAL MATCH (p)-[c:CANDIDATE {supporter_id: $supporter_id}]->(cv:Voter)
WITH p, k, m, v, collect(DISTINCT cv.voter_id) AS candidates
RETURN p.key AS key, k.display_name AS name, k.sources AS sources, k.labels AS labels,
       k.favorite AS favorite, count(k) AS edges, collect(DISTINCT v.voter_id) AS voters,
       collect(DISTINCT m.probability) AS probabilities, candidates
ORDER BY key
"""


def snapshot_friends(driver: Driver, supporter_id: str) -> list[Row]:
    """Everything a supporter's uploads put in the graph, in a comparable form."""
    rows = read(driver, SNAPSHOT_FRIENDS, supporter_id=supporter_id)
    for row in rows:
        for key in ("voters", "probabilities", "candidates", "sources", "labels"):
            row[key] = sorted(row[key] or [])
    return rows
