"""The demo: the whole loop on the local defaults, as real jobs, ending with a real list."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from neo4j import Driver
from rich.console import Console
from rich.table import Table

from graph.db.schema import init_schema
from graph.ranking import read_targets
from graph.supporters import record_consent, sample_supporter
from ingest.contacts_job import CURRENT_TERMS
from ingest.supporters_job import ingest_roster
from outreach.cli.waiting import wait_for_jobs
from outreach.core.partition import partition_of
from outreach.core.settings import Settings
from workers.enqueue import enqueue_rank, enqueue_upload, enqueue_voter_ingest


@dataclass
class DemoOutcome:
    """What the demo produced: the sample supporter and how many friends they should ask."""

    supporter_id: str | None
    targets: int


def run_demo(
    driver: Driver,
    settings: Settings,
    console: Console,
    *,
    seed: int,
    voters: int,
    supporters: int,
    contacts_mean: int,
    formats: tuple[str, ...],
) -> DemoOutcome:
    """Generate demo data, load it through the queue, rank, and print one supporter's list."""
    from outreach.demo import generate

    init_schema(driver)
    out_dir = settings.data_dir / "demo" / f"seed-{seed}"
    console.print(f"[bold]Generating demo data[/] in {out_dir} (seed {seed}) ...")
    manifest = generate(
        out_dir,
        seed=seed,
        voters=voters,
        supporters=supporters,
        contacts_mean=contacts_mean,
        formats=formats,
    )
    job = enqueue_voter_ingest(driver, path=manifest.voters_csv, mapping="demo", owner="demo")
    (voter_job,) = wait_for_jobs(driver, [job], label="Voter file", total=voters, count_key="read")
    _check(voter_job, console)

    count, _ = ingest_roster(
        driver,
        path=manifest.supporters_csv,
        secret=settings.secret_key.get_secret_value(),
        batch_size=settings.graph_write_batch,
    )
    for sid in manifest.contact_files:
        record_consent(driver, supporter_id=sid, version=CURRENT_TERMS, partition=partition_of(sid))
    console.print(
        f"{count} supporters on the roster; demo supporters have agreed to terms {CURRENT_TERMS}."
    )

    upload_jobs = [
        enqueue_upload(
            driver,
            supporter_id=sid,
            data=Path(path).read_bytes(),
            filename=Path(path).name,
            rerank=False,
        )[0]
        for sid, path in sorted(manifest.contact_files.items())
    ]
    results = wait_for_jobs(driver, upload_jobs, label="Contact uploads")
    for result in results:
        _check(result, console)
    linked = sum(int(r["counts"].get("linked", 0)) for r in results)
    read_rows = sum(int(r["counts"].get("read", 0)) for r in results)
    console.print(f"{read_rows} contacts read, {linked} linked to the voter file.")

    (rank_job,) = wait_for_jobs(driver, [enqueue_rank(driver, owner="demo")], label="Ranking")
    _check(rank_job, console)
    sample = sample_supporter(driver)
    if sample is None:
        console.print("[red]No supporter has anyone to ask.[/]")
        return DemoOutcome(None, 0)
    print_targets(driver, console, sample)
    _, total = read_targets(driver, supporter_id=sample, offset=0, limit=100)
    return DemoOutcome(sample, total)


def print_targets(driver: Driver, console: Console, supporter_id: str) -> None:
    """Print a supporter's "ask these friends" list."""
    rows, total = read_targets(driver, supporter_id=supporter_id, offset=0, limit=25)
    table = Table(title=f"Ask these friends: supporter {supporter_id} ({total})", show_lines=True)
    table.add_column("#", justify="right")
    table.add_column("Friend")
    table.add_column("How")
    table.add_column("Why")
    for row in rows:
        table.add_row(
            str(row["rank"]),
            str(row["name"]),
            str(row["channel"] or ""),
            "\n".join(row["reasons"] or []),
        )
    console.print(table)


def _check(job: dict[str, object], console: Console) -> None:
    if job["status"] != "succeeded":
        console.print(f"[red]Job {job['id']} {job['status']}: {job.get('message')}[/]")
        raise SystemExit(1)
