"""The command line's remote mode: ``outreach --api URL [--token T] COMMAND ...``.

The same commands an organizer runs on the server's machine, sent to a deployed server
through :mod:`outreach.client` instead of to the graph: nothing here opens a graph
connection or starts a worker. The token comes from ``--token`` or ``OUTREACH_API_TOKEN``
(make one with ``outreach token`` on the server).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from outreach.cli.admin import parse_changes
from outreach.cli.output import (
    JsonOutput,
    console,
    counts_text,
    emit_json,
    errors,
    print_mapping,
    print_rows,
    row_error_text,
)
from outreach.client import Job, JobFailed, OutreachClient

app = typer.Typer(
    help="Remote mode: the commands, sent to a deployed server's API (outreach --api URL ...).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
ingest_app = typer.Typer(help="Upload contact files.", no_args_is_help=True)
supporters_app = typer.Typer(help="Supporters: consent, lists, outcomes.", no_args_is_help=True)
settings_app = typer.Typer(help="The matcher settings organizers tune.", no_args_is_help=True)
reports_app = typer.Typer(help="Campaign reports.", no_args_is_help=True)
webhooks_app = typer.Typer(help="Webhooks: signed notices of events.", no_args_is_help=True)
van_app = typer.Typer(help="NGP VAN / EveryAction sync.", no_args_is_help=True)
app.add_typer(ingest_app, name="ingest")
app.add_typer(supporters_app, name="supporters")
app.add_typer(settings_app, name="settings")
app.add_typer(reports_app, name="report")
app.add_typer(webhooks_app, name="webhooks")
app.add_typer(van_app, name="van")


@dataclass
class Target:
    """Where remote commands go: the API's URL and the token."""

    url: str = ""
    token: str | None = None


target = Target()


def split_remote_options(argv: list[str]) -> tuple[Target | None, list[str]]:
    """Take ``--api URL`` and ``--token T`` from the front of ``argv``; None when no ``--api``."""
    found: dict[str, str] = {}
    rest = list(argv)
    while rest and rest[0].split("=", 1)[0] in ("--api", "--token"):
        name, equals, value = rest.pop(0).partition("=")
        if not equals:
            if not rest:
                raise typer.BadParameter(f"{name} needs a value")
            value = rest.pop(0)
        found[name] = value
    if "--api" not in found:
        return None, argv
    token = found.get("--token") or os.environ.get("OUTREACH_API_TOKEN")
    return Target(url=found["--api"], token=token), rest


def run(remote: Target, argv: list[str]) -> None:
    """Run the remote commands with ``argv`` against ``remote``."""
    target.url, target.token = remote.url, remote.token
    app(args=argv, prog_name="outreach --api URL")


def client() -> OutreachClient:
    """A client for the target server."""
    return OutreachClient(target.url, target.token)


def print_remote_job(job: Job, *, as_json: bool) -> None:
    """A finished job as the local commands print it; exit 1 unless it succeeded."""
    failed = job.get("status") != "succeeded"
    if as_json:
        emit_json(dict(job))
    else:
        out = errors if failed else console
        headline = f"Job {job.get('id')} ({job.get('kind')}) {job.get('status')}"
        message = job.get("message")
        out.print(f"{headline}: {message}" if message else headline, highlight=False)
        if job.get("counts"):
            out.print(f"  {counts_text(job.get('counts') or {})}", highlight=False)
        for error in (job.get("errors") or [])[:20]:
            out.print(f"  {row_error_text(error)}", highlight=False, markup=False)
    if failed:
        raise typer.Exit(1)


def _wait(api: OutreachClient, job_id: str) -> Job:
    try:
        return api.wait_for_job(job_id)
    except JobFailed as failed:
        return failed.job


@app.command()
def rank(as_json: JsonOutput = False) -> None:
    """Re-rank every supporter with the settings in force, and wait for it."""
    with client() as api:
        job = _wait(api, api.rerank()["job_id"])
    print_remote_job(job, as_json=as_json)


@app.command("job")
def job_status(job_id: str, as_json: JsonOutput = False) -> None:
    """A job's status, counts and rejected rows."""
    with client() as api:
        job = api.job(job_id)
    if as_json:
        emit_json(dict(job))
        return
    print_mapping(f"Job {job_id}", {k: v for k, v in job.items() if k != "errors"}, as_json=False)


@app.command("query")
def query(
    cypher: Annotated[str, typer.Argument(help="A read-only Cypher query")],
    limit: Annotated[int | None, typer.Option(help="At most this many rows")] = None,
    as_json: JsonOutput = False,
) -> None:
    """Run a read-only analyst query."""
    with client() as api:
        result = api.query(cypher, limit=limit)
    rows = [dict(zip(result["columns"], row, strict=False)) for row in result["rows"]]
    print_rows("Query", rows, as_json=as_json)


@ingest_app.command("contacts")
def ingest_contacts(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    supporter: Annotated[str, typer.Option(help="The uploading supporter's id")],
    as_json: JsonOutput = False,
) -> None:
    """Upload one supporter's contact file, wait for it to load and for the re-rank."""
    with client() as api:
        accepted = api.upload(supporter, path)
        job = _wait(api, accepted["job_id"])
        if accepted.get("rank_job_id") and job.get("status") == "succeeded":
            _wait(api, str(accepted["rank_job_id"]))
    print_remote_job(job, as_json=as_json)


@supporters_app.command("consent")
def supporters_consent(supporter: str, as_json: JsonOutput = False) -> None:
    """Agree to the current terms for a supporter (their own token, or an admin's)."""
    with client() as api:
        given = api.give_consent(supporter)
    if as_json:
        emit_json(dict(given))
        return
    console.print(f"{supporter} agreed to terms {given['consent_version']}.", highlight=False)


@supporters_app.command("targets")
def supporters_targets(supporter: str, as_json: JsonOutput = False) -> None:
    """Print a supporter's "ask these friends" list."""
    with client() as api:
        items = list(api.iter_targets(supporter))
    if as_json:
        emit_json({"supporter_id": supporter, "total": len(items), "items": items})
        return
    rows = [
        {"rank": i["rank"], "friend_id": i["friend_id"], "name": i.get("name"),
         "why": "; ".join(i.get("reasons") or [])}
        for i in items
    ]  # fmt: skip
    print_rows(f"Friends for {supporter} to ask", rows, as_json=False)


@supporters_app.command("outcome")
def supporters_outcome(
    supporter: str,
    friend: Annotated[str, typer.Argument(help="The friend's id on the supporter's list")],
    outcome: Annotated[str, typer.Argument(help="asked, will_vote, not_interested, ...")],
    channel: Annotated[str, typer.Option(help="call, text, in_person, social or email")] = "text",
    client_id: Annotated[str | None, typer.Option(help="Idempotency id (default: new)")] = None,
    as_json: JsonOutput = False,
) -> None:
    """Record what happened when the supporter asked a friend."""
    with client() as api:
        recorded = api.record_outcome(
            supporter, friend, outcome, channel=channel, client_id=client_id
        )
    if as_json:
        emit_json(dict(recorded))
        return
    said = "was already recorded" if recorded["duplicate"] else "recorded"
    console.print(f"Outcome {recorded['id']} {said}.", highlight=False)


@settings_app.command("show")
def settings_show(as_json: JsonOutput = False) -> None:
    """Print the matcher settings in force and their version."""
    with client() as api:
        now = api.settings()
    if as_json:
        emit_json(dict(now))
        return
    print_mapping(f"Matcher settings, version {now['version']}", now["settings"], as_json=False)


@settings_app.command("set")
def settings_set(
    changes: Annotated[list[str], typer.Argument(help="NAME=VALUE (JSON), e.g. k=2")],
    rerank: Annotated[bool, typer.Option(help="Start a re-rank with the new settings")] = False,
    as_json: JsonOutput = False,
) -> None:
    """Change some settings, keeping the rest (validated, stored as a new version)."""
    with client() as api:
        now = api.change_settings(parse_changes(changes), rerank=rerank)
    if as_json:
        emit_json(dict(now))
        return
    if now.get("changed"):
        console.print(f"Stored as version {now['version']}.")
    else:
        console.print(f"Nothing changed: version {now['version']} is still in force.")
    if now.get("rank_job_id"):
        console.print(f"Re-rank started: job {now['rank_job_id']}.", highlight=False)


@settings_app.command("history")
def settings_history(as_json: JsonOutput = False) -> None:
    """Every version of the settings, newest first."""
    with client() as api:
        revisions = api.settings_history()
    rows = [
        {"version": r["version"], "author": r.get("author"),
         "when": str(r.get("created_at") or "")[:19].replace("T", " "),
         "changes": "; ".join(c["path"] for c in r.get("changes") or []) or "-"}
        for r in revisions
    ]  # fmt: skip
    print_rows("Settings history", revisions if as_json else rows, as_json=as_json)


def _print_report(title: str, report: Mapping[str, Any], *, as_json: bool) -> None:
    if as_json:
        emit_json(dict(report))
        return
    items = report.get("items")
    if isinstance(items, list):
        print_rows(title, items, as_json=False)
    else:
        print_mapping(title, report, as_json=False)


@reports_app.command("expected-votes")
def report_expected_votes(as_json: JsonOutput = False) -> None:
    """The expected net votes from every assigned ask."""
    with client() as api:
        report = api.expected_votes()
    _print_report("Expected votes", report, as_json=as_json)


@reports_app.command("reach")
def report_reach(as_json: JsonOutput = False) -> None:
    """Reach by target state."""
    with client() as api:
        _print_report("Reach by state", api.report("reach-by-state"), as_json=as_json)


@reports_app.command("funnel")
def report_funnel(as_json: JsonOutput = False) -> None:
    """The outcome funnel."""
    with client() as api:
        _print_report("Outcome funnel", api.report("funnel"), as_json=as_json)


@reports_app.command("lift")
def report_lift(as_json: JsonOutput = False) -> None:
    """Lift against the holdout."""
    with client() as api:
        _print_report("Lift against the holdout", api.report("lift"), as_json=as_json)


@webhooks_app.command("list")
def webhooks_list(as_json: JsonOutput = False) -> None:
    """The registered webhooks, their state and why any is disabled."""
    with client() as api:
        hooks = api.webhooks()
    rows = [
        {"id": h["id"], "url": h["url"], "events": ", ".join(h["events"]),
         "active": h["active"], "disabled_reason": h.get("disabled_reason")}
        for h in hooks
    ]  # fmt: skip
    print_rows("Webhooks", hooks if as_json else rows, as_json=as_json)


@webhooks_app.command("add")
def webhooks_add(
    url: str,
    event: Annotated[list[str], typer.Option(help="An event to send (repeat for more)")],
    as_json: JsonOutput = False,
) -> None:
    """Register a URL for events; prints the signing secret once."""
    with client() as api:
        hook = api.add_webhook(url, event)
    if as_json:
        emit_json(hook)
        return
    console.print(f"Webhook {hook['id']} registered.", highlight=False)
    console.print(f"Signing secret (shown once): {hook['secret']}", highlight=False)


@van_app.command("push")
def van_push(as_json: JsonOutput = False) -> None:
    """Push recorded outcomes to VAN and wait; prints what was sent, failed, left out."""
    with client() as api:
        job = _wait(api, api.van_push()["job_id"])
    print_remote_job(job, as_json=as_json)


@van_app.command("pull")
def van_pull(
    saved_list: Annotated[int, typer.Argument(help="The VAN saved list id")],
    as_json: JsonOutput = False,
) -> None:
    """Export a VAN saved list and load it as a voter file; wait for it."""
    with client() as api:
        job = _wait(api, api.van_pull(saved_list)["job_id"])
    print_remote_job(job, as_json=as_json)


@van_app.command("status")
def van_status(
    status: Annotated[str | None, typer.Option(help="Only pending, sent or failed")] = None,
    as_json: JsonOutput = False,
) -> None:
    """Pushed outcomes per state, and the latest with why any failed."""
    with client() as api:
        state = api.van_sync(status)
    if as_json:
        emit_json(state)
        return
    print_mapping("VAN sync", state["counts"], as_json=False)
    print_rows("Latest records", state["items"], as_json=False)
