"""Google Contacts CSV export, in both of Google's header layouts.

The older "Google CSV" export names people with ``Name``, ``Given Name``, ``Additional
Name``, ``Family Name`` and groups with ``Group Membership``; the export since 2023 uses
``First Name``, ``Middle Name``, ``Last Name`` and ``Labels``. Both number their repeated
fields: ``E-mail 1 - Type``/``Label`` and ``E-mail 1 - Value``, ``Phone 2 - Value``,
``Address 1 - City``, ``Address 1 - Region``, ``Address 1 - Postal Code``. One value cell
may hold several values joined by `` ::: ``; so may the groups cell, where ``* starred``
marks a favorite and ``* myContacts`` is Google's own bookkeeping.
"""

from __future__ import annotations

import re

from ingest.readers.base import (
    ContactBuilder,
    ContactReadResult,
    RawContact,
    check_row_delimiters,
    csv_rows,
    data_rows,
    other_delimiter,
    reject_columns,
    sniff_delimiter,
)
from ingest.records import ContactRecord
from outreach.core.errors import RowError

NUMBERED = re.compile(r"^(E-mail|Phone|Address) (\d+) - (.+)$", re.IGNORECASE)
NAME_COLUMNS = {
    "name": ("Name",),
    "first_name": ("Given Name", "First Name"),
    "middle_name": ("Additional Name", "Middle Name"),
    "last_name": ("Family Name", "Last Name"),
    "birth_year": ("Birthday",),
    "labels": ("Group Membership", "Labels"),
}
SYSTEM_GROUPS = frozenset({"mycontacts", "my contacts", "starred in android", "starred"})
FAVORITE_GROUPS = frozenset({"starred", "starred in android", "favorites", "favourites"})
_SOURCED = ("name", "first_name", "middle_name", "last_name", "birth_year", "labels", "phone",
            "email")  # fmt: skip
EXPECTED = ["Name or Given Name/First Name", "Family Name/Last Name", "E-mail 1 - Value",
            "Phone 1 - Value"]  # fmt: skip


def is_google_header(headers: list[str]) -> bool:
    """True when a CSV header row looks like a Google Contacts export."""
    numbered = sum(1 for h in headers if NUMBERED.match(h.strip()))
    named = {h.strip() for h in headers} & {"Given Name", "Group Membership", "Labels"}
    return numbered > 0 and (bool(named) or numbered >= 2)


class GoogleLayout:
    """Column indexes of one Google export header."""

    def __init__(self, headers: list[str]) -> None:
        self.headers = headers
        index = {h.strip(): i for i, h in reversed(list(enumerate(headers)))}
        self.single: dict[str, int] = {}
        for name, candidates in NAME_COLUMNS.items():
            for candidate in candidates:
                if candidate in index:
                    self.single[name] = index[candidate]
                    break
        self.phones: list[int] = []
        self.emails: list[int] = []
        self.addresses: dict[int, dict[str, int]] = {}
        for i, header in enumerate(headers):
            match = NUMBERED.match(header.strip())
            if not match:
                continue
            kind, number, part = match.group(1).lower(), int(match.group(2)), match.group(3)
            part = part.strip().lower()
            if kind == "phone" and part == "value":
                self.phones.append(i)
            elif kind == "e-mail" and part == "value":
                self.emails.append(i)
            elif kind == "address" and part in ("city", "region", "postal code"):
                self.addresses.setdefault(number, {})[part] = i
        if not ({"name", "first_name", "last_name"} & set(self.single)) and not (
            self.phones or self.emails
        ):
            raise reject_columns(
                EXPECTED, headers, "no name, phone or e-mail column in the Google Contacts header"
            )

    def cell(self, row: list[str], index: int | None) -> str | None:
        """The stripped cell at ``index``, or None when absent or blank."""
        if index is None or index >= len(row):
            return None
        return row[index].strip() or None

    def source(self, name: str) -> str:
        """The header for a logical field, for error messages."""
        if name in self.single:
            return self.headers[self.single[name]]
        if name == "phone" and self.phones:
            return self.headers[self.phones[0]]
        if name == "email" and self.emails:
            return self.headers[self.emails[0]]
        return name

    def raw(self, line: int, row: list[str]) -> RawContact:
        """The raw contact values of one export row."""
        cell = self.cell(row, self.single.get("labels")) or ""
        groups = [
            g.strip().lstrip("*").strip().removeprefix("System Group:").strip()
            for g in cell.split(":::")
        ]
        favorite = any(g.lower() in FAVORITE_GROUPS for g in groups)
        labels = [g for g in groups if g and g.lower() not in SYSTEM_GROUPS | FAVORITE_GROUPS]
        address = self._address(row)
        return RawContact(
            line=line,
            name=self.cell(row, self.single.get("name")),
            first=self.cell(row, self.single.get("first_name")),
            middle=self.cell(row, self.single.get("middle_name")),
            last=self.cell(row, self.single.get("last_name")),
            phones=self._values(row, self.phones),
            emails=self._values(row, self.emails),
            city=address.get("city"),
            state=address.get("region"),
            zip=address.get("postal code"),
            birth_year=self.cell(row, self.single.get("birth_year")),
            labels=labels,
            favorite=favorite,
            sources={name: self.source(name) for name in _SOURCED},
        )

    def _values(self, row: list[str], indexes: list[int]) -> list[str]:
        """Every value in the given cells, split on Google's `` ::: ``."""
        values: list[str] = []
        for i in indexes:
            cell = self.cell(row, i)
            if cell:
                values.extend(v.strip() for v in cell.split(":::") if v.strip())
        return values

    def _address(self, row: list[str]) -> dict[str, str]:
        """City, region and postal code of the first address that has any of them."""
        for number in sorted(self.addresses):
            parts = {
                part: value
                for part, i in self.addresses[number].items()
                if (value := self.cell(row, i))
            }
            if parts:
                return {part: value.split(":::")[0].strip() for part, value in parts.items()}
        return {}


def read_google_csv(text: str, *, builder: ContactBuilder) -> ContactReadResult:
    """Every contact in a Google Contacts CSV export; bad rows become ``RowError``s."""
    records: list[ContactRecord] = []
    rejected: list[RowError] = []
    layout: GoogleLayout | None = None
    mixed: list[tuple[int, str]] = []
    delimiter = sniff_delimiter(text)
    for line, row in data_rows(csv_rows(text, delimiter), rejected):
        if layout is None:
            layout = GoogleLayout([cell.lstrip("\ufeff") for cell in row])
            rejected.clear()
            continue
        if other := other_delimiter(len(layout.headers), row, delimiter):
            mixed.append((line, other))
        result = builder.build(layout.raw(line, row))
        if isinstance(result, ContactRecord):
            records.append(result)
        else:
            rejected.append(result)
    if layout is None:
        raise reject_columns(EXPECTED, [], "the file has no header row")
    check_row_delimiters(mixed, len(records) + len(rejected), delimiter)
    return ContactReadResult(records, rejected, "google", len(records) + len(rejected))
