"""Voter-file nodes: batched upserts and candidate look-ups for linkage."""

from __future__ import annotations

from typing import Any, LiteralString

from neo4j import Driver

from graph.run import Row, batches, read, write

UPSERT_VOTERS: LiteralString = """
UNWIND $rows AS row
MERGE (v:Voter {voter_id: row.voter_id})
SET v += row.props
"""

COUNT_VOTERS: LiteralString = "MATCH (v:Voter) RETURN count(v) AS n"

_VOTER_FIELDS: LiteralString = """
v.voter_id AS voter_id, v.first_name AS first_name, v.middle_name AS middle_name,
v.last_name AS last_name, v.suffix AS suffix, v.birth_year AS birth_year,
v.city AS city, v.zip AS zip, v.state AS state, v.district AS district,
v.phone_hash AS phone_hash, v.email_hash AS email_hash, v.household_id AS household_id,
v.name_key AS name_key
"""

BY_PHONE: LiteralString = (
    "UNWIND $keys AS key MATCH (v:Voter {phone_hash: key}) RETURN " + _VOTER_FIELDS
)
BY_EMAIL: LiteralString = (
    "UNWIND $keys AS key MATCH (v:Voter {email_hash: key}) RETURN " + _VOTER_FIELDS
)
BY_NAME: LiteralString = (
    "UNWIND $keys AS key MATCH (v:Voter {name_key: key}) RETURN " + _VOTER_FIELDS
)
# Surname within a state is a wide block (common names return hundreds of voters), so it
# is narrowed by the canonical first initial: keys are "last|STATE|initial".
BY_LAST_STATE: LiteralString = (
    "UNWIND $keys AS key "
    "WITH split(key, '|') AS parts "
    "MATCH (v:Voter {last_key: parts[0] + '|' + parts[1]}) "
    "WHERE v.name_key STARTS WITH parts[2] "
    "RETURN " + _VOTER_FIELDS
)
BY_ID: LiteralString = "UNWIND $keys AS key MATCH (v:Voter {voter_id: key}) RETURN " + _VOTER_FIELDS

LOOKUPS: dict[str, LiteralString] = {
    "phone": BY_PHONE,
    "email": BY_EMAIL,
    "name": BY_NAME,
    "last_state": BY_LAST_STATE,
    "voter_id": BY_ID,
}


def upsert_voters(driver: Driver, rows: list[dict[str, Any]], *, batch_size: int) -> int:
    """Create or update voters by ``voter_id``; rows are ``{voter_id, props}``."""
    for chunk in batches(rows, batch_size):
        write(driver, UPSERT_VOTERS, rows=chunk)
    return len(rows)


def count_voters(driver: Driver) -> int:
    """How many voters the graph holds."""
    return int(read(driver, COUNT_VOTERS)[0]["n"])


def find_candidates(
    driver: Driver, *, by: str, keys: list[str], batch_size: int = 5000
) -> list[Row]:
    """Voters whose key ``by`` (phone, email, name, last_state, voter_id) is in ``keys``."""
    query = LOOKUPS[by]
    found: list[Row] = []
    for chunk in batches(sorted(set(keys)), batch_size):
        found.extend(read(driver, query, keys=chunk))
    return found
