"""Webhooks: organizers register URLs for events; each event is delivered signed, retried.

Events: ``outcome.recorded``, ``friend.opted_out``, ``job.finished`` and
``rerank.finished``. An event becomes one delivery per subscribed webhook, written to
the graph first (an outbox) and then sent to the queue; a delivery the queue lost is
picked up by the housekeeping sweep. A delivery's id is derived from the webhook, the
event and its subject, so an event noticed twice is delivered once, and the receiver
gets that id as ``Outreach-Webhook-Id`` on every retry (its idempotency key).

A failed try is retried ``webhook_retry_seconds * 2**(tries - 1)`` later, up to
``webhook_max_attempts`` tries. After ``webhook_disable_after`` failed tries in a row,
whatever the delivery, the webhook is disabled and the reason kept for the organizer
(API and organizer page); enabling it again starts the count afresh.

Payloads name ids, never people: a supporter's id, their own id for a friend, an
outcome, a job's id and counts.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol, get_args

from neo4j import Driver

from graph import webhooks as store
from graph.jobs import get_job
from outreach.core.errors import InvalidInput, RowError
from outreach.core.sealing import seal, unseal
from outreach.core.settings import Settings
from outreach.core.tokens import read_opt_out_token
from outreach.integrations import urls
from outreach.integrations.signing import new_secret
from outreach.integrations.webhooks import Sent, post

log = logging.getLogger(__name__)

Event = Literal["outcome.recorded", "friend.opted_out", "job.finished", "rerank.finished"]
EVENTS: tuple[str, ...] = get_args(Event)
CLAIM_MARGIN_SECONDS = 30.0


class Outbox(Protocol):
    """What the use cases ask of the queue to send a delivery (``workers/queue.py``)."""

    def deliver_webhook(self, delivery_id: str, *, countdown: float = 0.0) -> None:
        """Send one delivery, after ``countdown`` seconds."""


@dataclass(frozen=True)
class Registered:
    """A new webhook and its signing secret (shown once)."""

    webhook: dict[str, Any]
    secret: str


def _now() -> float:
    return time.time()


def _view(row: dict[str, Any]) -> dict[str, Any]:
    """A webhook as organizers see it: times as ISO 8601."""
    out = dict(row)
    for key in ("created_at", "disabled_at", "last_success_at"):
        if isinstance(out.get(key), int | float):
            out[key] = datetime.fromtimestamp(out[key], UTC).isoformat(timespec="seconds")
    out["events"] = list(out.get("events") or [])
    out["active"] = bool(out.get("active"))
    out["failures"] = int(out.get("failures") or 0)
    return out


def check_events(events: list[str]) -> list[str]:
    """The events, known and each once; else a clear error naming the bad one."""
    unknown = [e for e in events if e not in EVENTS]
    if unknown or not events:
        reason = (
            f"unknown event {unknown[0]!r}" if unknown else "name at least one event"
        ) + f"; events are {', '.join(EVENTS)}"
        raise InvalidInput("the webhook's events are not valid", [RowError(None, "events", reason)])
    return list(dict.fromkeys(events))


def register(
    driver: Driver, settings: Settings, *, url: str, events: list[str], author: str
) -> Registered:
    """Check the URL (no private addresses unless allowed) and events; store; give the secret."""
    checked = urls.check_url(url.strip(), allow_private=settings.webhook_allow_private_urls)
    wanted = check_events(events)
    secret = new_secret()
    webhook_id = f"wh-{uuid.uuid4().hex[:16]}"
    store.create_webhook(
        driver,
        webhook_id=webhook_id,
        url=checked,
        events=wanted,
        secret=seal(settings, {"secret": secret}),
        author=author,
        now=_now(),
    )
    return Registered(webhook=_view(store.get_webhook(driver, webhook_id)), secret=secret)


def listing(driver: Driver) -> list[dict[str, Any]]:
    """Every webhook with its state, and why it was disabled if it was."""
    return [_view(r) for r in store.list_webhooks(driver)]


def detail(driver: Driver, webhook_id: str) -> dict[str, Any]:
    """One webhook and its latest deliveries."""
    hook = _view(store.get_webhook(driver, webhook_id))
    hook["deliveries"] = store.recent_deliveries(driver, webhook_id)
    return hook


def remove(driver: Driver, webhook_id: str) -> None:
    """Delete a webhook; nothing more is sent to it."""
    store.delete_webhook(driver, webhook_id)


def enable(driver: Driver, webhook_id: str) -> dict[str, Any]:
    """Turn a disabled webhook back on."""
    store.enable_webhook(driver, webhook_id)
    return _view(store.get_webhook(driver, webhook_id))


def delivery_id(webhook_id: str, event: str, subject: str) -> str:
    """The delivery's id: the same webhook, event and subject always give the same one."""
    digest = hashlib.sha256(f"{webhook_id}\x1f{event}\x1f{subject}".encode()).hexdigest()
    return f"whd-{digest[:32]}"


def notify(
    driver: Driver, outbox: Outbox | None, event: Event, *, subject: str, data: dict[str, Any]
) -> list[str]:
    """Write one delivery per webhook subscribed to ``event``, then send them; their ids.

    Never raises for the queue: a delivery it did not take is sent by the sweep.
    """
    hooks = store.subscribed(driver, event)
    if not hooks:
        return []
    now = _now()
    created = datetime.fromtimestamp(now, UTC).isoformat(timespec="seconds")
    rows = []
    for hook in hooks:
        ident = delivery_id(hook, event, subject)
        body = {"id": ident, "type": event, "created_at": created, "data": data}
        rows.append(
            {
                "id": ident,
                "webhook_id": hook,
                "event": event,
                "body": json.dumps(body, separators=(",", ":"), sort_keys=True),
            }
        )
    store.add_deliveries(driver, rows, now=now)
    ids = [r["id"] for r in rows]
    if outbox is not None:
        for ident in ids:
            try:
                outbox.deliver_webhook(ident)
            except Exception as exc:  # the sweep sends it later
                log.warning("webhook delivery %s not queued: %s", ident, exc.__class__.__name__)
    return ids


def notify_quietly(
    driver: Driver, outbox: Outbox | None, event: Event, *, subject: str, data: dict[str, Any]
) -> None:
    """:func:`notify`, for callers whose own work must not fail because of webhooks."""
    try:
        notify(driver, outbox, event, subject=subject, data=data)
    except Exception as exc:
        log.error("webhooks for %s not written: %s", event, exc.__class__.__name__)


@dataclass(frozen=True)
class Attempt:
    """What one delivery task did: ``sent``, ``retry`` (in ``retry_in`` s), ``failed``, ``skip``."""

    outcome: Literal["sent", "retry", "failed", "skip"]
    reason: str = ""
    retry_in: float = 0.0


def deliver(driver: Driver, settings: Settings, delivery_id: str) -> Attempt:
    """Try one delivery once: sign, POST, record the result; say whether to retry and when."""
    now = _now()
    claimed = store.claim(
        driver,
        delivery_id,
        now=now,
        until=now + settings.webhook_timeout_seconds + CLAIM_MARGIN_SECONDS,
    )
    if claimed is None:
        return Attempt("skip", "already sent, failed, or being sent")
    if not claimed["active"]:
        store.give_up(driver, delivery_id, "the webhook is disabled")
        return Attempt("failed", "the webhook is disabled")
    secret = str(unseal(settings, claimed["secret"]).get("secret") or "")
    if not secret:
        store.give_up(driver, delivery_id, "the webhook's secret cannot be read")
        return Attempt("failed", "the webhook's secret cannot be read")
    try:
        urls.check_url(claimed["url"], allow_private=settings.webhook_allow_private_urls)
        with urls.guarded_session(allow_private=settings.webhook_allow_private_urls) as session:
            sent = post(
                claimed["url"],
                secret=secret,
                delivery_id=delivery_id,
                event=claimed["event"],
                body=str(claimed["body"]).encode(),
                timeout=settings.webhook_timeout_seconds,
                session=session,
            )
    except InvalidInput as refused:
        sent = Sent(False, None, refused.detail)
    if sent.ok:
        store.mark_sent(driver, delivery_id, now=_now())
        return Attempt("sent", sent.reason)
    tries = int(claimed["attempts"] or 0) + 1
    final = tries >= settings.webhook_max_attempts
    wait = settings.webhook_retry_seconds * 2 ** (tries - 1)
    failures = int(claimed["failures"] or 0) + 1
    state = store.mark_failed_try(
        driver,
        delivery_id,
        reason=sent.reason,
        final=final,
        next_attempt_at=_now() + wait,
        disable_after=settings.webhook_disable_after,
        disabled_reason=f"disabled after {failures} failed deliveries in a row; "
        f"the last: {sent.reason}",
        now=_now(),
    )
    if not state.get("active", True):
        store.give_up(driver, delivery_id, f"{sent.reason}; the webhook is now disabled")
        return Attempt("failed", f"{sent.reason}; webhook disabled")
    if final:
        return Attempt("failed", f"{sent.reason}; gave up after {tries} tries")
    return Attempt("retry", sent.reason, retry_in=wait)


def sweep(driver: Driver, outbox: Outbox, *, limit: int = 500) -> int:
    """Send every pending delivery whose try is due (ones the queue lost); how many."""
    due = store.due_deliveries(driver, now=_now(), limit=limit)
    for ident in due:
        outbox.deliver_webhook(ident)
    return len(due)


def delivery(driver: Driver, delivery_id: str) -> dict[str, Any]:
    """One delivery's state (status, tries, last error)."""
    return store.get_delivery(driver, delivery_id)


def job_finished(driver: Driver, outbox: Outbox | None, job_id: str) -> None:
    """``job.finished`` for any job that ended, and ``rerank.finished`` for a re-rank."""
    try:
        job = get_job(driver, job_id)
    except Exception as exc:
        log.error("job %s not announced: %s", job_id, exc.__class__.__name__)
        return
    data = {"job_id": job.id, "kind": job.kind, "status": job.status, "counts": job.counts}
    notify_quietly(driver, outbox, "job.finished", subject=job_id, data=data)
    if job.kind == "rank":
        notify_quietly(driver, outbox, "rerank.finished", subject=job_id, data=data)


def outcome_recorded(
    driver: Driver,
    outbox: Outbox | None,
    *,
    supporter_id: str,
    friend_id: str,
    outcome_id: str,
    outcome: str,
    channel: str,
) -> None:
    """``outcome.recorded``: a supporter recorded what happened when they asked a friend."""
    data = {
        "supporter_id": supporter_id,
        "friend_id": friend_id,
        "outcome_id": outcome_id,
        "outcome": outcome,
        "channel": channel,
    }
    notify_quietly(
        driver, outbox, "outcome.recorded", subject=f"{supporter_id}:{outcome_id}", data=data
    )


def opted_out_by_link(
    driver: Driver, settings: Settings, outbox: Outbox | None, token: str
) -> None:
    """``friend.opted_out``: the friend an opt-out link names left every list."""
    link = read_opt_out_token(settings, token)
    data = {"supporter_id": link.supporter_id, "friend_id": link.friend_id}
    notify_quietly(
        driver,
        outbox,
        "friend.opted_out",
        subject=f"{link.supporter_id}:{link.friend_id}",
        data=data,
    )
