"""Cypher for message experiments: the experiment and its variants, and the asks made under it.

``(:Experiment)-[:HAS_VARIANT]->(:MessageVariant)``. At most one experiment is *current*
(status ``running`` or ``promoted``): starting one stops the one before. The variant a
pair was asked with is on the ``ASKED`` record (``experiment``, ``variant``), written with
the outcome (``graph.outcomes.record_outcome``).
"""

from __future__ import annotations

from typing import Any, LiteralString

from neo4j import Driver, ManagedTransaction

from graph.db.run import Row, read, read_values, write_one, write_tx

STOP_CURRENT: LiteralString = """
MATCH (e:Experiment)
WHERE e.status IN ['running', 'promoted']
SET e.status = 'stopped', e.stopped_at = datetime()
"""

CREATE_EXPERIMENT: LiteralString = """
CREATE (e:Experiment {id: $id, name: $name, share: $share, success: $success,
                      thompson: $thompson, status: 'running', author: $author,
                      allocation_ids: $allocation_ids, allocation_weights: $allocation_weights,
                      created_at: datetime()})
WITH e
UNWIND $variants AS row
CREATE (e)-[:HAS_VARIANT]->(:MessageVariant {id: row.id, experiment_id: $id, name: row.name,
        template: row.template, fallback: row.fallback, segments: row.segments})
"""

_EXPERIMENT_FIELDS: LiteralString = """
RETURN e.id AS id, e.name AS name, e.share AS share, e.success AS success,
       e.thompson AS thompson, e.status AS status, e.winner AS winner, e.author AS author,
       e.allocation_ids AS allocation_ids, e.allocation_weights AS allocation_weights,
       toString(e.created_at) AS created_at,
       [(e)-[:HAS_VARIANT]->(m:MessageVariant) | {id: m.id, name: m.name,
         template: m.template, fallback: m.fallback, segments: m.segments}] AS variants
"""

READ_EXPERIMENT: LiteralString = "MATCH (e:Experiment {id: $id})\n" + _EXPERIMENT_FIELDS

READ_CURRENT: LiteralString = (
    "MATCH (e:Experiment) WHERE e.status IN ['running', 'promoted']\n"
    + _EXPERIMENT_FIELDS
    + "ORDER BY created_at DESC LIMIT 1"
)

LIST_EXPERIMENTS: LiteralString = (
    "MATCH (e:Experiment)\n" + _EXPERIMENT_FIELDS + "ORDER BY created_at DESC LIMIT $limit"
)

SET_STATUS: LiteralString = """
MATCH (e:Experiment {id: $id})
SET e.status = $status, e.winner = $winner, e.stopped_at = CASE WHEN $status = 'stopped'
    THEN datetime() ELSE e.stopped_at END
RETURN e.id AS id
"""

SET_ALLOCATION: LiteralString = """
MATCH (e:Experiment {id: $id})
SET e.allocation_ids = $ids, e.allocation_weights = $weights, e.rebalanced_at = datetime()
RETURN e.id AS id
"""

ASKS_UNDER: LiteralString = """
MATCH (s:Supporter)-[a:ASKED]->(p:Person)
WHERE a.experiment = $id
WITH a.variant AS variant, s.id AS supporter_id, p.key AS key, collect(a.outcome) AS outcomes
RETURN variant, outcomes
"""

PAIR_VARIANT: LiteralString = """
MATCH (:Supporter {id: $supporter_id})-[:KNOWS {friend_id: $friend_id}]->(p:Person)
MATCH (:Supporter {id: $supporter_id})-[a:ASKED]->(p)
WHERE a.experiment = $id AND a.variant IS NOT NULL
RETURN a.variant AS variant
LIMIT 1
"""

FRIEND_FACTS: LiteralString = """
MATCH (:Supporter {id: $supporter_id})-[k:KNOWS]->(p:Person)
WHERE k.friend_id IN $friend_ids
OPTIONAL MATCH (p)-[:MATCHES]->(v:Voter)
RETURN k.friend_id AS friend_id, k.first_name AS first_name, v.state AS state,
       v.district AS district, v.party AS party
"""

SUPPORTER_NAME: LiteralString = """
MATCH (s:Supporter {id: $supporter_id})
RETURN s.first_name AS first_name
"""


def create_experiment(driver: Driver, experiment: dict[str, Any]) -> None:
    """Stop the current experiment and store this one with its variants, in one transaction."""

    def work(tx: ManagedTransaction) -> None:
        tx.run(STOP_CURRENT).consume()
        tx.run(CREATE_EXPERIMENT, experiment).consume()

    write_tx(driver, work)


def get_experiment(driver: Driver, experiment_id: str) -> Row | None:
    """One experiment with its variants, or None."""
    rows = read(driver, READ_EXPERIMENT, id=experiment_id)
    return rows[0] if rows else None


def current_experiment(driver: Driver) -> Row | None:
    """The running or promoted experiment, if any."""
    rows = read(driver, READ_CURRENT)
    return rows[0] if rows else None


def list_experiments(driver: Driver, *, limit: int = 50) -> list[Row]:
    """The latest experiments, newest first."""
    return read(driver, LIST_EXPERIMENTS, limit=limit)


def set_status(driver: Driver, experiment_id: str, *, status: str, winner: str | None) -> bool:
    """Set the experiment's status (and winner); False when there is no such experiment."""
    row = write_one(driver, SET_STATUS, id=experiment_id, status=status, winner=winner)
    return bool(row)


def set_allocation(driver: Driver, experiment_id: str, allocation: dict[str, float]) -> bool:
    """Store the variants' shares of the experiment's asks."""
    ids = sorted(allocation)
    row = write_one(
        driver, SET_ALLOCATION, id=experiment_id, ids=ids, weights=[allocation[i] for i in ids]
    )
    return bool(row)


def asks_under(driver: Driver, experiment_id: str) -> list[Row]:
    """Each (supporter, friend) pair asked under the experiment: its variant and outcomes."""
    return read_values(driver, ASKS_UNDER, id=experiment_id)


def pair_variant(
    driver: Driver, *, experiment_id: str, supporter_id: str, friend_id: str
) -> str | None:
    """The variant the supporter already asked this friend with, in this experiment."""
    rows = read_values(
        driver, PAIR_VARIANT, id=experiment_id, supporter_id=supporter_id, friend_id=friend_id
    )
    return str(rows[0]["variant"]) if rows else None


def friend_facts(driver: Driver, *, supporter_id: str, friend_ids: list[str]) -> dict[str, Row]:
    """What a message may use about each friend: first name and voter fields, by friend id."""
    rows = read_values(driver, FRIEND_FACTS, supporter_id=supporter_id, friend_ids=friend_ids)
    return {str(r["friend_id"]): r for r in rows}


def supporter_first_name(driver: Driver, supporter_id: str) -> str | None:
    """The supporter's first name from the roster, if it gave one."""
    rows = read_values(driver, SUPPORTER_NAME, supporter_id=supporter_id)
    return rows[0]["first_name"] if rows else None
