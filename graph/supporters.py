"""Supporter nodes: upserts, consent, and look-ups."""

from __future__ import annotations

from typing import Any, LiteralString

from neo4j import Driver

from graph.db.run import Row, batches, read, write, write_one
from outreach.core.errors import NotFound

UPSERT_SUPPORTERS: LiteralString = """
UNWIND $rows AS row
MERGE (s:Supporter {id: row.id})
ON CREATE SET s.created_at = datetime()
SET s += row.props
WITH s, row
WHERE row.voter_id IS NOT NULL
MATCH (v:Voter {voter_id: row.voter_id})
SET s.household_id = v.household_id
"""

RECORD_CONSENT: LiteralString = """
MERGE (s:Supporter {id: $id})
ON CREATE SET s.created_at = datetime(), s.partition = $partition
SET s.consent_version = $version, s.consented_at = datetime()
RETURN s.consent_version AS version, s.consented_at AS consented_at
"""

WITHDRAW_CONSENT: LiteralString = """
MATCH (s:Supporter {id: $id})
SET s.consent_version = null, s.consented_at = null
RETURN s.id AS id
"""

GET_SUPPORTER: LiteralString = """
MATCH (s:Supporter {id: $id})
RETURN s.id AS id, s.first_name AS first_name, s.state AS state,
       s.consent_version AS consent_version, s.consented_at AS consented_at,
       s.partition AS partition
"""

LIST_SUPPORTER_IDS: LiteralString = """
MATCH (s:Supporter)
WHERE $partition IS NULL OR s.partition = $partition
RETURN s.id AS id ORDER BY id
"""

SAMPLE_SUPPORTER: LiteralString = """
MATCH (s:Supporter)-[r:SHOULD_ASK]->(:Person)
WITH s, count(r) AS asks
RETURN s.id AS id, asks ORDER BY asks DESC, id LIMIT 1
"""


def upsert_supporters(driver: Driver, rows: list[dict[str, Any]], *, batch_size: int) -> int:
    """Create or update supporters; rows are ``{id, props}``."""
    for chunk in batches(rows, batch_size):
        write(driver, UPSERT_SUPPORTERS, rows=chunk)
    return len(rows)


def record_consent(driver: Driver, *, supporter_id: str, version: str, partition: int) -> Row:
    """Record that the supporter agreed to terms ``version`` now."""
    return write_one(driver, RECORD_CONSENT, id=supporter_id, version=version, partition=partition)


def withdraw_consent(driver: Driver, *, supporter_id: str) -> None:
    """Forget the supporter's consent; later uploads are refused until they agree again."""
    write(driver, WITHDRAW_CONSENT, id=supporter_id)


def get_supporter(driver: Driver, supporter_id: str) -> Row:
    """The supporter's public fields, or NotFound."""
    rows = read(driver, GET_SUPPORTER, id=supporter_id)
    if not rows:
        raise NotFound(f"no supporter with id {supporter_id!r}")
    return rows[0]


def consent_version(driver: Driver, supporter_id: str) -> str | None:
    """The terms version the supporter agreed to, or None."""
    rows = read(driver, GET_SUPPORTER, id=supporter_id)
    return rows[0]["consent_version"] if rows else None


def list_supporter_ids(driver: Driver, *, partition: int | None = None) -> list[str]:
    """Every supporter id, or those of one partition."""
    return [str(r["id"]) for r in read(driver, LIST_SUPPORTER_IDS, partition=partition)]


def sample_supporter(driver: Driver) -> str | None:
    """The supporter with the longest ranked list, for demos."""
    rows = read(driver, SAMPLE_SUPPORTER)
    return str(rows[0]["id"]) if rows else None


IN_PARTITIONS: LiteralString = """
MATCH (s:Supporter)
WHERE s.partition IN $partitions OR ($with_unassigned AND s.partition IS NULL)
RETURN s.id AS id ORDER BY id
"""


def supporters_in_partitions(
    driver: Driver, partitions: list[int], *, with_unassigned: bool = False
) -> list[str]:
    """The ids of the supporters in any of the given partitions (and, if asked, in none)."""
    rows = read(driver, IN_PARTITIONS, partitions=partitions, with_unassigned=with_unassigned)
    return [str(r["id"]) for r in rows]
