"""Command-line mirrors of the API's main operations: users, supporters, settings, reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from outreach.cli.demo import print_targets
from outreach.cli.support import graph_session
from outreach.core.settings import get_settings
from outreach.usecases import (
    accounts,
    consent,
    deletion,
    organizer_settings,
    reports,
    roster,
)

users_app = typer.Typer(help="Accounts and API tokens.", no_args_is_help=True)
supporters_app = typer.Typer(
    help="Supporters: roster, consent, lists, deletion.", no_args_is_help=True
)
settings_app = typer.Typer(help="The matcher settings organizers tune.", no_args_is_help=True)
reports_app = typer.Typer(help="Campaign reports.", no_args_is_help=True)
console = Console()


@users_app.command("create")
def user_create(
    user_id: Annotated[
        str, typer.Option("--id", help="Account id (a supporter's id for supporters)")
    ],
    role: Annotated[str, typer.Option(help="supporter, organizer, analyst or admin")],
    name: Annotated[str | None, typer.Option(help="Display name")] = None,
) -> None:
    """Create an account and print its API token once (tokens are signed, not stored)."""
    accounts.check_role(role)
    with graph_session() as driver:
        token = accounts.create(driver, get_settings(), user_id=user_id, role=role, name=name)
    console.print(f"Account {user_id} ({role}). Its token, shown only now:")
    print(token)


@users_app.command("list")
def user_list() -> None:
    """List accounts and their roles."""
    with graph_session() as driver:
        rows = accounts.accounts(driver)
    _table("Accounts", rows)


@supporters_app.command("load")
def supporters_load(path: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Load a roster CSV (supporter_id, first_name, last_name, state, voter_id)."""
    with graph_session() as driver:
        count, rejected = roster.load(driver, get_settings(), path=path)
    console.print(f"{count} supporters loaded, {len(rejected)} rows rejected.")
    for error in rejected[:20]:
        console.print(f"  line {error.line}, {error.field}: {error.reason}")


@supporters_app.command("consent")
def supporters_consent(supporter: str) -> None:
    """Record that a supporter agreed to the current terms (for consent taken offline)."""
    with graph_session() as driver:
        given = consent.give(driver, supporter_id=supporter, terms_version=consent.CURRENT_TERMS)
    console.print(f"{supporter} agreed to terms {given.version}.")


@supporters_app.command("targets")
def supporters_targets(supporter: str) -> None:
    """Print a supporter's "ask these friends" list."""
    with graph_session() as driver:
        print_targets(driver, get_settings(), console, supporter)


@supporters_app.command("delete")
def supporters_delete(
    supporter: str, yes: Annotated[bool, typer.Option("--yes", help="Do not ask")] = False
) -> None:
    """Delete a supporter's data: uploads, links, and friends nobody else knows."""
    if not yes:
        typer.confirm(f"Delete everything {supporter} uploaded?", abort=True)
    with graph_session() as driver:
        counts = deletion.delete_supporter_data(driver, get_settings(), supporter_id=supporter)
    console.print(counts)


@settings_app.command("show")
def settings_show() -> None:
    """Print the matcher settings in force and their version."""
    with graph_session() as driver:
        now = organizer_settings.current(driver)
    console.print(f"version {now.version}")
    console.print_json(now.settings.model_dump_json())


@settings_app.command("set")
def settings_set(
    changes: Annotated[
        list[str], typer.Argument(help="name=JSON value, e.g. k=2 'targets=[\"WI\"]'")
    ],
    author: Annotated[str, typer.Option(help="Who makes the change")] = "cli",
) -> None:
    """Change settings (validated) and store them as a new version."""
    parsed: dict[str, Any] = {}
    for change in changes:
        name, _, raw = change.partition("=")
        try:
            parsed[name] = json.loads(raw)
        except json.JSONDecodeError:
            parsed[name] = raw
    with graph_session() as driver:
        changed = organizer_settings.change(driver, changes=parsed, author=author)
    console.print(f"Stored as version {changed.version}. Run `outreach rank` to apply it.")


@reports_app.command("reach")
def report_reach() -> None:
    """Reach by target state: reachable, assigned, asked, outcomes."""
    with graph_session() as driver:
        rows = reports.reach(driver)
    _table("Reach by state", rows)


@reports_app.command("funnel")
def report_funnel() -> None:
    """The outcome funnel."""
    with graph_session() as driver:
        console.print_json(json.dumps(reports.funnel(driver), default=str))


@reports_app.command("lift")
def report_lift() -> None:
    """Lift against the holdout, with a confidence interval."""
    with graph_session() as driver:
        console.print_json(json.dumps(reports.lift(driver), default=str))


def _table(title: str, rows: list[dict[str, Any]]) -> None:
    table = Table(title=title)
    for column in rows[0] if rows else []:
        table.add_column(str(column))
    for row in rows:
        table.add_row(*(str(v) for v in row.values()))
    console.print(table)
