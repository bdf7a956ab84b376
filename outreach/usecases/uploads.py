"""Contact uploads: the rules for taking a file, and the only owner of stored upload files.

A supporter's file holds raw phone numbers and emails, so it is kept on disk only between
submission and the end of its job: :class:`UploadStore` writes it, the job reads it, and
every final state of the job removes it. :func:`sweep` removes files whose job is gone.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from neo4j import Driver

from graph.contacts import record_upload, upload_filename
from ingest.contacts_job import UploadResult, ingest_upload, prepare
from outreach.core.errors import FileRejected, NotFound, RowError
from outreach.core.settings import Settings
from outreach.usecases import consent, jobs, reports
from outreach.usecases.jobs import TaskQueue

Progress = Callable[[dict[str, int], list[RowError]], None]


@dataclass(frozen=True)
class Submitted:
    """An accepted upload: its job, the upload id, and the re-rank chained after it (if any)."""

    job_id: str
    upload_id: str
    rank_job_id: str | None


class UploadStore:
    """Stored upload files, one per upload id, in ``settings.uploads_dir``."""

    def __init__(self, settings: Settings) -> None:
        self.folder = settings.uploads_dir

    def path(self, upload_id: str) -> Path:
        """Where the upload's bytes are kept while its job is pending."""
        return self.folder / upload_id

    def store(self, upload_id: str, data: bytes) -> None:
        """Write the bytes atomically (a half-written file is never read)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.path(upload_id)
        tmp = target.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(target)

    def read(self, upload_id: str) -> bytes:
        """The stored bytes, or NotFound if they are gone."""
        try:
            return self.path(upload_id).read_bytes()
        except FileNotFoundError as exc:
            raise NotFound(f"upload {upload_id} is no longer stored") from exc

    def delete(self, upload_id: str) -> bool:
        """Remove the upload's file (and any half-written copy); True if there was one."""
        self.path(upload_id).with_suffix(".part").unlink(missing_ok=True)
        try:
            self.path(upload_id).unlink()
        except FileNotFoundError:
            return False
        return True

    def stored_ids(self) -> list[str]:
        """The upload ids that have a file right now."""
        if not self.folder.exists():
            return []
        return sorted(p.name for p in self.folder.iterdir() if p.suffix != ".part")

    def age_seconds(self, upload_id: str) -> float:
        """How long ago the upload's file was written."""
        return time.time() - self.path(upload_id).stat().st_mtime


def upload_id_for(supporter_id: str, data: bytes) -> str:
    """Same supporter, same bytes: the same upload id, so a re-sent file is the same upload."""
    digest = hashlib.sha256(data).hexdigest()
    return "upl-" + hashlib.sha256(f"{supporter_id}:{digest}".encode()).hexdigest()[:16]


def check_size(data: bytes, settings: Settings) -> None:
    """Refuse an empty file or one over the limit."""
    if not data:
        raise FileRejected("the uploaded file is empty")
    if len(data) > settings.upload_max_bytes:
        raise FileRejected(
            f"the file is larger than the limit of {settings.upload_max_bytes} bytes",
            limit=settings.upload_max_bytes,
        )


def submit(
    driver: Driver,
    queue: TaskQueue,
    settings: Settings,
    *,
    supporter_id: str,
    data: bytes,
    filename: str | None,
    rerank: bool = True,
) -> Submitted:
    """Check consent and size, store the file, record the job(s), then queue them.

    With ``rerank`` the uploader's re-rank is recorded now and chained after the load,
    so its id is known at once and it runs only if the load succeeds.
    """
    consent.require(driver, supporter_id)
    check_size(data, settings)
    upload_id = upload_id_for(supporter_id, data)
    store = UploadStore(settings)
    store.store(upload_id, data)
    record_upload(
        driver,
        supporter_id=supporter_id,
        upload_id=upload_id,
        filename=filename,
        sha256=hashlib.sha256(data).hexdigest(),
        status="queued",
    )
    job_id = jobs.record(
        driver, kind="ingest_contacts", owner=supporter_id, params={"upload_id": upload_id}
    )
    rank_job_id = (
        jobs.record(driver, kind="rank", owner=supporter_id, params={"supporters": 1}, after=job_id)
        if rerank
        else None
    )
    sent = [job_id] + ([rank_job_id] if rank_job_id else [])
    try:
        jobs.publish(
            driver,
            sent,
            lambda: queue.ingest_contacts(
                job_id, supporter_id=supporter_id, upload_id=upload_id, rank_job_id=rank_job_id
            ),
        )
    except Exception:
        store.delete(upload_id)
        raise
    return Submitted(job_id=job_id, upload_id=upload_id, rank_job_id=rank_job_id)


def load(
    driver: Driver,
    settings: Settings,
    *,
    supporter_id: str,
    upload_id: str,
    report: Progress | None = None,
) -> UploadResult:
    """Load a stored upload (the job's work); consent is checked again as it starts.

    Its counts end with what the model will stand on for this supporter's friends in the
    targets: how many there are, how many rest on the support prior (no score, no party),
    and how many have imputed turnout.
    """
    version = consent.require(driver, supporter_id)
    result = ingest_upload(
        driver,
        supporter_id=supporter_id,
        upload_id=upload_id,
        data=UploadStore(settings).read(upload_id),
        filename=upload_filename(driver, upload_id),
        consent=version,
        settings=settings,
        report=report,
    )
    inputs = reports.model_inputs_report(driver, supporter_id=supporter_id)["friends"]
    result.counts.update(
        friends_in_targets=inputs["friends"],
        on_support_prior=inputs["support_prior"],
        turnout_imputed=inputs["turnout_imputed"],
    )
    return result


def warm_up(settings: Settings) -> None:
    """Get a worker process ready for uploads before the first one (the linker, the readers)."""
    prepare(settings)


def finish(settings: Settings, upload_id: str) -> None:
    """The upload's job reached a final state: its raw file goes."""
    UploadStore(settings).delete(upload_id)


def sweep(settings: Settings, *, older_than_seconds: float = 3600.0) -> int:
    """Remove files left longer than any job waits (a lost worker, a crash); return the count."""
    store = UploadStore(settings)
    removed = 0
    for upload_id in store.stored_ids():
        if store.age_seconds(upload_id) < older_than_seconds:
            continue
        if store.delete(upload_id):
            removed += 1
    return removed


def pending_file_count(settings: Settings) -> int:
    """How many raw upload files are on disk right now."""
    return len(UploadStore(settings).stored_ids())
