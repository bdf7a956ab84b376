"""The few places where the local Bolt server (ArcadeDB) and Neo4j differ.

Everything else in ``graph/`` is portable openCypher. What differs:

* Creating a database: Neo4j needs ``CREATE DATABASE`` on the system database
  (Enterprise) or uses the default ``neo4j``; the local server makes the database
  itself when it starts (see ``graph/local_server.py``).
* Concurrent ``MERGE`` of one unique key: Neo4j locks and merges; the local server
  uses optimistic concurrency and fails the later transaction with a constraint
  error. ``graph.run.write_tx`` retries such clashes, and every write is idempotent.
* Read transactions: Neo4j refuses writes in them; the local server commits them.
  Analyst queries are therefore checked by ``graph/cypher_guard.py`` first, run in an
  explicit read transaction, and always rolled back.
* Time-outs for read-only analyst queries: Neo4j honours the driver's transaction
  ``timeout``; the local server ignores it, so the API also bounds the wall time.
"""

from __future__ import annotations

from outreach.settings import Settings


def is_local(settings: Settings) -> bool:
    """True when the graph is the local ArcadeDB Bolt server."""
    return settings.uses_local_graph
