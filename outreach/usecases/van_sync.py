"""NGP VAN / EveryAction sync: push outcomes as canvass responses, pull a saved list.

Push: each recorded outcome whose friend matches a voter with a VAN id, at the link
threshold or above, who has not opted out, and whose outcome the organizer mapped to a
VAN code, is queued once (a ``VanSync`` record keyed by the outcome's id) and sent as a
canvass response. Every record ends ``sent`` or ``failed`` with the reason; re-running a
push sends only what is still pending. A record is marked as being sent before its
request goes out; if the worker dies before the answer is stored, the next push finds
the mark and fails the record ("VAN may have it") instead of sending it twice. Opting out
after an outcome was queued still stops it: eligibility is checked again just before
each send. One push runs at a time (a graph lock).

Pull: see :mod:`outreach.usecases.van_pull`.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from neo4j import Driver

from graph import van_sync as store
from graph.locks import release, try_acquire
from graph.outcomes import OUTCOMES
from outreach.core.errors import InvalidInput, RowError
from outreach.core.settings import Settings
from outreach.integrations.van import (
    VanAmbiguous,
    VanClient,
    VanMapping,
    VanNotConfigured,
    VanRejected,
    VanUnavailable,
    canvass_response,
)
from outreach.usecases import jobs
from outreach.usecases.webhooks import Outbox

__all__ = [
    "IntegrationQueue",
    "VanUnavailable",
    "mapping",
    "push",
    "request_push",
    "set_mapping",
]

log = logging.getLogger(__name__)
LOCK = "van-push"
LOCK_SECONDS = 600.0
INTERRUPTED = (
    "the push stopped while this record was being sent (a lost worker): VAN may have it. "
    "Check the person in VAN, then retry the failed records if it is missing"
)
Report = Callable[[dict[str, int]], None]


class IntegrationQueue(Outbox, Protocol):
    """What the integrations ask of the queue: webhook deliveries and VAN jobs."""

    def van_push(self, job_id: str) -> None:
        """Send a push of outcomes to VAN."""

    def van_pull(self, job_id: str, *, saved_list_id: int) -> None:
        """Send a pull of a saved list from VAN."""


def check_configured(settings: Settings) -> None:
    """Refuse at once when there is no VAN to sync with."""
    if not settings.van_application_name or settings.van_api_key is None:
        raise VanNotConfigured()


def client_for(settings: Settings) -> VanClient:
    """A VAN client from the settings; refused when VAN is not configured."""
    check_configured(settings)
    assert settings.van_application_name and settings.van_api_key is not None
    return VanClient(
        application_name=settings.van_application_name,
        api_key=settings.van_api_key.get_secret_value(),
        database_mode=settings.van_database_mode,
        base_url=settings.van_base_url,
        timeout=settings.van_timeout_seconds,
        max_retries=settings.van_max_retries,
        retry_seconds=settings.van_retry_seconds,
    )


# --- The organizer's mapping ------------------------------------------------------------


def mapping(driver: Driver) -> tuple[int, VanMapping]:
    """The mapping in force and its version (0 and an empty mapping when none was set)."""
    row = store.get_config(driver, "van")
    if row is None:
        return 0, VanMapping()
    return int(row["version"]), VanMapping.model_validate_json(row["body"])


def set_mapping(driver: Driver, data: dict[str, Any], *, author: str) -> tuple[int, VanMapping]:
    """Validate and store the organizer's mapping of outcomes to VAN codes."""
    parsed = VanMapping.parse(data, OUTCOMES)
    version = store.save_config(
        driver, "van", body=parsed.model_dump_json(), author=author, now=time.time()
    )
    return version, parsed


# --- Push -------------------------------------------------------------------------------


def request_push(
    driver: Driver, queue: IntegrationQueue, settings: Settings, *, owner: str | None
) -> str:
    """Record a push job and send it; a push already queued is joined instead."""
    check_configured(settings)
    waiting = jobs.pending(driver, kind="van_push", params={})
    if waiting:
        return waiting
    job_id = jobs.record(driver, kind="van_push", owner=owner, params={})
    jobs.publish(driver, [job_id], lambda: queue.van_push(job_id))
    return job_id


@dataclass
class _Candidate:
    id: str
    outcome: str
    channel: str
    at: str | None
    person_key: str
    opted_out: bool
    probability: float | None = None
    van_id: str | None = None


def _candidates(rows: list[dict[str, Any]]) -> list[_Candidate]:
    """One candidate per outcome, with the friend's best match."""
    best: dict[str, _Candidate] = {}
    for row in rows:
        probability = row["probability"]
        found = best.get(row["id"])
        if found is None:
            best[row["id"]] = _Candidate(
                id=row["id"], outcome=row["outcome"], channel=row["channel"] or "text",
                at=row["at"], person_key=row["person_key"], opted_out=bool(row["opted_out"]),
                probability=probability, van_id=row["van_id"],
            )  # fmt: skip
        elif probability is not None and (found.probability or 0.0) < probability:
            found.probability, found.van_id = probability, row["van_id"]
    return list(best.values())


def _day(at: str | None) -> date:
    try:
        return datetime.fromisoformat(str(at)).date() if at else date.today()
    except ValueError:
        return date.today()


def queue_outcomes(driver: Driver, settings: Settings, rules: VanMapping) -> dict[str, int]:
    """Queue every eligible outcome not yet queued; count those left out, by reason."""
    counts = {"queued": 0, "skipped_opted_out": 0, "skipped_below_threshold": 0,
              "skipped_no_van_id": 0, "skipped_unmapped": 0}  # fmt: skip
    rows = []
    for c in _candidates(store.unsynced_outcomes(driver)):
        body = canvass_response(rules, outcome=c.outcome, channel=c.channel, canvassed=_day(c.at))
        if c.opted_out:
            counts["skipped_opted_out"] += 1
        elif c.probability is None or c.probability < settings.link_threshold:
            counts["skipped_below_threshold"] += 1
        elif not c.van_id:
            counts["skipped_no_van_id"] += 1
        elif body is None:
            counts["skipped_unmapped"] += 1
        else:
            rows.append(
                {
                    "id": c.id,
                    "person_key": c.person_key,
                    "van_id": str(c.van_id),
                    "outcome": c.outcome,
                    "body": json.dumps(body, sort_keys=True),
                }
            )
    store.add_pending(driver, rows, now=time.time(), batch_size=settings.graph_write_batch)
    counts["queued"] = len(rows)
    return counts


def push(
    driver: Driver,
    settings: Settings,
    *,
    job_id: str,
    client: VanClient | None = None,
    report: Report | None = None,
) -> dict[str, int]:
    """Queue what is eligible, then send every pending record once; the counts.

    Raises :class:`VanUnavailable` when VAN stays unavailable after its retries: what
    was sent is recorded, the rest stays pending for the task's next try.
    """
    van = client or client_for(settings)
    if not try_acquire(driver, LOCK, job_id, hold_seconds=LOCK_SECONDS):
        raise VanUnavailable("another push to VAN is running; this one will try again")
    try:
        _, rules = mapping(driver)
        counts = queue_outcomes(driver, settings, rules)
        counts.update({"sent": 0, "failed": 0, "interrupted": 0, "opted_out_since": 0})
        for record in store.pending(driver):
            try_acquire(driver, LOCK, job_id, hold_seconds=LOCK_SECONDS)
            now = time.time()
            if record["sending_since"] is not None:
                store.mark(driver, record["id"], status="failed", reason=INTERRUPTED, now=now)
                counts["interrupted"] += 1
                continue
            if record["opted_out"]:
                reason = "the friend opted out before it was sent; nothing was sent"
                store.mark(driver, record["id"], status="failed", reason=reason, now=now)
                counts["opted_out_since"] += 1
                continue
            if not store.mark_sending(driver, record["id"], now=now):
                continue
            try:
                van.apply_canvass_response(record["van_id"], json.loads(record["body"]))
            except (VanRejected, VanAmbiguous) as exc:
                store.mark(
                    driver, record["id"], status="failed", reason=exc.detail, now=time.time()
                )
                counts["failed"] += 1
            except VanUnavailable as exc:
                store.unsent(driver, record["id"], reason=exc.detail, now=time.time())
                if report:
                    report(counts)
                raise
            else:
                store.mark(driver, record["id"], status="sent", reason=None, now=time.time())
                counts["sent"] += 1
            if report:
                report(counts)
        counts.update({f"total_{k}": v for k, v in store.counts(driver).items()})
        return counts
    finally:
        release(driver, LOCK, job_id)


def sync_state(
    driver: Driver, *, status: str | None, offset: int = 0, limit: int = 50
) -> dict[str, Any]:
    """Records per state, and a page of records (latest change first) with their reasons."""
    if status is not None and status not in ("pending", "sent", "failed"):
        raise InvalidInput(
            "unknown sync state", [RowError(None, "status", "use pending, sent or failed")]
        )
    return {
        "counts": store.counts(driver),
        "items": store.records(driver, status=status, offset=offset, limit=limit),
    }


def retry_failed(driver: Driver) -> int:
    """Put failed records back to pending (after the organizer checked VAN); how many."""
    return store.retry_failed(driver, now=time.time())
