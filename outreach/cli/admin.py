"""Command-line mirrors of the API's main operations: users, supporters, settings, reports."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from outreach.cli.demo import print_targets
from outreach.cli.output import (
    JsonOutput,
    console,
    emit_json,
    errors,
    print_mapping,
    print_rows,
    row_error_text,
)
from outreach.cli.support import graph_session
from outreach.core.errors import InvalidInput, RowError
from outreach.core.settings import get_settings
from outreach.usecases import (
    accounts,
    consent,
    deletion,
    organizer_settings,
    reports,
    roster,
    supporter_list,
)

users_app = typer.Typer(help="Accounts and API tokens.", no_args_is_help=True)
supporters_app = typer.Typer(
    help="Supporters: roster, consent, lists, deletion.", no_args_is_help=True
)
settings_app = typer.Typer(help="The matcher settings organizers tune.", no_args_is_help=True)
reports_app = typer.Typer(help="Campaign reports.", no_args_is_help=True)
Geos = Annotated[
    list[str] | None,
    typer.Option("--geo", help="A state (PA) or district (NE-2); repeat for several"),
]


@users_app.command("create")
def user_create(
    user_id: Annotated[
        str, typer.Option("--id", help="Account id (a supporter's id for supporters)")
    ],
    role: Annotated[str, typer.Option(help="supporter, organizer, analyst or admin")],
    name: Annotated[str | None, typer.Option(help="Display name")] = None,
    as_json: JsonOutput = False,
) -> None:
    """Create an account and print its API token once (tokens are signed, not stored)."""
    accounts.check_role(role)
    with graph_session() as driver:
        token = accounts.create(driver, get_settings(), user_id=user_id, role=role, name=name)
    if as_json:
        emit_json({"id": user_id, "role": role, "token": token})
        return
    errors.print(f"Account {user_id} ({role}). Its token, shown only now:", highlight=False)
    sys.stdout.write(token + "\n")


@users_app.command("list")
def user_list(as_json: JsonOutput = False) -> None:
    """List accounts and their roles."""
    with graph_session() as driver:
        rows = accounts.accounts(driver)
    print_rows("Accounts", rows, as_json=as_json)


@supporters_app.command("load")
def supporters_load(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    as_json: JsonOutput = False,
) -> None:
    """Load a roster CSV (supporter_id, first_name, last_name, state, voter_id)."""
    with graph_session() as driver:
        count, rejected = roster.load(driver, get_settings(), path=path)
    if as_json:
        emit_json({"loaded": count, "rejected": [e.as_dict() for e in rejected]})
    else:
        console.print(f"{count:,} supporters loaded, {len(rejected):,} rows rejected.")
        for error in rejected[:20]:
            console.print(f"  {row_error_text(error.as_dict())}", highlight=False, markup=False)
    if count == 0 and rejected:
        raise typer.Exit(1)


@supporters_app.command("consent")
def supporters_consent(
    supporter: Annotated[str, typer.Argument(help="A supporter on the roster")],
    as_json: JsonOutput = False,
) -> None:
    """Record that a supporter on the roster agreed to the current terms (consent taken offline)."""
    with graph_session() as driver:
        given = consent.give_offline(driver, supporter_id=supporter)
    if as_json:
        emit_json(asdict(given))
        return
    console.print(f"{supporter} agreed to terms {given.version}.", highlight=False)


@supporters_app.command("targets")
def supporters_targets(supporter: str, as_json: JsonOutput = False) -> None:
    """Print a supporter's "ask these friends" list."""
    settings = get_settings()
    with graph_session() as driver:
        consent.known(driver, supporter)
        if as_json:
            page = supporter_list.ask_list(
                driver, settings, supporter_id=supporter, base_url=settings.public_url, limit=100
            )
            items = [asdict(a) for a in page.items]
            emit_json({"supporter_id": supporter, "total": page.total, "items": items})
            return
        print_targets(driver, settings, console, supporter)


@supporters_app.command("delete")
def supporters_delete(
    supporter: str,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask")] = False,
    as_json: JsonOutput = False,
) -> None:
    """Delete a supporter's data: uploads, links, and friends nobody else knows."""
    with graph_session() as driver:
        consent.known(driver, supporter)
        if not yes:
            typer.confirm(f"Delete everything {supporter} uploaded?", abort=True)
        counts = deletion.delete_supporter_data(driver, get_settings(), supporter_id=supporter)
    print_mapping(f"Deleted for {supporter}", counts, as_json=as_json)


@settings_app.command("show")
def settings_show(as_json: JsonOutput = False) -> None:
    """Print the matcher settings in force and their version."""
    with graph_session() as driver:
        now = organizer_settings.current(driver)
    if as_json:
        emit_json(_settings_document(now))
        return
    print_mapping(
        f"Matcher settings, version {now.version}",
        now.settings.model_dump(mode="json"),
        as_json=False,
    )
    _say_rerank(now)


def parse_changes(changes: list[str]) -> dict[str, Any]:
    """``NAME=VALUE`` pairs as a merge patch: ``weights.WI=0.8`` -> ``{"weights": {"WI": 0.8}}``.

    A value is read as JSON when it parses (``2``, ``["WI"]``, ``null``), else as text.
    """
    patch: dict[str, Any] = {}
    problems: list[RowError] = []
    for number, change in enumerate(changes, start=1):
        name, equals, raw = change.partition("=")
        path = [part.strip() for part in name.split(".")]
        if not equals or not all(path):
            problems.append(
                RowError(
                    line=None,
                    field=name.strip() or f"change {number}",
                    reason=f"write each change as NAME=VALUE, e.g. k=2 or weights.WI=0.8, "
                    f"not {change!r}",
                )
            )
            continue
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        node = patch
        for part in path[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[path[-1]] = value
    if problems:
        raise InvalidInput("cannot read the settings to change", problems)
    return patch


@settings_app.command("set")
def settings_set(
    changes: Annotated[
        list[str],
        typer.Argument(
            help='NAME=VALUE (JSON), e.g. k=2 weights.WI=0.8 \'targets=["WI","PA"]\' n=null'
        ),
    ],
    author: Annotated[str, typer.Option(help="Who makes the change")] = "cli",
    as_json: JsonOutput = False,
) -> None:
    """Change some settings, keeping the rest (validated, stored as a new version).

    Objects merge member by member (JSON merge patch, RFC 7396): ``weights.WI=0.8`` changes
    one weight; ``NAME=null`` puts a setting back to its default.
    """
    patch = parse_changes(changes)
    with graph_session() as driver:
        before = organizer_settings.current(driver)
        changed = organizer_settings.change(driver, changes=patch, author=author)
    if as_json:
        emit_json(_settings_document(changed))
        return
    if not changed.changed:
        console.print(f"Nothing changed: version {changed.version} is still in force.")
    else:
        console.print(f"Stored as version {changed.version}.")
        old, new = before.settings.model_dump(mode="json"), changed.settings.model_dump(mode="json")
        for change in organizer_settings.diff(old, new):
            console.print(
                f"  {change.path}: {_json(change.before)} -> {_json(change.after)}", highlight=False
            )
    _say_rerank(changed)


@settings_app.command("history")
def settings_history(as_json: JsonOutput = False) -> None:
    """Every version of the settings, newest first, with who changed what."""
    with graph_session() as driver:
        revisions = organizer_settings.history(driver)
    if as_json:
        emit_json([asdict(r) for r in revisions])
        return
    rows = [
        {
            "version": r.version,
            "author": r.author,
            "when": (r.created_at or "")[:19].replace("T", " "),
            "changes": "first version"
            if r.patch is None
            else "; ".join(f"{c.path}: {_json(c.before)} -> {_json(c.after)}" for c in r.changes)
            or "none",
        }
        for r in revisions
    ]
    print_rows("Settings history", rows, as_json=False)


def _json(value: Any) -> str:
    return "(default)" if value is None else json.dumps(value)


def _settings_document(now: organizer_settings.Versioned) -> dict[str, Any]:
    return {
        "version": now.version,
        "changed": now.changed,
        "rerank_needed": now.rerank_needed,
        "ranked_with": now.ranked_with,
        "settings": now.settings.model_dump(mode="json"),
    }


def _say_rerank(now: organizer_settings.Versioned) -> None:
    if now.rerank_needed:
        console.print(
            f"The rankings were made with other settings (versions "
            f"{', '.join(map(str, now.ranked_with)) or 'none'}): run `outreach rank` to apply "
            f"version {now.version}."
        )


@reports_app.command("reach")
def report_reach(geo: Geos = None, as_json: JsonOutput = False) -> None:
    """Reach by target state: reachable, held out, assigned, asked, replies."""
    with graph_session() as driver:
        rows = reports.reach(driver, geos=geo)
    print_rows("Reach by state", rows, as_json=as_json)


@reports_app.command("bridges")
def report_bridges(
    geo: Geos = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Supporters listed")] = 50,
    as_json: JsonOutput = False,
) -> None:
    """Supporters who reach the most friends in the target states (ids only)."""
    with graph_session() as driver:
        rows = reports.bridges(driver, geos=geo, limit=limit)
    print_rows("Bridge supporters", rows, as_json=as_json)


@reports_app.command("funnel")
def report_funnel(geo: Geos = None, as_json: JsonOutput = False) -> None:
    """The outcome funnel: assigned, asked, and the latest reply of each friend asked."""
    with graph_session() as driver:
        totals = reports.funnel(driver, geos=geo)
    print_mapping("Outcome funnel (friends)", totals, as_json=as_json)


@reports_app.command("lift")
def report_lift(geo: Geos = None, as_json: JsonOutput = False) -> None:
    """Lift against the holdout, with a confidence interval."""
    with graph_session() as driver:
        report = reports.lift(driver, geos=geo)
    if as_json:
        emit_json(report)
        return
    note = report.pop("note", None)
    print_mapping("Lift against the holdout", report, as_json=False)
    if note:
        console.print(note, highlight=False)
