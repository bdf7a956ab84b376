"""The use cases' job queue, on Celery: what each kind of job sends, and how jobs chain.

The use cases record a job, then ask this queue to send it (``outreach.usecases.jobs``).
Tasks are sent by name, so sending never imports the tasks' code. An upload and the
re-rank after it go as one Celery chain: the re-rank has a job record from the moment
the upload is accepted, and runs only after the load (``workers.tasks.rank_task`` skips
it if the load did not succeed).
"""

from __future__ import annotations

from typing import Any

from celery import Celery, chain
from celery.canvas import Signature

from workers.app import app as default_app

GENERAL = "outreach"  # voter files, full re-ranks
SUPPORTERS = "uploads"  # what a supporter waits for: their upload and its re-rank
QUEUES = f"{SUPPORTERS},{GENERAL}"


class CeleryQueue:
    """Sends jobs to the workers; implements ``outreach.usecases.jobs.TaskQueue``."""

    def __init__(self, app: Celery | None = None) -> None:
        self.app = app or default_app

    def _task(self, name: str, task_id: str, *args: Any, queue: str = GENERAL) -> Signature:
        signature = self.app.signature(name, args=list(args), immutable=True)
        return signature.set(task_id=task_id, queue=queue)

    def ingest_voters(self, job_id: str, *, path: str, mapping: str) -> None:
        """Send a voter-file load."""
        self._task("outreach.ingest_voters", job_id, job_id, path, mapping).apply_async()

    def ingest_history(self, job_id: str, *, path: str, mapping: str) -> None:
        """Send a vote-history load."""
        self._task("outreach.ingest_history", job_id, job_id, path, mapping).apply_async()

    def ingest_contacts(
        self, job_id: str, *, supporter_id: str, upload_id: str, rank_job_id: str | None
    ) -> None:
        """Send an upload's load, chained to its re-rank when ``rank_job_id`` is given."""
        load = self._task(
            "outreach.ingest_contacts",
            job_id,
            job_id,
            supporter_id,
            upload_id,
            rank_job_id,
            queue=SUPPORTERS,
        )
        if rank_job_id is None:
            load.apply_async()
            return
        then = self._task(
            "outreach.rank", rank_job_id, rank_job_id, [supporter_id], 0, job_id, queue=SUPPORTERS
        )
        chain(load, then).apply_async()

    def deliver_webhook(self, delivery_id: str, *, countdown: float = 0.0) -> None:
        """Send one webhook delivery, after ``countdown`` seconds (a retry's backoff)."""
        self.app.send_task(
            "outreach.deliver_webhook",
            args=[delivery_id],
            queue=GENERAL,
            countdown=countdown or None,
        )

    def van_push(self, job_id: str) -> None:
        """Send a push of outcomes to NGP VAN."""
        self._task("outreach.van_push", job_id, job_id).apply_async()

    def van_pull(self, job_id: str, *, saved_list_id: int) -> None:
        """Send a pull of a saved list from NGP VAN."""
        self._task("outreach.van_pull", job_id, job_id, saved_list_id).apply_async()

    def rank(self, job_id: str, *, supporter_ids: list[str] | None, partitions: int) -> None:
        """Send a re-rank of some supporters (and their competitors), or everyone."""
        queue = GENERAL if supporter_ids is None else SUPPORTERS
        self._task(
            "outreach.rank", job_id, job_id, supporter_ids, partitions, queue=queue
        ).apply_async()
