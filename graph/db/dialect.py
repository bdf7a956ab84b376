"""The few places where the local Bolt server (ArcadeDB) and Neo4j differ.

Everything else in ``graph/`` is portable openCypher. What differs:

* Creating a database: Neo4j needs ``CREATE DATABASE`` on the system database
  (Enterprise) or uses the default ``neo4j``; the local server makes the database
  itself when it starts (see ``graph/local_server.py``).
* Concurrent ``MERGE`` of one unique key: Neo4j locks and merges; the local server
  uses optimistic concurrency and fails the later transaction with a constraint
  error. ``graph.db.run.write_tx`` retries such clashes, and every write is idempotent.
* Read transactions: Neo4j refuses writes in them; the local server commits them.
  Analyst queries are therefore checked by ``graph/cypher_guard.py`` first, run in an
  explicit read transaction, and always rolled back.
* Time-outs for read-only analyst queries: Neo4j honours the driver's transaction
  ``timeout`` (the Bolt ``tx_timeout``); the local server ignores it (its Bolt plugin
  reads no ``tx_timeout``, and a cartesian product ran on at full CPU for minutes after
  the client gave up; closing the connection does not stop it either). Both servers
  know ``SHOW TRANSACTIONS`` and ``TERMINATE TRANSACTIONS``, and on the local server a
  terminated query stops at once; ``graph/analyst_query.py`` stops a timed-out query
  that way. (The local server's own ``arcadedb.command.timeout`` is one value for every
  query of the server, so it cannot carry each analyst's limit.)
* Queries at once: the local server runs at most ``arcadedb.queryMaxConcurrent``
  requests (twice the cores, at least 4) and queues the rest for up to 30 s, then fails
  them. Analysts' own driver (``OUTREACH_ANALYST_POOL_SIZE``, 2) stays below that, so
  their queries can never hold every slot while supporters' lists wait.
* Checking a relationship in ``MERGE`` or ``MATCH`` (EDGE_CHECKS_FROM_FIRST_NODE):
  Neo4j looks from whichever end has fewer edges; the local server walks the edges of
  the pattern's first node. ``MERGE (s)-[:KNOWS]->(p)`` from a supporter with 4,000
  contacts made a 4,000-contact upload take 19 s; ``MERGE (p)<-[:KNOWS]-(s)``, the same
  pattern written from the friend's end, takes 0.7 s. Write patterns from the end with
  fewer edges; both servers then do the same work.
* A server going down (CONNECTION_LOST): Neo4j closes connections, and the driver
  raises ``ServiceUnavailable`` or ``SessionExpired``. The local server, while it shuts
  down, answers queries in flight with ``Neo.ClientError.Security.Unauthorized`` ("the
  credentials of this connection are no longer valid"), then the next ``BEGIN`` on that
  connection with ``Neo.ClientError.Request.Invalid`` ("... not expected in state:
  AUTHENTICATION"). Both mean "the server went away", not a bad query or a bad password
  (which the driver reports when it connects): ``graph.db.run`` reports them as
  unavailability, which jobs retry.
"""

from __future__ import annotations

from outreach.core.settings import Settings

CONNECTION_LOST: tuple[tuple[str, str], ...] = (
    ("Neo.ClientError.Security.Unauthorized", "no longer valid"),
    ("Neo.ClientError.Request.Invalid", "not expected in state"),
)


def connection_lost(code: str | None, message: str | None) -> bool:
    """True for a client error that means the server closed the connection (see above)."""
    return any(code == c and m in (message or "") for c, m in CONNECTION_LOST)


def is_local(settings: Settings) -> bool:
    """True when the graph is the local ArcadeDB Bolt server."""
    return settings.uses_local_graph
