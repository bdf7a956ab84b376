"""NGP VAN pull: a saved list exported by VAN, downloaded, and loaded as a voter file.

The export job is recorded (a ``VanSync`` pull record), so a pull that runs again (a lost
worker, a malformed answer retried by the task) waits for the same export rather than
starting another. Voters get the ids ``van-<VanID>`` and keep their VAN id for pushes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from neo4j import Driver

from graph import van_sync as store
from ingest.van_export import write_voter_file
from outreach.core.errors import InvalidInput, RowError
from outreach.core.settings import Settings
from outreach.integrations.van import VanClient, VanUnavailable
from outreach.usecases import jobs, voter_files
from outreach.usecases.van_sync import IntegrationQueue, check_configured, client_for

log = logging.getLogger(__name__)
Report = Callable[[dict[str, int]], None]


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
        van_ids = write_voter_file(raw, voters)
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
