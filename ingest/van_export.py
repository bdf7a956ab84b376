"""NGP VAN saved-list exports read as voter files.

An export job's file (CSV or tab-separated, VAN's column headers, which vary with the
export type) is rewritten in the voter-file columns the ``demo`` mapping reads, with
voter ids ``van-<VanID>`` so they never meet a state file's ids, and the VAN id kept.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from outreach.core.errors import FileRejected, RowError

# What a saved-list export names each field (VAN's column headers), to our voter columns.
EXPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "van_id": ("VanID", "VANID", "Voter File VANID", "vanid"),
    "first_name": ("FirstName", "First Name"),
    "middle_name": ("MiddleName", "Middle Name"),
    "last_name": ("LastName", "Last Name"),
    "suffix": ("Suffix",),
    "address": ("Address", "StreetAddress", "Street Address"),
    "city": ("City",),
    "state": ("State", "StateOrProvince", "StateProvince"),
    "zip": ("Zip5", "ZipOrPostal", "Zip", "Zip/Postal"),
    "phone": ("Phone", "PreferredPhone", "Cell Phone", "HomePhone"),
    "email": ("Email", "PreferredEmail"),
    "birth_year": ("BirthYear",),
    "dob": ("DOB", "DateOfBirth"),
    "district": ("CD", "CongressionalDistrict"),
}
VOTER_COLUMNS = ["voter_id", "first_name", "middle_name", "last_name", "suffix", "birth_year",
                 "address", "city", "zip", "state", "district", "phone", "email"]  # fmt: skip


def _column(header: list[str], names: tuple[str, ...]) -> str | None:
    lowered = {h.strip().lower(): h for h in header}
    for name in names:
        if name.lower() in lowered:
            return lowered[name.lower()]
    return None


def export_rows(text: Iterator[str]) -> Iterator[dict[str, str]]:
    """A VAN export (CSV or tab-separated) as rows of our voter columns plus ``van_id``."""
    first = next(text, "")
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(_chain(first, text), delimiter=delimiter)
    header = next(reader, [])
    where = {ours: _column(header, theirs) for ours, theirs in EXPORT_COLUMNS.items()}
    missing = [ours for ours in ("van_id", "first_name", "last_name", "state") if not where[ours]]
    if missing:
        raise FileRejected(
            "the VAN export lacks columns the voter file needs",
            errors=[RowError(1, EXPORT_COLUMNS[m][0], "missing from the export")
                    for m in missing],
        )  # fmt: skip
    index = {ours: header.index(col) for ours, col in where.items() if col}
    for cells in reader:
        row = {ours: cells[i].strip() if i < len(cells) else "" for ours, i in index.items()}
        if not any(row.values()):
            continue
        if not row.get("birth_year") and row.get("dob"):
            row["birth_year"] = _birth_year(row["dob"])
        district = row.get("district", "")
        if district.isdigit() and row.get("state"):
            row["district"] = f"{row['state'].upper()}-{int(district)}"
        row["voter_id"] = f"van-{row['van_id']}" if row.get("van_id") else ""
        for name in VOTER_COLUMNS:
            row.setdefault(name, "")
        yield row


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _birth_year(dob: str) -> str:
    for part in dob.replace("/", "-").split("-"):
        if len(part) == 4 and part.isdigit():
            return part
    return ""


def write_voter_file(raw: Path, voters: Path) -> list[dict[str, str]]:
    """Rewrite the export in the voter-file columns; the voter ids and their VAN ids."""
    van_ids: list[dict[str, str]] = []
    with (
        raw.open("r", encoding="utf-8-sig", errors="replace", newline="") as source,
        voters.open("w", encoding="utf-8", newline="") as target,
    ):
        writer = csv.DictWriter(target, VOTER_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in export_rows(iter(source)):
            writer.writerow(row)
            if row["voter_id"]:
                van_ids.append({"voter_id": row["voter_id"], "van_id": row["van_id"]})
    return van_ids


def parse_export(text: str) -> list[dict[str, str]]:
    """A whole export's rows (for tests and small lists)."""
    return list(export_rows(iter(io.StringIO(text))))
