"""Cypher for the matcher: read scoreable (supporter, friend) pairs; write and serve rankings."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, LiteralString

from neo4j import Driver, ManagedTransaction

from graph.db.run import Row, batches, read, read_values, write, write_tx
from graph.voters import RECORD_STATES

READ_PAIRS: LiteralString = """
UNWIND $ids AS sid
MATCH (s:Supporter {id: sid})-[k:KNOWS]->(p:Person)-[m:MATCHES]->(v:Voter)
WHERE v.state IN $geos OR v.district IN $geos
RETURN s.id AS supporter_id, p.key AS friend_key, k.sources AS sources,
       k.favorite AS favorite, k.labels AS labels, k.closeness AS closeness,
       k.social AS social, m.probability AS match_p, v.state AS state,
       v.district AS district, v.turnout_score AS turnout_score,
       v.vote_history AS vote_history, v.support_score AS support_score,
       v.registration_status AS registration_status, v.household_id AS household_id,
       v.party AS party, v.birth_year AS birth_year,
       s.household_id AS supporter_household, p.do_not_contact AS do_not_contact,
       p.already_voted AS already_voted
"""

READ_UNMATCHED: LiteralString = """
UNWIND $ids AS sid
MATCH (s:Supporter {id: sid})-[k:KNOWS]->(p:Person)
WHERE k.state_hint IN $states
  AND NOT EXISTS { MATCH (p)-[:MATCHES]->(:Voter) }
  AND NOT EXISTS { MATCH (p)-[:CANDIDATE]->(:Voter) }
RETURN s.id AS supporter_id, p.key AS friend_key, k.sources AS sources,
       k.favorite AS favorite, k.labels AS labels, k.closeness AS closeness,
       k.social AS social, k.state_hint AS state, k.state_source AS state_source,
       p.do_not_contact AS do_not_contact,
       p.already_voted AS already_voted
"""

KEYS_ON_FILE: LiteralString = """
UNWIND $keys AS key
OPTIONAL MATCH (a:Voter {phone_hash: key})
OPTIONAL MATCH (b:Voter {email_hash: key})
WITH key, a, b WHERE a IS NOT NULL OR b IS NOT NULL
RETURN DISTINCT key
"""

LOADED_STATES: LiteralString = "MATCH (s:VoterState) RETURN s.code AS code"

STATES_OF_VOTERS: LiteralString = "MATCH (v:Voter) RETURN DISTINCT v.state AS state"

READ_RECIPROCAL: LiteralString = """
UNWIND $ids AS sid
MATCH (a:Supporter {id: sid})-[:KNOWS]->(p:Person)
MATCH (b:Supporter {person_key: p.key})-[:KNOWS]->(q:Person)
WHERE q.key = a.person_key
RETURN a.id AS supporter_id, p.key AS friend_key
"""

READ_COMPETITORS: LiteralString = """
UNWIND $ids AS sid
MATCH (s:Supporter {id: sid})-[:KNOWS]->(:Person)<-[:SHOULD_ASK]-(other:Supporter)
WHERE other.id <> s.id
RETURN DISTINCT other.id AS id
"""

READ_CO_KNOWERS: LiteralString = """
UNWIND $ids AS sid
MATCH (s:Supporter {id: sid})-[:KNOWS]->(:Person)<-[:KNOWS]-(other:Supporter)
WHERE other.id <> s.id
RETURN DISTINCT other.id AS id
"""

READ_INCUMBENTS: LiteralString = """
UNWIND $ids AS sid
MATCH (s:Supporter {id: sid})-[:SHOULD_ASK]->(p:Person)
RETURN s.id AS supporter_id, p.key AS friend_key
UNION
UNWIND $ids AS sid
MATCH (s:Supporter {id: sid})-[:ASKED]->(p:Person)
RETURN s.id AS supporter_id, p.key AS friend_key
"""

# Writing the supporter first takes its write lock (Neo4j) or makes a concurrent writer's
# commit conflict and retry (the local server): two re-ranks of the same supporter at once
# then replace each other's ranking instead of both adding theirs.
CLEAR_RANKINGS: LiteralString = """
UNWIND $ids AS sid
MATCH (s:Supporter {id: sid})
SET s.ranking_run = $run_id, s.ranked_at = $now
WITH s
OPTIONAL MATCH (s)-[r:SHOULD_ASK]->(:Person)
DELETE r
"""

WRITE_RANKINGS: LiteralString = """
UNWIND $rows AS row
MATCH (s:Supporter {id: row.supporter_id})
MATCH (p:Person {key: row.friend_key})
CREATE (s)-[:SHOULD_ASK {rank: row.rank, impact: row.impact, channel: row.channel,
        state: row.state, expected_votes: row.expected_votes,
        expected_mobilization: row.expected_mobilization,
        expected_persuasion: row.expected_persuasion,
        support_source: row.support_source, turnout_imputed: row.turnout_imputed,
        factors: row.factors, reasons: row.reasons, model_version: $model_version,
        run_id: $run_id, computed_at: datetime()}]->(p)
"""

MARK_HOLDOUT: LiteralString = """
UNWIND $keys AS key
MATCH (p:Person {key: key})
SET p.held_out = true, p.holdout_version = $model_version, p.holdout_fingerprint = $fingerprint
"""

MARK_POOL: LiteralString = """
UNWIND $keys AS key
MATCH (p:Person {key: key})
SET p.holdout_pool = true, p.holdout_version = $model_version, p.holdout_fingerprint = $fingerprint
"""

CLEAR_POOL: LiteralString = """
UNWIND $keys AS key
MATCH (p:Person {key: key})
WHERE p.holdout_pool = true
REMOVE p.holdout_pool
"""

CLEAR_HOLDOUT: LiteralString = """
UNWIND $keys AS key
MATCH (p:Person {key: key})
WHERE p.held_out = true
REMOVE p.held_out, p.holdout_version, p.holdout_fingerprint
"""

READ_TARGETS: LiteralString = """
MATCH (s:Supporter {id: $supporter_id})-[r:SHOULD_ASK]->(p:Person)
MATCH (s)-[k:KNOWS]->(p)
WHERE NOT EXISTS { MATCH (:DoNotContact {key: p.key}) }
RETURN r.rank AS rank, k.friend_id AS friend_id, k.display_name AS name,
       k.first_name AS first_name, r.reasons AS reasons, r.channel AS channel,
       r.model_version AS model_version, r.computed_at AS computed_at, r.state AS state
ORDER BY rank
SKIP $offset LIMIT $limit
"""

COUNT_TARGETS: LiteralString = """
MATCH (s:Supporter {id: $supporter_id})-[r:SHOULD_ASK]->(p:Person)
WHERE NOT EXISTS { MATCH (:DoNotContact {key: p.key}) }
RETURN count(r) AS n
"""


def read_pairs(
    driver: Driver, *, supporter_ids: list[str], geos: list[str], batch: int = 500
) -> list[Row]:
    """Every linked (supporter, friend) pair in the target geographies, with its features."""
    rows: list[Row] = []
    for chunk in batches(supporter_ids, batch):
        rows.extend(read_values(driver, READ_PAIRS, ids=chunk, geos=geos))
    return rows


def states_on_file(driver: Driver, *, states: list[str]) -> list[str]:
    """The states among ``states`` whose voter file is loaded (at least one voter).

    Read from the ``VoterState`` nodes the voter upserts keep; a graph loaded before they
    existed has none: its voters' states are read once, then recorded.
    """
    loaded = {str(r["code"]) for r in read(driver, LOADED_STATES)}
    if not loaded:
        loaded = {str(r["state"]) for r in read(driver, STATES_OF_VOTERS) if r["state"]}
        if loaded:
            write(driver, RECORD_STATES, states=sorted(loaded))
    return [st for st in states if st in loaded]


def read_unmatched(
    driver: Driver, *, supporter_ids: list[str], states: list[str], batch: int = 500
) -> list[Row]:
    """Friends the supporters placed in these states who match no voter and no candidate.

    A friend known by a phone or email that a voter on the file has (the linker did not
    link them: another name, a housemate) is on the rolls as far as anyone can tell, so
    not in the registration pool.
    """
    if not states:
        return []
    rows: list[Row] = []
    for chunk in batches(supporter_ids, batch):
        rows.extend(read_values(driver, READ_UNMATCHED, ids=chunk, states=states))
    keys = sorted({str(r["friend_key"]) for r in rows})
    on_file: set[str] = set()
    for chunk in batches(keys, 5000):
        on_file.update(str(r["key"]) for r in read_values(driver, KEYS_ON_FILE, keys=chunk))
    return [r for r in rows if r["friend_key"] not in on_file]


def read_reciprocal(
    driver: Driver, *, supporter_ids: list[str], batch: int = 500
) -> set[tuple[str, str]]:
    """(supporter, friend) pairs where the friend is a supporter whose upload holds the first."""
    found: set[tuple[str, str]] = set()
    for chunk in batches(supporter_ids, batch):
        for row in read(driver, READ_RECIPROCAL, ids=chunk):
            found.add((str(row["supporter_id"]), str(row["friend_key"])))
    return found


def read_competitors(driver: Driver, *, supporter_ids: list[str]) -> list[str]:
    """Supporters currently assigned at least one friend the given supporters know.

    They are the ones whose lists a change in those supporters' friends can move: a
    supporter who merely knows one of the same friends, without being assigned them,
    keeps their list whatever happens to that friend.
    """
    return sorted({str(r["id"]) for r in read(driver, READ_COMPETITORS, ids=supporter_ids)})


def read_co_knowers(driver: Driver, *, supporter_ids: list[str]) -> list[str]:
    """Supporters who know at least one of the same friends (a wider scope, for comparison)."""
    return sorted({str(r["id"]) for r in read(driver, READ_CO_KNOWERS, ids=supporter_ids)})


RANKED_SINCE: LiteralString = """
UNWIND $ids AS sid
MATCH (s:Supporter {id: sid})
WHERE coalesce(s.ranked_at, 0.0) > $since
RETURN s.id AS id
"""


def ranked_since(driver: Driver, *, supporter_ids: list[str], since: float) -> set[str]:
    """Those of these supporters whose list was written after ``since`` (seconds, epoch)."""
    found: set[str] = set()
    for chunk in batches(sorted(set(supporter_ids)), 5000):
        found.update(
            str(r["id"]) for r in read_values(driver, RANKED_SINCE, ids=chunk, since=since)
        )
    return found


def read_incumbents(driver: Driver, *, supporter_ids: list[str]) -> set[tuple[str, str]]:
    """(supporter, friend key) pairs on these supporters' lists now, or asked by them."""
    found: set[tuple[str, str]] = set()
    for chunk in batches(sorted(set(supporter_ids)), 2000):
        found.update(
            (str(r["supporter_id"]), str(r["friend_key"]))
            for r in read_values(driver, READ_INCUMBENTS, ids=chunk)
        )
    return found


def replace_rankings(
    driver: Driver,
    *,
    supporter_ids: list[str],
    rows: list[dict[str, Any]],
    model_version: int,
    run_id: str,
    batch: int = 500,
) -> int:
    """Atomically, per batch of supporters, swap their old ranking for the new one."""
    by_supporter: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_supporter.setdefault(row["supporter_id"], []).append(row)
    written = 0
    for chunk in batches(sorted(supporter_ids), batch):
        chunk_rows = [r for sid in chunk for r in by_supporter.get(sid, [])]

        def work(
            tx: ManagedTransaction,
            chunk: list[str] = chunk,
            chunk_rows: list[dict[str, Any]] = chunk_rows,
        ) -> None:
            tx.run(CLEAR_RANKINGS, ids=chunk, run_id=run_id, now=time.time()).consume()
            for part in batches(chunk_rows, 2000):
                tx.run(
                    WRITE_RANKINGS, rows=part, model_version=model_version, run_id=run_id
                ).consume()

        write_tx(driver, work)
        written += len(chunk_rows)
    return written


READ_HELD_FLAGS: LiteralString = """
MATCH (p:Person {held_out: true}) RETURN p.key AS key, p.holdout_version AS version
"""

READ_POOL_FLAGS: LiteralString = """
MATCH (p:Person {holdout_pool: true}) RETURN p.key AS key, p.holdout_version AS version
"""


READ_FLAGS_OF: LiteralString = """
UNWIND $keys AS key
MATCH (p:Person {key: key})
WHERE p.held_out = true OR p.holdout_pool = true
RETURN key, p.held_out = true AS held, p.holdout_pool = true AS pool,
       p.holdout_version AS version
"""


def holdout_flags(
    driver: Driver, keys: Sequence[str] | None = None
) -> tuple[dict[str, int | None], dict[str, int | None]]:
    """Friends flagged now (all, or among ``keys``): held out, and in the pool, with versions."""
    if keys is None:
        held = {str(r["key"]): r["version"] for r in read_values(driver, READ_HELD_FLAGS)}
        pool = {str(r["key"]): r["version"] for r in read_values(driver, READ_POOL_FLAGS)}
        return held, pool
    held, pool = {}, {}
    for chunk in batches(sorted(set(keys)), 5000):
        for r in read_values(driver, READ_FLAGS_OF, keys=chunk):
            if r["held"]:
                held[str(r["key"])] = r["version"]
            if r["pool"]:
                pool[str(r["key"])] = r["version"]
    return held, pool


def mark_holdout(
    driver: Driver,
    *,
    keys: list[str],
    cleared: Sequence[str] = (),
    pool: Sequence[str] = (),
    model_version: int,
    fingerprint: str = "",
    everywhere: bool = False,
) -> None:
    """Flag held-out friends (with the settings that drew them); unflag those no longer held.

    ``pool`` are the friends who would have been assigned, held out or not: the two arms
    an analyst compares on validated turnout. Friends in ``cleared`` that are not in
    ``keys`` (or not in ``pool``) lose the flag; with ``everywhere`` (a full re-rank),
    every flagged friend does. Only changes are written: a friend flagged already, by the
    same settings version, is left as it is.
    """
    if everywhere:
        held_now, pool_now = holdout_flags(driver)
        scope = set(held_now) | set(pool_now)
    else:
        held_now, pool_now = holdout_flags(driver, [*cleared, *keys, *pool])
        scope = set(cleared)
    writes: tuple[tuple[LiteralString, set[str]], ...] = (
        (CLEAR_HOLDOUT, (scope & set(held_now)) - set(keys)),
        (CLEAR_POOL, (scope & set(pool_now)) - set(pool)),
        (MARK_HOLDOUT, {k for k in keys if held_now.get(k, -1) != model_version}),
        (MARK_POOL, {k for k in pool if pool_now.get(k, -1) != model_version}),
    )
    for query, chosen in writes:
        for chunk in batches(sorted(chosen), 5000):

            def work(
                tx: ManagedTransaction, chunk: list[str] = chunk, query: LiteralString = query
            ) -> None:
                tx.run(
                    query, keys=chunk, model_version=model_version, fingerprint=fingerprint
                ).consume()

            write_tx(driver, work)


def read_targets(
    driver: Driver, *, supporter_id: str, offset: int, limit: int
) -> tuple[list[Row], int]:
    """One page of the supporter's ranked list, and the list's full length."""
    rows = read(driver, READ_TARGETS, supporter_id=supporter_id, offset=offset, limit=limit)
    total = int(read(driver, COUNT_TARGETS, supporter_id=supporter_id)[0]["n"])
    return rows, total


EXPECTED_GAIN: LiteralString = """
MATCH (:Supporter)-[r:SHOULD_ASK]->(:Person)
RETURN count(r) AS asks, sum(r.impact) AS weighted_value,
       sum(coalesce(r.expected_votes, 0.0)) AS expected_votes,
       collect(DISTINCT r.model_version) AS versions
"""

EXPECTED_GAIN_BY_STATE: LiteralString = """
MATCH (:Supporter)-[r:SHOULD_ASK]->(:Person)
RETURN r.state AS state, count(r) AS asks, sum(r.impact) AS weighted_value,
       sum(coalesce(r.expected_votes, 0.0)) AS expected_votes,
       sum(CASE WHEN r.support_source = 'prior' THEN 1 ELSE 0 END) AS support_from_prior,
       sum(CASE WHEN r.support_source = 'party' THEN 1 ELSE 0 END) AS support_from_party,
       sum(CASE WHEN r.turnout_imputed = true THEN 1 ELSE 0 END) AS turnout_imputed,
       sum(coalesce(r.expected_mobilization, 0.0)) AS expected_mobilization,
       sum(coalesce(r.expected_persuasion, 0.0)) AS expected_persuasion
ORDER BY state
"""


def expected_gain(driver: Driver) -> Row:
    """The number of asks assigned, their expected net votes and their weighted value."""
    row = read(driver, EXPECTED_GAIN)[0]
    row["expected_votes"] = float(row["expected_votes"] or 0.0)
    row["weighted_value"] = float(row["weighted_value"] or 0.0)
    return row


def expected_gain_by_state(driver: Driver) -> list[Row]:
    """Per state: asks assigned, expected net votes and weighted value, and their sources."""
    return read(driver, EXPECTED_GAIN_BY_STATE)


READ_TAKEN: LiteralString = """
UNWIND $keys AS key
MATCH (p:Person {key: key})
MATCH (p)<-[:SHOULD_ASK]-(o:Supporter)
WHERE NOT o.id IN $scope
RETURN key, count(o) AS askers
"""


def read_taken(driver: Driver, *, keys: list[str], scope: list[str]) -> dict[str, int]:
    """How many supporters outside ``scope`` are already assigned each friend."""
    taken: dict[str, int] = {}
    for chunk in batches(sorted(set(keys)), 2000):
        for row in read(driver, READ_TAKEN, keys=chunk, scope=scope):
            taken[str(row["key"])] = int(row["askers"])
    return taken


RANKINGS_OF: LiteralString = """
MATCH (s:Supporter)-[r:SHOULD_ASK]->(p:Person)
WHERE s.id IN $ids
RETURN s.id AS supporter, p.key AS friend, r.rank AS rank, r.model_version AS version
ORDER BY supporter, rank
"""

HELD_OUT_ASSIGNED: LiteralString = """
MATCH (:Supporter)-[r:SHOULD_ASK]->(p:Person)
WHERE p.held_out = true
RETURN count(r) AS n
"""

HELD_OUT_COUNT: LiteralString = "MATCH (p:Person) WHERE p.held_out = true RETURN count(p) AS n"


RANKING_DETAILS: LiteralString = """
MATCH (:Supporter {id: $supporter_id})-[r:SHOULD_ASK]->(p:Person)
RETURN r.rank AS rank, p.key AS friend, r.impact AS impact, r.expected_votes AS expected_votes,
       r.support_source AS support_source, r.turnout_imputed AS turnout_imputed,
       r.factors AS factors, r.state AS state
ORDER BY rank
"""


def ranking_details(driver: Driver, supporter_id: str) -> list[Row]:
    """One supporter's ranking with the model's figures (for analysts and tests, not the list)."""
    return read(driver, RANKING_DETAILS, supporter_id=supporter_id)


def rankings_of(driver: Driver, supporter_ids: list[str]) -> list[Row]:
    """The stored ranking rows of these supporters: supporter, friend key, rank, version."""
    return read(driver, RANKINGS_OF, ids=supporter_ids)


def held_out_summary(driver: Driver) -> tuple[int, int]:
    """How many friends are held out, and how many asks were (wrongly) given to them."""
    held = int(read(driver, HELD_OUT_COUNT)[0]["n"])
    assigned = int(read(driver, HELD_OUT_ASSIGNED)[0]["n"])
    return held, assigned
