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

Pull: a saved list is exported through an export job, downloaded, and loaded as a voter
file (voter ids ``van-<VanID>``), each voter keeping its VAN id for later pushes.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from neo4j import Driver

from graph import van_sync as store
from graph.locks import release, try_acquire
from graph.outcomes import OUTCOMES
from outreach.core.errors import FileRejected, InvalidInput, RowError
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
from outreach.usecases import jobs, voter_files
from outreach.usecases.webhooks import Outbox

__all__ = [
    "IntegrationQueue",
    "VanUnavailable",
    "mapping",
    "pull",
    "push",
    "request_pull",
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


# --- Pull -------------------------------------------------------------------------------

# What a saved-list export names each field (VAN's column headers), to our voter columns.
EXPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "van_id": ("VanID", "VANID", "Voter File VANID", "vanid"),
    "first_name": ("FirstName", "First Name"),
    "middle_name": ("MiddleName", "Middle Name"),
    "last_name": ("LastName", "Last Name"),
    "suffix": ("Suffix",),
    "address": ("Address", "StreetAddress", "Street Address"),
    "city": ("City",),
    "state": ("State", "StateOrProvince", "StateProvince"),
    "zip": ("Zip5", "ZipOrPostal", "Zip", "Zip/Postal"),
    "phone": ("Phone", "PreferredPhone", "Cell Phone", "HomePhone"),
    "email": ("Email", "PreferredEmail"),
    "birth_year": ("BirthYear",),
    "dob": ("DOB", "DateOfBirth"),
    "district": ("CD", "CongressionalDistrict"),
}
VOTER_COLUMNS = ["voter_id", "first_name", "middle_name", "last_name", "suffix", "birth_year",
                 "address", "city", "zip", "state", "district", "phone", "email"]  # fmt: skip


def request_pull(
    driver: Driver,
    queue: IntegrationQueue,
    settings: Settings,
    *,
    saved_list_id: int,
    owner: str | None,
) -> str:
    """Record a pull of a saved list and send it; the same list already queued is joined."""
    check_configured(settings)
    if saved_list_id < 1:
        raise InvalidInput(
            "no such saved list", [RowError(None, "saved_list_id", "a positive VAN list id")]
        )
    params = {"saved_list_id": saved_list_id}
    waiting = jobs.pending(driver, kind="van_pull", params=params)
    if waiting:
        return waiting
    job_id = jobs.record(driver, kind="van_pull", owner=owner, params=params)
    jobs.publish(driver, [job_id], lambda: queue.van_pull(job_id, saved_list_id=saved_list_id))
    return job_id


def _column(header: list[str], names: tuple[str, ...]) -> str | None:
    lowered = {h.strip().lower(): h for h in header}
    for name in names:
        if name.lower() in lowered:
            return lowered[name.lower()]
    return None


def export_rows(text: Iterator[str]) -> Iterator[dict[str, str]]:
    """A VAN export (CSV or tab-separated) as rows of our voter columns plus ``van_id``."""
    first = next(text, "")
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(_chain(first, text), delimiter=delimiter)
    header = next(reader, [])
    where = {ours: _column(header, theirs) for ours, theirs in EXPORT_COLUMNS.items()}
    missing = [ours for ours in ("van_id", "first_name", "last_name", "state") if not where[ours]]
    if missing:
        raise FileRejected(
            "the VAN export lacks columns the voter file needs",
            errors=[RowError(1, EXPORT_COLUMNS[m][0], "missing from the export")
                    for m in missing],
        )  # fmt: skip
    index = {ours: header.index(col) for ours, col in where.items() if col}
    for cells in reader:
        row = {ours: cells[i].strip() if i < len(cells) else "" for ours, i in index.items()}
        if not any(row.values()):
            continue
        if not row.get("birth_year") and row.get("dob"):
            row["birth_year"] = _birth_year(row["dob"])
        district = row.get("district", "")
        if district.isdigit() and row.get("state"):
            row["district"] = f"{row['state'].upper()}-{int(district)}"
        row["voter_id"] = f"van-{row['van_id']}" if row.get("van_id") else ""
        yield row


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _birth_year(dob: str) -> str:
    for part in dob.replace("/", "-").split("-"):
        if len(part) == 4 and part.isdigit():
            return part
    return ""


def pull(
    driver: Driver,
    settings: Settings,
    *,
    job_id: str,
    saved_list_id: int,
    client: VanClient | None = None,
    poll_seconds: float = 1.0,
    report: Report | None = None,
) -> dict[str, int]:
    """Export the saved list, download it, load it as a voter file; the load's counts.

    The export job is recorded, so a pull that runs again (a lost worker) waits for the
    same export rather than starting another.
    """
    van = client or client_for(settings)
    export_type = settings.van_export_type
    if export_type is None:
        raise InvalidInput(
            "no export type: set OUTREACH_VAN_EXPORT_TYPE to the one VAN assigned you",
            [RowError(None, "OUTREACH_VAN_EXPORT_TYPE", "unset")],
        )
    pull_id = f"pull:{job_id}"
    state = store.pull_state(driver, pull_id)
    export_id = int(state["export_job_id"]) if state and state["export_job_id"] else None
    if export_id is None:
        listed = van.saved_list(saved_list_id)
        created = van.create_export_job(saved_list_id, export_type)
        export_id = int(created["exportJobId"])
        store.save_pull(driver, pull_id, saved_list_id=saved_list_id, export_job_id=export_id,
                        status="pending", reason=None, now=time.time())  # fmt: skip
        log.info("VAN export job %s for a list of %s", export_id, listed.get("listCount"))
    deadline = time.monotonic() + settings.van_export_wait_seconds
    while True:
        job = van.export_job(export_id)
        status = str(job.get("status") or "")
        if status == "Completed" and job.get("downloadUrl"):
            break
        if status == "Error":
            reason = f"VAN's export job {export_id} failed (error code {job.get('errorCode')})"
            store.save_pull(driver, pull_id, saved_list_id=saved_list_id, export_job_id=export_id,
                            status="failed", reason=reason, now=time.time())  # fmt: skip
            raise InvalidInput(reason, [RowError(None, "exportJob", str(job.get("errorCode")))])
        if time.monotonic() > deadline:
            raise VanUnavailable(f"VAN's export job {export_id} is still {status or 'unknown'}")
        time.sleep(poll_seconds)
    folder = settings.data_dir / "van"
    folder.mkdir(parents=True, exist_ok=True)
    raw, voters = folder / f"{job_id}.export", folder / f"{job_id}.csv"
    try:
        with raw.open("wb") as out:
            van.download(str(job["downloadUrl"]), out)
        van_ids = _write_voter_file(raw, voters)
        counts = voter_files.load(
            driver, settings, path=voters, mapping="demo",
            report=(lambda c, _e: report(c)) if report else None,
        )  # fmt: skip
        store.set_van_ids(driver, van_ids, batch_size=settings.graph_write_batch)
    finally:
        raw.unlink(missing_ok=True)
        voters.unlink(missing_ok=True)
    store.save_pull(driver, pull_id, saved_list_id=saved_list_id, export_job_id=export_id,
                    status="sent", reason=None, now=time.time())  # fmt: skip
    return {**counts, "van_ids": len(van_ids), "export_job_id": export_id}


def _write_voter_file(raw: Path, voters: Path) -> list[dict[str, str]]:
    """Rewrite the export in the voter-file columns; the voter ids and their VAN ids."""
    van_ids: list[dict[str, str]] = []
    with (
        raw.open("r", encoding="utf-8-sig", errors="replace", newline="") as source,
        voters.open("w", encoding="utf-8", newline="") as target,
    ):
        writer = csv.DictWriter(target, VOTER_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in export_rows(iter(source)):
            writer.writerow(row)
            if row["voter_id"]:
                van_ids.append({"voter_id": row["voter_id"], "van_id": row["van_id"]})
    return van_ids


def parse_export(text: str) -> list[dict[str, str]]:
    """A whole export's rows (for tests and small lists)."""
    return list(export_rows(iter(io.StringIO(text))))
