"""Webhooks organizers registered, and each delivery's state: pending, sent or failed.

A delivery's id is derived from the webhook, the event and what it is about, so the
same event written twice is one delivery (``MERGE``). A worker claims a pending delivery
for a while before sending it, so two deliveries of one task do not both send.
"""

from __future__ import annotations

from typing import Any, LiteralString

from neo4j import Driver

from graph.db.run import Row, batches, read, write, write_one
from outreach.core.errors import NotFound

CREATE_WEBHOOK: LiteralString = """
CREATE (w:Webhook {id: $id, url: $url, events: $events, secret: $secret, active: true,
                   failures: 0, created_at: $now, created_by: $author})
RETURN w.id AS id
"""

_FIELDS: LiteralString = """
w.id AS id, w.url AS url, w.events AS events, w.active AS active, w.failures AS failures,
w.disabled_reason AS disabled_reason, w.disabled_at AS disabled_at,
w.created_at AS created_at, w.created_by AS created_by, w.last_success_at AS last_success_at,
w.last_error AS last_error
"""

LIST_WEBHOOKS: LiteralString = "MATCH (w:Webhook) RETURN " + _FIELDS + " ORDER BY w.created_at"

GET_WEBHOOK: LiteralString = "MATCH (w:Webhook {id: $id}) RETURN " + _FIELDS

SUBSCRIBED: LiteralString = """
MATCH (w:Webhook) WHERE w.active = true AND $event IN w.events
RETURN w.id AS id
"""

FAIL_PENDING: LiteralString = """
MATCH (d:WebhookDelivery {webhook_id: $id})
WHERE d.status = 'pending'
SET d.status = 'failed', d.last_error = $reason
"""

DELETE_WEBHOOK: LiteralString = """
MATCH (w:Webhook {id: $id})
DETACH DELETE w
"""

ENABLE_WEBHOOK: LiteralString = """
MATCH (w:Webhook {id: $id})
SET w.active = true, w.failures = 0, w.disabled_reason = null, w.disabled_at = null
RETURN w.id AS id
"""

ADD_DELIVERIES: LiteralString = """
UNWIND $rows AS row
MERGE (d:WebhookDelivery {id: row.id})
ON CREATE SET d.webhook_id = row.webhook_id, d.event = row.event, d.body = row.body,
              d.status = 'pending', d.attempts = 0, d.created_at = $now,
              d.next_attempt_at = $now
RETURN d.id AS id, d.status AS status
"""

CLAIM: LiteralString = """
MATCH (d:WebhookDelivery {id: $id})
WHERE d.status = 'pending' AND (d.claimed_until IS NULL OR d.claimed_until < $now)
SET d.claimed_until = $until
WITH d
MATCH (w:Webhook {id: d.webhook_id})
RETURN d.id AS id, d.event AS event, d.body AS body, d.attempts AS attempts,
       w.id AS webhook_id, w.url AS url, w.secret AS secret, w.active AS active,
       w.failures AS failures
"""

DELIVERY: LiteralString = """
MATCH (d:WebhookDelivery {id: $id})
RETURN d.id AS id, d.webhook_id AS webhook_id, d.event AS event, d.body AS body,
       d.status AS status, d.attempts AS attempts, d.last_error AS last_error,
       d.next_attempt_at AS next_attempt_at
"""

SENT: LiteralString = """
MATCH (d:WebhookDelivery {id: $id}), (w:Webhook {id: d.webhook_id})
SET d.status = 'sent', d.attempts = d.attempts + 1, d.sent_at = $now, d.claimed_until = null,
    d.last_error = null, w.failures = 0, w.last_success_at = $now
"""

# One failed try: the delivery waits for its next try (or has failed for good), and the
# webhook's count of failures in a row grows; at ``disable_after`` it is disabled.
FAILED_TRY: LiteralString = """
MATCH (d:WebhookDelivery {id: $id}), (w:Webhook {id: d.webhook_id})
SET d.attempts = d.attempts + 1, d.last_error = $reason, d.claimed_until = null,
    d.next_attempt_at = $next_attempt_at,
    d.status = CASE WHEN $final THEN 'failed' ELSE 'pending' END,
    w.failures = coalesce(w.failures, 0) + 1, w.last_error = $reason
WITH d, w
SET w.active = CASE WHEN w.failures >= $disable_after THEN false ELSE w.active END,
    w.disabled_at = CASE WHEN w.failures >= $disable_after AND w.disabled_at IS NULL
                         THEN $now ELSE w.disabled_at END,
    w.disabled_reason = CASE WHEN w.failures >= $disable_after AND w.disabled_reason IS NULL
                             THEN $disabled_reason ELSE w.disabled_reason END
RETURN w.active AS active, w.failures AS failures, d.status AS status
"""

GIVE_UP: LiteralString = """
MATCH (d:WebhookDelivery {id: $id})
SET d.status = 'failed', d.last_error = $reason, d.claimed_until = null
"""

DUE: LiteralString = """
MATCH (d:WebhookDelivery)
WHERE d.status = 'pending' AND d.next_attempt_at <= $now
  AND (d.claimed_until IS NULL OR d.claimed_until < $now)
RETURN d.id AS id
ORDER BY d.next_attempt_at
LIMIT $limit
"""

RECENT: LiteralString = """
MATCH (d:WebhookDelivery {webhook_id: $webhook_id})
RETURN d.id AS id, d.event AS event, d.status AS status, d.attempts AS attempts,
       d.last_error AS last_error, d.created_at AS created_at, d.sent_at AS sent_at
ORDER BY d.created_at DESC
LIMIT $limit
"""


def create_webhook(
    driver: Driver, *, webhook_id: str, url: str, events: list[str], secret: str, author: str,
    now: float,
) -> str:  # fmt: skip
    """Store a webhook (``secret`` already sealed); return its id."""
    row = write_one(
        driver, CREATE_WEBHOOK, id=webhook_id, url=url, events=events, secret=secret,
        now=now, author=author,
    )  # fmt: skip
    return str(row["id"])


def list_webhooks(driver: Driver) -> list[Row]:
    """Every webhook, oldest first, without its secret."""
    return read(driver, LIST_WEBHOOKS)


def get_webhook(driver: Driver, webhook_id: str) -> Row:
    """One webhook, without its secret."""
    rows = read(driver, GET_WEBHOOK, id=webhook_id)
    if not rows:
        raise NotFound(f"no webhook with id {webhook_id!r}")
    return rows[0]


def delete_webhook(driver: Driver, webhook_id: str) -> None:
    """Remove a webhook; its pending deliveries fail."""
    get_webhook(driver, webhook_id)
    write(driver, FAIL_PENDING, id=webhook_id, reason="the webhook was deleted")
    write(driver, DELETE_WEBHOOK, id=webhook_id)


def enable_webhook(driver: Driver, webhook_id: str) -> None:
    """Turn a webhook back on, its failures forgotten."""
    get_webhook(driver, webhook_id)
    write(driver, ENABLE_WEBHOOK, id=webhook_id)


def subscribed(driver: Driver, event: str) -> list[str]:
    """The active webhooks that receive ``event``."""
    return [str(r["id"]) for r in read(driver, SUBSCRIBED, event=event)]


def add_deliveries(
    driver: Driver, rows: list[dict[str, Any]], *, now: float, batch_size: int = 500
) -> None:
    """Write deliveries ``{id, webhook_id, event, body}``; an id already there is kept."""
    for chunk in batches(rows, batch_size):
        write(driver, ADD_DELIVERIES, rows=chunk, now=now)


def claim(driver: Driver, delivery_id: str, *, now: float, until: float) -> Row | None:
    """The pending delivery and its webhook, claimed until ``until``; None if not to send."""
    row = write_one(driver, CLAIM, id=delivery_id, now=now, until=until)
    return row or None


def get_delivery(driver: Driver, delivery_id: str) -> Row:
    """One delivery's state."""
    rows = read(driver, DELIVERY, id=delivery_id)
    if not rows:
        raise NotFound(f"no webhook delivery with id {delivery_id!r}")
    return rows[0]


def mark_sent(driver: Driver, delivery_id: str, *, now: float) -> None:
    """The delivery was accepted; the webhook's failures in a row go back to 0."""
    write(driver, SENT, id=delivery_id, now=now)


def mark_failed_try(
    driver: Driver, delivery_id: str, *, reason: str, final: bool, next_attempt_at: float,
    disable_after: int, disabled_reason: str, now: float,
) -> Row:  # fmt: skip
    """Record a failed try; the webhook is disabled at ``disable_after`` failures in a row."""
    return write_one(
        driver, FAILED_TRY, id=delivery_id, reason=reason, final=final,
        next_attempt_at=next_attempt_at, disable_after=disable_after,
        disabled_reason=disabled_reason, now=now,
    )  # fmt: skip


def give_up(driver: Driver, delivery_id: str, reason: str) -> None:
    """Fail a delivery without trying (its webhook is disabled or gone)."""
    write(driver, GIVE_UP, id=delivery_id, reason=reason)


def due_deliveries(driver: Driver, *, now: float, limit: int = 500) -> list[str]:
    """Pending deliveries whose next try is due and nobody holds."""
    return [str(r["id"]) for r in read(driver, DUE, now=now, limit=limit)]


def recent_deliveries(driver: Driver, webhook_id: str, *, limit: int = 20) -> list[Row]:
    """A webhook's latest deliveries, newest first."""
    return read(driver, RECENT, webhook_id=webhook_id, limit=limit)
