"""A VAN saved-list export read as voter-file rows."""

from __future__ import annotations

import pytest

from ingest.van_export import parse_export
from outreach.core.errors import FileRejected


def test_tab_separated_export_becomes_voter_rows_with_van_ids() -> None:
    rows = parse_export(
        "VANID\tLast Name\tFirst Name\tState\tZip5\tCD\tDOB\n"
        "101\tOkafor\tAda\tWI\t53703\t2\t04/01/1990\n"
        "\t\t\t\t\t\t\n"
        "102\tLee\tBo\tPA\t19104\t\t\n"
    )
    assert [(r["voter_id"], r["van_id"], r["district"], r["birth_year"]) for r in rows] == [
        ("van-101", "101", "WI-2", "1990"),
        ("van-102", "102", "", ""),
    ]
    assert rows[0]["first_name"] == "Ada" and rows[1]["zip"] == "19104"


def test_an_export_missing_a_needed_column_names_it() -> None:
    with pytest.raises(FileRejected) as refused:
        parse_export("VanID,LastName,FirstName\n1,Lee,Bo\n")
    assert refused.value.extra["errors"] == [
        {"line": 1, "field": "State", "reason": "missing from the export"}
    ]
