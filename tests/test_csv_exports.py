"""Every CSV the project writes from others' data is safe to open in a spreadsheet.

API exports go through ``api/csv_export.py`` (tested over HTTP in
``tests/api/test_analytics_api.py``); ``outreach link`` and ``outreach dedupe`` write ids
and column names taken from the files they read, which are checked here.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from api.csv_export import records_to_csv
from ingest.file_linkage import dedupe_file
from outreach.cli.link import _write_rejected
from outreach.core.errors import RowError
from outreach.core.spreadsheet import FORMULA_PREFIXES, neutralize

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = ['=HYPERLINK("http://evil.invalid","x")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


def cells(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_no_cell_starts_like_a_formula() -> None:
    for text in HOSTILE:
        assert neutralize(text) == "'" + text
    assert neutralize("Ann Lee") == "Ann Lee"
    out = records_to_csv(["a", "b"], [{"a": HOSTILE[0], "b": -3}])
    assert out.splitlines()[1] == '"\'=HYPERLINK(""http://evil.invalid"",""x"")",-3'


def test_api_csv_is_written_only_by_csv_export() -> None:
    """No route writes CSV itself, so none can skip the defusing."""
    for path in (ROOT / "api").rglob("*.py"):
        if path.name == "csv_export.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*import csv\b|csv\.writer|csv\.DictWriter", text, re.M), path
        assert 'media_type="text/csv' not in text, path


def test_dedupe_output_defuses_ids_taken_from_the_file(tmp_path: Path) -> None:
    people = [
        ("Ann", "Lee", "608-261-7001", "ann.lee@example.org"),
        ("Bob", "Roe", "608-261-7002", "bob.roe@example.org"),
        ("Cyd", "Poe", "608-261-7003", "cyd.poe@example.org"),
    ]
    rows = []
    for n, (first, last, phone, email) in enumerate(people):
        for copy, prefix in enumerate(("=", "@")):
            rows.append([f"{prefix}ID{n}{copy}", first, last, phone, email, "Madison", "WI"])
    source = tmp_path / "people.csv"
    with source.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "first_name", "last_name", "phone", "email", "city", "state"])
        writer.writerows(rows)
    out = tmp_path / "pairs.csv"
    report = dedupe_file(source, None, out, id_column="id")
    assert report.linked >= 3
    written = cells(out)[1:]
    ids = [cell for row in written for cell in (row[0], row[1], row[4]) if cell]
    assert ids, written
    assert all(cell.startswith("'") and not cell.startswith(FORMULA_PREFIXES) for cell in ids)


def test_rejected_rows_file_defuses_column_names(tmp_path: Path) -> None:
    path = _write_rejected(
        tmp_path / "out.rejected.csv",
        left=[RowError(2, "=cmd|' /C calc'!A0", "row has no name")],
        right=[RowError(3, None, "-reason")],
    )
    written = cells(path)
    assert written[1] == ["left", "2", "'=cmd|' /C calc'!A0", "row has no name"]
    assert written[2] == ["right", "3", "", "'-reason"]
