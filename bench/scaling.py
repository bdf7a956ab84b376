"""Contact ingest with one worker process and with two: how it scales, and where the limit is.

Run from the repository root: ``python -m bench scaling [--scale small|full]``.

The seeded demo set (``outreach.demo.generate``, seed 2026, every upload format) is
generated; its voter file is loaded through the product's voter-file job. Each supporter
consents and their upload is stored through ``outreach.usecases.uploads.submit``, as the
API does. The uploads are then loaded with ``outreach.usecases.uploads.load`` (what the
Celery task runs: read, normalize, link, write), each process with its own driver:

* a few uploads first, in one process, not counted (a cold graph server and linker);
* a third of the supporters in one process;
* another third in two processes at once, split between them.

For each run: contacts read, wall time (from the first process's start to the last one's
end, each after its warm-up), contacts per second and its ratio to the one-process
run, the CPU seconds of the worker processes and of the graph server, how many of the
machine's cores the two kept busy, and the write conflicts the local server reported and
the driver retried (concurrent writes to the same page; Neo4j locks instead). Work per
contact, from the same CPU counts, says where the limit is: a worker process alone would go
at one contact per its CPU seconds per contact; the cores allow their number over the
worker's and the server's CPU per contact.
"""

from __future__ import annotations

import os
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any

from bench.common import BenchEnv, Report, console, count_driver_retries, fmt_int, graph_server


@dataclass(frozen=True)
class Scale:
    """Sizes of one scale."""

    voters: int
    supporters: int
    contacts_mean: int


SCALES = {
    "small": Scale(voters=20_000, supporters=100, contacts_mean=200),
    "full": Scale(voters=200_000, supporters=400, contacts_mean=250),
}
WARM_UPLOADS = 4


class _NoQueue:
    """Uploads are stored and recorded here, and loaded by the measured processes."""

    def ingest_contacts(self, *_: Any, **__: Any) -> None:
        return None


def load_share(uploads: list[tuple[str, str]]) -> dict[str, float]:
    """Load these stored uploads one after another, in this (spawned) process."""
    from graph.db.driver import create_driver
    from outreach.core.settings import get_settings
    from outreach.usecases import uploads as upload_cases

    settings = get_settings()
    retries = count_driver_retries()
    driver = create_driver(settings)
    upload_cases.warm_up(settings)
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    started = time.time()
    read = written = 0
    try:
        for supporter_id, upload_id in uploads:
            result = upload_cases.load(
                driver, settings, supporter_id=supporter_id, upload_id=upload_id
            )
            read += result.counts.get("read", 0)
            written += result.counts.get("written", 0)
    finally:
        driver.close()
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    return {
        "read": read,
        "written": written,
        "cpu": cpu,
        "started": started,
        "ended": time.time(),
        "retries": retries.count,
    }


def _run(shares: list[list[tuple[str, str]]]) -> list[dict[str, float]]:
    with ProcessPoolExecutor(max_workers=len(shares), mp_context=get_context("spawn")) as pool:
        return list(pool.map(load_share, shares))


def run(env: BenchEnv, scale_name: str, report: Report) -> None:
    """Generate the data, load the voter file, then time one process and two."""
    from graph.db.schema import init_schema
    from graph.supporters import record_consent
    from outreach.core.partition import partition_of
    from outreach.core.settings import get_settings
    from outreach.demo import generate
    from outreach.usecases import uploads, voter_files
    from outreach.usecases.consent import CURRENT_TERMS

    scale = SCALES[scale_name]
    manifest = generate(env.files_dir / "demo", seed=2026, voters=scale.voters,
                        supporters=scale.supporters, contacts_mean=scale.contacts_mean)  # fmt: skip
    settings = get_settings()
    with graph_server(env) as graph:
        driver = graph.driver
        init_schema(driver)
        voter_files.load(driver, settings, path=manifest.voters_csv, mapping="demo")
        stored: list[tuple[str, str]] = []
        for supporter_id in sorted(manifest.contact_files):
            path = manifest.contact_files[supporter_id]
            partition = partition_of(supporter_id)
            record_consent(
                driver, supporter_id=supporter_id, version=CURRENT_TERMS, partition=partition
            )
            submitted = uploads.submit(
                driver,
                _NoQueue(),
                settings,
                supporter_id=supporter_id,
                data=path.read_bytes(),
                filename=path.name,
                rerank=False,
            )
            stored.append((supporter_id, submitted.upload_id))
        warm, rest = stored[:WARM_UPLOADS], stored[WARM_UPLOADS:]
        third = len(rest) // 3
        one, two = rest[:third], rest[third : 2 * third]
        console.print(
            f"{fmt_int(len(stored))} uploads stored; {len(warm)} to warm up, "
            f"{len(one)} in one process, {len(two)} in two"
        )
        _run([warm])
        runs: list[tuple[int, dict[str, float], float, float]] = []
        for shares in ([one], [two[0::2], two[1::2]]):
            server0 = graph.server_cpu_seconds()
            results = _run(shares)
            server = graph.server_cpu_seconds() - server0
            # From the first process's start to the last one's end, after each warmed up.
            wall = max(r["ended"] for r in results) - min(r["started"] for r in results)
            summed = {k: sum(r[k] for r in results) for k in ("read", "written", "cpu", "retries")}
            runs.append((len(shares), summed, wall, server))
    _print(report, scale_name, manifest.counts, runs)


def _print(
    report: Report,
    scale_name: str,
    counts: dict[str, int],
    runs: list[tuple[int, dict[str, float], float, float]],
) -> None:
    cores = os.cpu_count() or 1
    report.heading(f"Contact ingest in one worker process and in two ({scale_name})")
    report.note(
        f"Demo set: {fmt_int(counts['voters'])} voters; each upload loaded by "
        "outreach.usecases.uploads.load (read, normalize, link, write) against the suite's "
        f"graph server, on {cores} cores shared by the worker processes and the server."
    )
    base_rate = runs[0][1]["read"] / runs[0][2]
    rows = []
    for processes, summed, wall, server in runs:
        rate = summed["read"] / wall
        rows.append(
            [
                str(processes),
                fmt_int(int(summed["read"])),
                f"{wall:.1f}",
                f"{rate:,.0f}",
                f"{rate / base_rate:.2f}x",
                f"{summed['cpu']:.1f}",
                f"{server:.1f}",
                f"{(summed['cpu'] + server) / wall:.2f} of {cores}",
                f"{summed['cpu'] / summed['read'] * 1000:.2f}",
                f"{server / summed['read'] * 1000:.2f}",
                str(int(summed["retries"])),
            ]
        )
    report.table(
        "Throughput and where the time went",
        [
            "processes",
            "contacts",
            "wall s",
            "contacts/s",
            "x one process",
            "worker CPU s",
            "server CPU s",
            "cores busy",
            "worker ms/contact",
            "server ms/contact",
            "conflicts retried",
        ],
        rows,
    )
    _, summed, _, server = runs[-1]
    worker_ms = summed["cpu"] / summed["read"] * 1000
    server_ms = server / summed["read"] * 1000
    report.note(
        f"A worker process alone would go at {1000 / worker_ms:,.0f} contacts/s (its own CPU "
        f"per contact); the {cores} cores allow {cores * 1000 / (worker_ms + server_ms):,.0f} "
        "contacts/s when worker and graph server share them (their CPU per contact together)."
    )
