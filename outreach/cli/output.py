"""How the command line prints: readable counts, tables that fit the terminal, JSON for scripts.

Data goes to standard output, as a table for people or, with ``--json``, as one JSON
document for scripts. Failures go to standard error with the reason, and the command
exits non-zero. Tables never cut a value: columns wrap inside the terminal's width.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from graph.jobs import JobRecord

console = Console()
errors = Console(stderr=True)

JsonOutput = Annotated[
    bool, typer.Option("--json", help="Print JSON (for scripts) instead of text and tables")
]
SHOWN_ERRORS = 20


def emit_json(data: Any) -> None:
    """One JSON document on standard output, never wrapped or coloured."""
    sys.stdout.write(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def number(value: Any) -> str:
    """A count with thousands separators, a share to three decimals, anything else as text."""
    if isinstance(value, bool) or value is None:
        return "-" if value is None else str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".") if value else "0"
    if isinstance(value, list | tuple):
        return ", ".join(number(v) for v in value)
    return str(value)


def label(name: str) -> str:
    """A field name as a heading: ``not_interested`` -> ``not interested``."""
    return name.replace("_", " ")


def counts_text(counts: Mapping[str, Any]) -> str:
    """Counts as one readable line: ``read 4, rejected 1, written 3``."""
    return ", ".join(f"{label(k)} {number(v)}" for k, v in counts.items()) or "nothing counted"


def row_error_text(error: Mapping[str, Any]) -> str:
    """A rejected row as ``line N, field: reason`` (``line N: reason`` for a whole row)."""
    where = []
    if error.get("line"):
        where.append(f"line {error['line']}")
    if error.get("field"):
        where.append(str(error["field"]))
    reason = str(error.get("reason") or "")
    return f"{', '.join(where)}: {reason}" if where else reason


def table(title: str, rows: Sequence[Mapping[str, Any]], columns: Iterable[str] = ()) -> Table:
    """A table whose cells wrap rather than being cut."""
    names = list(columns) or (list(rows[0]) if rows else [])
    out = Table(title=title, title_justify="left", expand=False)
    for name in names:
        numeric = any(isinstance(r.get(name), int | float) for r in rows)
        out.add_column(label(name), overflow="fold", justify="right" if numeric else "left")
    for row in rows:
        out.add_row(*(number(row.get(name)) for name in names))
    return out


def column_groups(
    rows: Sequence[Mapping[str, Any]], names: list[str], width: int
) -> list[list[str]]:
    """Split columns into groups that fit ``width``, each led by the first (key) column."""
    if not names:
        return []

    def need(name: str) -> int:
        cells = [len(label(name)), *(len(number(r.get(name))) for r in rows)]
        return max(cells) + 3  # padding and a border

    key, rest = names[0], names[1:]
    budget = width - 1 - need(key)
    groups: list[list[str]] = []
    current: list[str] = []
    used = 0
    for name in rest:
        if current and used + need(name) > budget:
            groups.append(current)
            current, used = [], 0
        current.append(name)
        used += need(name)
    groups.append(current)
    return [[key, *group] for group in groups]


def print_rows(
    title: str, rows: Sequence[Mapping[str, Any]], *, as_json: bool, columns: Iterable[str] = ()
) -> None:
    """Rows as tables that fit the terminal (wide ones split by columns), or a JSON list."""
    if as_json:
        emit_json(list(rows))
        return
    if not rows:
        console.print(f"{title}: none.")
        return
    names = list(columns) or list(rows[0])
    groups = column_groups(rows, names, console.width)
    for number_, group in enumerate(groups, start=1):
        part = f" ({number_} of {len(groups)})" if len(groups) > 1 else ""
        console.print(table(f"{title}{part}", rows, group))


def print_mapping(title: str, data: Mapping[str, Any], *, as_json: bool) -> None:
    """A flat record as a two-column table (nested values as ``a.b``), or as JSON."""
    if as_json:
        emit_json(data)
        return
    out = Table(title=title, title_justify="left", show_header=False)
    out.add_column("what", overflow="fold")
    out.add_column("value", overflow="fold", justify="right")
    for key, value in _flatten(data):
        out.add_row(label(key), number(value))
    console.print(out)


def _flatten(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    flat: list[tuple[str, Any]] = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.extend(_flatten(value, f"{name}."))
        else:
            flat.append((name, value))
    return flat


def job_document(job: JobRecord) -> dict[str, Any]:
    """What a script needs of a finished job."""
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "message": job.message,
        "counts": job.counts,
        "error_count": job.error_count,
        "errors": job.errors,
    }


def print_job(job: JobRecord, *, as_json: bool = False) -> None:
    """A finished job: status, counts and rejected rows; exit 1 unless it succeeded."""
    failed = job.status != "succeeded"
    if as_json:
        emit_json(job_document(job))
    else:
        out = errors if failed else console
        headline = f"Job {job.id} ({job.kind}) {job.status}"
        out.print(f"{headline}: {job.message}" if job.message else headline, highlight=False)
        if job.counts:
            out.print(f"  {counts_text(job.counts)}", highlight=False)
        total = max(job.error_count, len(job.errors))
        if total:
            out.print(f"  {total:,} rows rejected:", highlight=False)
        for error in job.errors[:SHOWN_ERRORS]:
            out.print(f"  {row_error_text(error)}", highlight=False, markup=False)
        if total > SHOWN_ERRORS:
            out.print(f"  ... and {total - SHOWN_ERRORS:,} more (--json lists them)")
    if failed:
        raise typer.Exit(1)
