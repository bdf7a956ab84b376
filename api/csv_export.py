"""CSV export for reports and analyst queries, safe to open in a spreadsheet.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
could run as a formula in Excel, LibreOffice or Google Sheets; it gets a leading
``'`` so that it shows as text (OWASP, "CSV Injection"). Numbers stay numbers:
only text is neutralized, so ``-3`` from a count stays ``-3`` while the text
``"-3"`` becomes ``'-3``. Nested values (lists, maps, nodes) are written as JSON.
(``outreach/core/spreadsheet.py`` holds the rule, shared with the command line's CSVs.)
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from fastapi import Response

from outreach.core.spreadsheet import neutralize

MEDIA_TYPE: Final = "text/csv; charset=utf-8"


def cell(value: Any) -> str:
    """One value as CSV cell text: empty for null, JSON for nested values, formulas defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return neutralize(value)
    return neutralize(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str))


def to_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A header line and one line per row (RFC 4180: CRLF line ends, quoted as needed)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralize(c) for c in columns])
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return buffer.getvalue()


def records_to_csv(columns: Sequence[str], records: Iterable[Mapping[str, Any]]) -> str:
    """Like ``to_csv`` for rows given as mappings; missing keys are empty cells."""
    return to_csv(columns, ([r.get(c) for c in columns] for r in records))


def csv_response(name: str, text: str, *, headers: Mapping[str, str] | None = None) -> Response:
    """A ``text/csv`` download called ``name``.csv."""
    all_headers = {"Content-Disposition": f'attachment; filename="{name}.csv"'}
    all_headers.update(headers or {})
    return Response(content=text, media_type=MEDIA_TYPE, headers=all_headers)
