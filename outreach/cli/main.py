"""The ``outreach`` command line: demo, graph server and schema, ingest, rank, API, worker."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from outreach.cli import remote
from outreach.cli.admin import reports_app, settings_app, supporters_app, users_app
from outreach.cli.demo import run_demo
from outreach.cli.link import link
from outreach.cli.output import JsonOutput, emit_json, errors, print_job, row_error_text
from outreach.cli.support import embedded_worker, graph_session, job_queue
from outreach.cli.waiting import wait_for_jobs
from outreach.core.errors import OutreachError
from outreach.core.logs import configure_logging
from outreach.core.settings import get_settings
from outreach.usecases import accounts, rerank, uploads, voter_files

app = typer.Typer(
    help="Relational outreach engine: ask the right friends.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
graph_app = typer.Typer(help="The graph database: local server and schema.", no_args_is_help=True)
ingest_app = typer.Typer(help="Load voter files and contact uploads.", no_args_is_help=True)
app.add_typer(graph_app, name="graph")
app.add_typer(ingest_app, name="ingest")
app.add_typer(users_app, name="user")
app.add_typer(supporters_app, name="supporters")
app.add_typer(settings_app, name="settings")
app.add_typer(reports_app, name="report")
app.command("link")(link)
console = Console()


@app.command()
def demo(
    seed: Annotated[int, typer.Option(help="Seed for the demo data")] = 7,
    voters: Annotated[int, typer.Option(help="Voters in the demo voter file")] = 20_000,
    supporters: Annotated[int, typer.Option(help="Supporters who upload contacts")] = 40,
    contacts_mean: Annotated[int, typer.Option(help="Mean contacts per supporter")] = 120,
    formats: Annotated[
        str, typer.Option(help="Upload formats to rotate: csv,vcf,google,json")
    ] = "csv",
    exit_after: Annotated[
        bool, typer.Option("--exit", help="Exit after printing the list")
    ] = False,
    port: Annotated[
        int | None, typer.Option(help="API port (default: OUTREACH_API_PORT, else 8000)")
    ] = None,
) -> None:
    """Start everything locally, load demo data as real jobs, rank, print a list, serve the API."""
    settings = get_settings()
    configure_logging("WARNING")
    console.print("[bold]Starting the local graph server and a worker[/] ...")
    with graph_session() as driver, embedded_worker():
        outcome = run_demo(
            driver,
            job_queue(),
            settings,
            console,
            seed=seed,
            voters=voters,
            supporters=supporters,
            contacts_mean=contacts_mean,
            formats=tuple(f.strip() for f in formats.split(",")),
        )
        if outcome.supporter_id is None:
            raise typer.Exit(1)
        api_port = port or settings.api_port
        if exit_after:
            console.print(
                "\nThe demo data stays in the graph. Serve the API on it with "
                f"`outreach api --port {api_port}`, and get a token with "
                f"`outreach token --subject {outcome.supporter_id}`.",
                highlight=False,
            )
            link = accounts.signin_link(
                driver,
                settings,
                subject=outcome.supporter_id,
                role="supporter",
                base_url=f"http://{settings.api_host}:{api_port}",
            )
            console.print("The sample supporter's page, once the API is served:", highlight=False)
            console.print(link, soft_wrap=True, highlight=False)
            return
        token = accounts.token(driver, settings, subject=outcome.supporter_id, role="supporter")
        url = f"http://{settings.api_host}:{api_port}"
        console.print(f"\nAPI: {url}  (docs at {url}/docs)")
        console.print("The sample supporter's page (open it on a phone or in a browser):")
        link = accounts.signin_link(
            driver, settings, subject=outcome.supporter_id, role="supporter", base_url=url
        )
        console.print(link, soft_wrap=True, highlight=False)
        console.print(
            "An organizer's page: "
            + accounts.signin_link(
                driver, settings, subject="demo-organizer", role="organizer", base_url=url
            ),
            soft_wrap=True,
            highlight=False,
        )
        console.print(
            "An analyst's page: "
            + accounts.signin_link(
                driver, settings, subject="demo-analyst", role="analyst", base_url=url
            ),
            soft_wrap=True,
            highlight=False,
        )
        console.print("Try it (this token is the sample supporter's own):", soft_wrap=True)
        console.print(
            f"curl -H 'Authorization: Bearer {token}' "
            f"{url}/supporters/{outcome.supporter_id}/targets",
            soft_wrap=True,
            highlight=False,
        )
        _serve_api(settings.api_host, api_port)


def _serve_api(host: str, port: int) -> None:
    import uvicorn

    console.print("Serving the API until Ctrl-C.")
    uvicorn.run("api.app:app", host=host, port=port, log_level="warning")


@graph_app.command("serve")
def graph_serve() -> None:
    """Run the local Bolt server (ArcadeDB) in the foreground until Ctrl-C."""
    from graph.db.local_server import answers_queries, serve_forever

    settings = get_settings()
    if answers_queries(settings):
        console.print(f"A local graph server already answers on port {settings.local_bolt_port}.")
        return
    configure_logging(settings.log_level, settings.default_region)
    console.print(
        f"Local graph server on bolt://127.0.0.1:{settings.local_bolt_port}; Ctrl-C stops it."
    )
    serve_forever(settings)


@graph_app.command("init")
def graph_init(as_json: JsonOutput = False) -> None:
    """Create the constraints and indexes that are missing (safe to run again)."""
    from graph.db.schema import init_schema

    with graph_session() as driver:
        report = init_schema(driver)
    if as_json:
        emit_json(
            {
                "constraints": report.constraints,
                "indexes": report.indexes,
                "created": report.created,
            }
        )
        return
    console.print(
        f"{report.constraints} constraints, {report.indexes} indexes; {report.created} created now."
    )


@ingest_app.command("voters")
def ingest_voters_cmd(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    mapping: Annotated[
        str, typer.Option(help="Column mapping: a shipped name or a YAML path")
    ] = "demo",
    as_json: JsonOutput = False,
) -> None:
    """Load a voter file through the job queue, with a progress bar."""
    with graph_session() as driver, embedded_worker():
        job = voter_files.submit(driver, job_queue(), path=path, mapping=mapping)
        (result,) = wait_for_jobs(
            driver,
            [job],
            label="Voter file",
            count_key="read",
            total=sum(1 for _ in path.open("rb")) - 1,
            quiet=as_json,
        )
    print_job(result, as_json=as_json)


@ingest_app.command("history")
def ingest_history_cmd(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    mapping: Annotated[
        str, typer.Option(help="History mapping: nc_ncvhis, fl_voter_history or a YAML path")
    ],
    as_json: JsonOutput = False,
) -> None:
    """Load a vote-history file (after the state's voter file): turnout from real history."""
    with graph_session() as driver, embedded_worker():
        job = voter_files.submit_history(driver, job_queue(), path=path, mapping=mapping)
        (result,) = wait_for_jobs(driver, [job], label="Vote history", quiet=as_json)
    print_job(result, as_json=as_json)


@ingest_app.command("contacts")
def ingest_contacts_cmd(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    supporter: Annotated[str, typer.Option(help="The uploading supporter's id")],
    as_json: JsonOutput = False,
) -> None:
    """Load one supporter's contact file (they must have agreed to the terms), then re-rank."""
    with graph_session() as driver, embedded_worker():
        submitted = uploads.submit(
            driver,
            job_queue(),
            get_settings(),
            supporter_id=supporter,
            data=path.read_bytes(),
            filename=path.name,
        )
        (result,) = wait_for_jobs(driver, [submitted.job_id], label="Contacts", quiet=as_json)
        if submitted.rank_job_id and result.status == "succeeded":
            wait_for_jobs(driver, [submitted.rank_job_id], label="Ranking", quiet=as_json)
    print_job(result, as_json=as_json)


@app.command()
def rank(
    supporter: Annotated[
        list[str] | None, typer.Option(help="Only these supporters (and competitors)")
    ] = None,
    as_json: JsonOutput = False,
) -> None:
    """Re-rank everyone, or the given supporters, through the job queue."""
    with graph_session() as driver, embedded_worker():
        job = rerank.request(driver, job_queue(), get_settings(), supporter_ids=supporter or None)
        (result,) = wait_for_jobs(driver, [job], label="Ranking", quiet=as_json)
    print_job(result, as_json=as_json)


@app.command()
def api(
    host: Annotated[
        str | None, typer.Option(help="Address to bind (default: OUTREACH_API_HOST, 127.0.0.1)")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port (default: OUTREACH_API_PORT, else 8000)")
    ] = None,
) -> None:
    """Serve the HTTP API (starting the local graph server if no URI is set)."""
    settings = get_settings()
    from graph.db.local_server import ensure_running

    server = ensure_running(settings)
    try:
        _serve_api(host or settings.api_host, port or settings.api_port)
    finally:
        server.stop()


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(help="Worker processes")] = 2,
) -> None:
    """Run a Celery worker in the foreground."""
    from workers.app import app as celery_app

    celery_app.worker_main(
        [
            "worker",
            "--concurrency",
            str(concurrency),
            "--queues",
            "uploads,outreach",
            "--loglevel",
            "INFO",
        ]
    )


@app.command("signin-link")
def signin_link(
    subject: Annotated[str, typer.Argument(help="Supporter id, or a staff user id")],
    role: Annotated[str, typer.Option(help="supporter, organizer or analyst")] = "supporter",
    base_url: Annotated[
        str | None, typer.Option(help="Where people reach the API (default: settings)")
    ] = None,
) -> None:
    """Print a link that opens the role's page signed in (send it to the person privately)."""
    accounts.check_role(role)
    with graph_session() as driver:
        link = accounts.signin_link(
            driver, get_settings(), subject=subject, role=role, base_url=base_url or ""
        )
    print(link)


@app.command()
def token(
    subject: Annotated[str, typer.Option(help="Supporter id, or a staff user id")],
    role: Annotated[str, typer.Option(help="supporter, organizer, analyst or admin")] = "supporter",
) -> None:
    """Print a signed API token: the bare token on one line, ready for ``TOKEN=$(...)``."""
    accounts.check_role(role)
    with graph_session() as driver:
        signed = accounts.token(driver, get_settings(), subject=subject, role=role)
    if sys.stdout.isatty():
        errors.print(f"A {role} token for {subject}:", highlight=False)
    sys.stdout.write(signed + "\n")


@app.callback()
def _global_options(
    api_url: Annotated[
        str | None,
        typer.Option(
            "--api",
            help="Send the command to a deployed server's API (URL) instead of the local "
            "graph; put it first: outreach --api URL [--token T] COMMAND",
        ),
    ] = None,
    api_token: Annotated[
        str | None,
        typer.Option("--token", help="The API token for --api (or OUTREACH_API_TOKEN)"),
    ] = None,
) -> None:
    """Relational outreach engine: ask the right friends."""
    if api_url is not None or api_token is not None:
        raise typer.BadParameter("--api and --token go first: outreach --api URL COMMAND ...")


def main() -> None:
    """Entry point of the ``outreach`` command: our errors print as one clear message."""
    try:
        remote_target, argv = remote.split_remote_options(sys.argv[1:])
        if remote_target is not None:
            remote.run(remote_target, argv)
            return
        app()
    except OutreachError as exc:
        errors.print(f"[red]{exc.title}:[/] {exc.detail}", highlight=False)
        for error in exc.extra.get("errors", [])[:20]:
            errors.print(f"  {row_error_text(error)}", highlight=False, markup=False)
        raise SystemExit(1) from None
