"""Waiting on jobs from the command line, with rich progress bars."""

from __future__ import annotations

import time
from collections.abc import Iterable

from neo4j import Driver
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from graph.jobs import JobRecord
from outreach.core.errors import OutreachError
from outreach.usecases import jobs as job_records


def _bar(quiet: bool) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        disable=quiet,
    )


def wait_for_jobs(
    driver: Driver,
    job_ids: list[str],
    *,
    label: str,
    total: int | None = None,
    count_key: str | None = None,
    timeout: float = 3600.0,
    quiet: bool = False,
) -> list[JobRecord]:
    """Poll until every job ends; show one bar (rows via ``count_key``, else jobs done)."""
    deadline = time.monotonic() + timeout
    jobs: dict[str, JobRecord] = {}
    with _bar(quiet) as progress:
        task = progress.add_task(label, total=total or len(job_ids), detail="")
        while True:
            jobs = {job_id: job_records.get(driver, job_id) for job_id in job_ids}
            finished = sum(1 for j in jobs.values() if j.finished)
            if count_key:
                done = sum(int(j.counts.get(count_key, 0)) for j in jobs.values())
            else:
                done = finished
            detail = _detail(jobs.values())
            progress.update(task, completed=done, detail=detail)
            if finished == len(job_ids):
                progress.update(task, completed=total or len(job_ids))
                break
            if time.monotonic() > deadline:
                raise OutreachError(f"{label}: jobs did not finish in {timeout:.0f}s")
            time.sleep(0.3)
    return [jobs[j] for j in job_ids]


def _detail(jobs: Iterable[JobRecord]) -> str:
    sums: dict[str, int] = {}
    for job in jobs:
        for key, value in job.counts.items():
            if isinstance(value, int) and key in ("rejected", "linked", "assigned", "pairs"):
                sums[key] = sums.get(key, 0) + value
    return " ".join(f"{k}={v}" for k, v in sums.items())
