"""The demo: generate data, load it as real jobs through the queue, rank, print one list.

The demo is an entry point like the API and the tasks: every step is a use case.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from neo4j import Driver
from rich.console import Console
from rich.table import Table

from graph.db.schema import init_schema
from graph.jobs import JobRecord
from outreach.cli.waiting import wait_for_jobs
from outreach.core.settings import Settings
from outreach.usecases import (
    consent,
    organizer_settings,
    rerank,
    roster,
    supporter_list,
    uploads,
    voter_files,
)
from outreach.usecases.jobs import TaskQueue


@dataclass
class DemoOutcome:
    """What the demo produced: the sample supporter and how many friends they should ask."""

    supporter_id: str | None
    targets: int


def run_demo(
    driver: Driver,
    queue: TaskQueue,
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
    version, changes = organizer_settings.changed_from_defaults(driver)
    if changes:
        console.print(
            f"[yellow]Organizer settings version {version} are in force, not the defaults[/] "
            f"(changed: {', '.join(c.path for c in changes[:8])}"
            f"{', ...' if len(changes) > 8 else ''}). `outreach settings history` shows who "
            "changed what; `outreach settings set NAME=null` puts a setting back.",
            highlight=False,
        )
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
    job = voter_files.submit(driver, queue, path=manifest.voters_csv, mapping="demo", owner="demo")
    (voter_job,) = wait_for_jobs(driver, [job], label="Voter file", total=voters, count_key="read")
    _check(voter_job, console)

    count, _ = roster.load(driver, settings, path=manifest.supporters_csv)
    for sid in manifest.contact_files:
        consent.give(driver, supporter_id=sid, terms_version=consent.CURRENT_TERMS)
    console.print(
        f"{count} supporters on the roster; demo supporters have agreed to terms "
        f"{consent.CURRENT_TERMS}."
    )

    upload_jobs = [
        uploads.submit(
            driver,
            queue,
            settings,
            supporter_id=sid,
            data=Path(path).read_bytes(),
            filename=Path(path).name,
            rerank=False,
        ).job_id
        for sid, path in sorted(manifest.contact_files.items())
    ]
    results = wait_for_jobs(driver, upload_jobs, label="Contact uploads")
    for result in results:
        _check(result, console)
    linked = sum(int(r.counts.get("linked", 0)) for r in results)
    read_rows = sum(int(r.counts.get("read", 0)) for r in results)
    console.print(f"{read_rows} contacts read, {linked} linked to the voter file.")

    ranking = rerank.request(driver, queue, settings, owner="demo")
    (rank_job,) = wait_for_jobs(driver, [ranking], label="Ranking")
    _check(rank_job, console)
    sample = supporter_list.sample_supporter(driver)
    if sample is None:
        console.print("[red]No supporter has anyone to ask.[/]")
        return DemoOutcome(None, 0)
    total = print_targets(driver, settings, console, sample)
    return DemoOutcome(sample, total)


def print_targets(driver: Driver, settings: Settings, console: Console, supporter_id: str) -> int:
    """Print a supporter's "ask these friends" list; return its length."""
    page = supporter_list.ask_list(
        driver, settings, supporter_id=supporter_id, base_url=settings.public_url, limit=25
    )
    rows, total = page.items, page.total
    table = Table(title=f"Ask these friends: supporter {supporter_id} ({total})", show_lines=True)
    table.add_column("#", justify="right")
    table.add_column("Friend")
    table.add_column("How")
    table.add_column("Why")
    for row in rows:
        table.add_row(str(row.rank), str(row.name), row.channel or "", "\n".join(row.reasons))
    console.print(table)
    return total


def _check(job: JobRecord, console: Console) -> None:
    if job.status != "succeeded":
        console.print(f"[red]Job {job.id} {job.status}: {job.message}[/]")
        raise SystemExit(1)
