"""Outcomes of asks, and the do-not-contact list that opt-outs and refusals feed."""

from __future__ import annotations

from typing import Literal, LiteralString, get_args

from neo4j import Driver, ManagedTransaction

from graph.db.run import Row, read, write_tx
from outreach.core.errors import NotFound

Outcome = Literal[
    "asked",
    "will_vote",
    "registered",
    "already_voted",
    "not_interested",
    "wrong_person",
    "do_not_contact",
]
OUTCOMES: tuple[str, ...] = get_args(Outcome)

RECORD_OUTCOME: LiteralString = """
MATCH (s:Supporter {id: $supporter_id})-[k:KNOWS {friend_id: $friend_id}]->(p:Person)
CREATE (s)-[a:ASKED {id: $outcome_id, channel: $channel, outcome: $outcome, at: datetime(),
                     experiment: $experiment, variant: $variant}]->(p)
SET p.already_voted = CASE WHEN $outcome = 'already_voted' THEN true ELSE p.already_voted END
RETURN p.key AS key, a.id AS id
"""

OUTCOME_EXISTS: LiteralString = """
MATCH (:Supporter {id: $supporter_id})-[a:ASKED {id: $outcome_id}]->(:Person)
RETURN a.id AS id
"""

BLOCK_PERSON: LiteralString = """
MERGE (d:DoNotContact {key: $key})
ON CREATE SET d.created_at = datetime(), d.source = $source
WITH d
OPTIONAL MATCH (p:Person {key: $key})
SET p.do_not_contact = true
WITH p
OPTIONAL MATCH (:Supporter)-[r:SHOULD_ASK]->(p)
DELETE r
"""

WRONG_PERSON: LiteralString = """
MATCH (s:Supporter {id: $supporter_id})-[:KNOWS {friend_id: $friend_id}]->(p:Person)
OPTIONAL MATCH (s)-[r:SHOULD_ASK]->(p)
DELETE r
"""

FRIEND_KEY: LiteralString = """
MATCH (:Supporter {id: $supporter_id})-[:KNOWS {friend_id: $friend_id}]->(p:Person)
RETURN p.key AS key
"""

OPTED_OUT: LiteralString = """
MATCH (:Supporter {id: $supporter_id})-[:KNOWS {friend_id: $friend_id}]->(p:Person)
RETURN EXISTS { MATCH (:DoNotContact {key: p.key}) } AS opted_out
"""

# The other keys the same friend can arrive under: the phone and email hashes of the
# voter they are linked to, and the supporters' sealed copies of their phones and emails
# (opened by the use case, which holds the key).
FRIEND_REACH: LiteralString = """
MATCH (p:Person {key: $key})
OPTIONAL MATCH (p)-[:MATCHES]->(v:Voter)
WITH p, collect(v.phone_hash) + collect(v.email_hash) AS voter_keys
OPTIONAL MATCH (p)<-[k:KNOWS]-(:Supporter)
RETURN voter_keys, collect(k.contact) AS sealed
"""

BLOCKED_KEYS: LiteralString = """
UNWIND $keys AS key
MATCH (d:DoNotContact {key: key})
RETURN key
"""

KEY_OPTED_OUT: LiteralString = """
RETURN EXISTS { MATCH (:DoNotContact {key: $key}) } AS opted_out
"""

COUNT_OUTCOMES: LiteralString = """
MATCH (:Supporter {id: $supporter_id})-[a:ASKED]->(:Person)
RETURN count(a) AS n
"""


def record_outcome(
    driver: Driver,
    *,
    supporter_id: str,
    friend_id: str,
    channel: str,
    outcome: str,
    outcome_id: str,
    experiment: str | None = None,
    variant: str | None = None,
) -> Row:
    """Record what happened when a supporter asked a friend; ``outcome_id`` makes retries safe.

    ``experiment`` and ``variant`` name the message experiment the ask was part of, if any.
    """

    def work(tx: ManagedTransaction) -> Row:
        params = {"supporter_id": supporter_id, "outcome_id": outcome_id}
        if tx.run(OUTCOME_EXISTS, params).single() is not None:
            return {"id": outcome_id, "duplicate": True}
        record = tx.run(
            RECORD_OUTCOME,
            {
                **params,
                "friend_id": friend_id,
                "channel": channel,
                "outcome": outcome,
                "experiment": experiment,
                "variant": variant,
            },
        ).single()
        if record is None:
            raise NotFound(f"you have no friend with id {friend_id!r}")
        if outcome == "do_not_contact":
            tx.run(BLOCK_PERSON, key=record["key"], source="supporter").consume()
        elif outcome == "wrong_person":
            tx.run(WRONG_PERSON, supporter_id=supporter_id, friend_id=friend_id).consume()
        return {"id": outcome_id, "duplicate": False, "key": record["key"]}

    return write_tx(driver, work)


def opt_out(
    driver: Driver, *, supporter_id: str, friend_id: str, friend_key: str | None = None
) -> str | None:
    """Put the friend on the do-not-contact list, at once; give their key, None if unnamed.

    The friend is found through the supporter's friend id, or, when that list is gone,
    by ``friend_key`` (the keyed hash an opt-out link carries).
    """
    rows = read(driver, FRIEND_KEY, supporter_id=supporter_id, friend_id=friend_id)
    if not rows and not friend_key:
        return None
    key = str(rows[0]["key"]) if rows else str(friend_key)
    block_keys(driver, keys=[key], source="opt-out")
    return key


def block_keys(driver: Driver, *, keys: list[str], source: str) -> None:
    """Put every key on the do-not-contact list and take whoever holds one off every list."""

    def work(tx: ManagedTransaction) -> None:
        for key in keys:  # a friend has a handful of keys at most
            tx.run(BLOCK_PERSON, key=key, source=source).consume()

    if keys:
        write_tx(driver, work)


def friend_reach(driver: Driver, *, key: str) -> tuple[list[str], list[str]]:
    """The hashed keys of the voter the friend is linked to, and the sealed contact copies."""
    rows = read(driver, FRIEND_REACH, key=key)
    if not rows:
        return [], []
    voter_keys = [str(k) for k in rows[0]["voter_keys"] or [] if k]
    sealed = [str(c) for c in rows[0]["sealed"] or [] if c]
    return voter_keys, sealed


def blocked_keys(driver: Driver, keys: list[str]) -> set[str]:
    """Those of ``keys`` on the do-not-contact list."""
    if not keys:
        return set()
    return {str(r["key"]) for r in read(driver, BLOCKED_KEYS, keys=keys)}


def opted_out(
    driver: Driver, *, supporter_id: str, friend_id: str, friend_key: str | None = None
) -> bool | None:
    """Whether the friend opted out; None if they cannot be named (see :func:`opt_out`)."""
    rows = read(driver, OPTED_OUT, supporter_id=supporter_id, friend_id=friend_id)
    if rows:
        return bool(rows[0]["opted_out"])
    if friend_key:
        return bool(read(driver, KEY_OPTED_OUT, key=friend_key)[0]["opted_out"])
    return None


def count_outcomes(driver: Driver, supporter_id: str) -> int:
    """How many outcomes a supporter has recorded."""
    return int(read(driver, COUNT_OUTCOMES, supporter_id=supporter_id)[0]["n"])
