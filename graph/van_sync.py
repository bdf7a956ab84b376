"""NGP VAN sync state: one record per outcome pushed (pending, sent, failed with a reason).

A record's id is the outcome's id, so an outcome is queued for VAN once however often a
push runs (``MERGE``). A record being sent carries ``sending_since``: one still there when
the next push starts was cut off mid-request, and VAN may have it. The organizer's VAN
mapping is kept as an ``IntegrationConfig`` node, and a pull records its export job.
"""

from __future__ import annotations

from typing import Any, LiteralString

from neo4j import Driver

from graph.db.run import Row, batches, read, write, write_one

# Outcomes not yet queued, with what decides whether they may go: the friend's best match
# (probability and VAN id, one row per match) and whether they are on do-not-contact.
UNSYNCED_OUTCOMES: LiteralString = """
MATCH (:Supporter)-[a:ASKED]->(p:Person)
WHERE NOT EXISTS { MATCH (:VanSync {id: a.id}) }
OPTIONAL MATCH (p)-[m:MATCHES]->(v:Voter)
RETURN a.id AS id, a.outcome AS outcome, a.channel AS channel, a.at AS at, p.key AS person_key,
       EXISTS { MATCH (:DoNotContact {key: p.key}) } AS opted_out,
       m.probability AS probability, v.van_id AS van_id
"""

ADD_PENDING: LiteralString = """
UNWIND $rows AS row
MERGE (r:VanSync {id: row.id})
ON CREATE SET r.kind = 'push', r.person_key = row.person_key, r.van_id = row.van_id,
              r.outcome = row.outcome, r.body = row.body, r.status = 'pending',
              r.attempts = 0, r.created_at = $now, r.updated_at = $now
"""

PENDING: LiteralString = """
MATCH (r:VanSync {kind: 'push'})
WHERE r.status = 'pending'
RETURN r.id AS id, r.van_id AS van_id, r.body AS body, r.sending_since AS sending_since,
       EXISTS { MATCH (:DoNotContact {key: r.person_key}) } AS opted_out
ORDER BY r.created_at, r.id
"""

MARK_SENDING: LiteralString = """
MATCH (r:VanSync {id: $id})
WHERE r.status = 'pending'
SET r.sending_since = $now, r.attempts = r.attempts + 1, r.updated_at = $now
RETURN r.id AS id
"""

MARK: LiteralString = """
MATCH (r:VanSync {id: $id})
SET r.status = $status, r.reason = $reason, r.sending_since = null, r.updated_at = $now,
    r.sent_at = CASE WHEN $status = 'sent' THEN $now ELSE r.sent_at END
"""

UNSENT: LiteralString = """
MATCH (r:VanSync {id: $id})
SET r.sending_since = null, r.reason = $reason, r.updated_at = $now
"""

RETRY_FAILED: LiteralString = """
MATCH (r:VanSync {kind: 'push'})
WHERE r.status = 'failed'
SET r.status = 'pending', r.reason = null, r.sending_since = null, r.updated_at = $now
RETURN count(r) AS n
"""

COUNTS: LiteralString = """
MATCH (r:VanSync {kind: 'push'})
RETURN r.status AS status, count(r) AS n
"""

RECORDS: LiteralString = """
MATCH (r:VanSync {kind: 'push'})
WHERE $status IS NULL OR r.status = $status
RETURN r.id AS id, r.status AS status, r.reason AS reason, r.outcome AS outcome,
       r.attempts AS attempts, r.updated_at AS updated_at, r.sent_at AS sent_at
ORDER BY r.updated_at DESC, r.id
SKIP $offset LIMIT $limit
"""

GET_CONFIG: LiteralString = """
MATCH (c:IntegrationConfig {name: $name})
RETURN c.body AS body, c.version AS version, c.author AS author, c.updated_at AS updated_at
"""

SAVE_CONFIG: LiteralString = """
MERGE (c:IntegrationConfig {name: $name})
SET c.body = $body, c.author = $author, c.updated_at = $now,
    c.version = coalesce(c.version, 0) + 1
RETURN c.version AS version
"""

PULL_STATE: LiteralString = """
MATCH (r:VanSync {id: $id})
RETURN r.export_job_id AS export_job_id, r.status AS status
"""

SAVE_PULL: LiteralString = """
MERGE (r:VanSync {id: $id})
ON CREATE SET r.kind = 'pull', r.created_at = $now, r.saved_list_id = $saved_list_id
SET r.export_job_id = $export_job_id, r.status = $status, r.reason = $reason,
    r.updated_at = $now
"""

SET_VAN_IDS: LiteralString = """
UNWIND $rows AS row
MATCH (v:Voter {voter_id: row.voter_id})
SET v.van_id = row.van_id
"""


def unsynced_outcomes(driver: Driver) -> list[Row]:
    """Outcomes with no sync record yet, one row per match of the friend."""
    return read(driver, UNSYNCED_OUTCOMES)


def add_pending(driver: Driver, rows: list[dict[str, Any]], *, now: float, batch_size: int) -> None:
    """Queue outcomes for VAN: ``{id, person_key, van_id, outcome, body}``; ids kept once."""
    for chunk in batches(rows, batch_size):
        write(driver, ADD_PENDING, rows=chunk, now=now)


def pending(driver: Driver) -> list[Row]:
    """Records still to send, oldest first, with whether the friend has opted out since."""
    return read(driver, PENDING)


def mark_sending(driver: Driver, record_id: str, *, now: float) -> bool:
    """Note that the record is being sent now; False if it is no longer pending."""
    return bool(write_one(driver, MARK_SENDING, id=record_id, now=now))


def mark(driver: Driver, record_id: str, *, status: str, reason: str | None, now: float) -> None:
    """Set a record's state: ``sent``, ``failed`` (with the reason) or ``pending``."""
    write(driver, MARK, id=record_id, status=status, reason=reason, now=now)


def unsent(driver: Driver, record_id: str, *, reason: str, now: float) -> None:
    """The request certainly did not reach VAN: still pending, with why."""
    write(driver, UNSENT, id=record_id, reason=reason, now=now)


def retry_failed(driver: Driver, *, now: float) -> int:
    """Put every failed record back to pending; how many."""
    return int(write_one(driver, RETRY_FAILED, now=now).get("n", 0))


def counts(driver: Driver) -> dict[str, int]:
    """Records per state."""
    found = {str(r["status"]): int(r["n"]) for r in read(driver, COUNTS)}
    return {state: found.get(state, 0) for state in ("pending", "sent", "failed")}


def records(driver: Driver, *, status: str | None, offset: int, limit: int) -> list[Row]:
    """Records, latest change first, optionally of one state."""
    return read(driver, RECORDS, status=status, offset=offset, limit=limit)


def get_config(driver: Driver, name: str) -> Row | None:
    """A stored integration setting (its JSON body and version), or None."""
    rows = read(driver, GET_CONFIG, name=name)
    return rows[0] if rows else None


def save_config(driver: Driver, name: str, *, body: str, author: str, now: float) -> int:
    """Store an integration setting; its new version."""
    return int(
        write_one(driver, SAVE_CONFIG, name=name, body=body, author=author, now=now)["version"]
    )


def pull_state(driver: Driver, pull_id: str) -> Row | None:
    """What a pull recorded so far (its export job), or None."""
    rows = read(driver, PULL_STATE, id=pull_id)
    return rows[0] if rows else None


def save_pull(
    driver: Driver, pull_id: str, *, saved_list_id: int, export_job_id: int | None,
    status: str, reason: str | None, now: float,
) -> None:  # fmt: skip
    """Record a pull's export job and state."""
    write(
        driver, SAVE_PULL, id=pull_id, saved_list_id=saved_list_id, export_job_id=export_job_id,
        status=status, reason=reason, now=now,
    )  # fmt: skip


def set_van_ids(driver: Driver, rows: list[dict[str, str]], *, batch_size: int) -> None:
    """Give voters their VAN id: ``{voter_id, van_id}``."""
    for chunk in batches(rows, batch_size):
        write(driver, SET_VAN_IDS, rows=chunk)
