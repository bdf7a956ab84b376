"""Generic contact CSV: any delimiter, headers recognised by their usual names.

Headers are compared with case, spaces and punctuation removed, so "First Name",
"first_name" and "FIRSTNAME" are one. Several phone or email columns ("Mobile", "Home
Phone", "Email 2") are all read. Compound headers such as Outlook's "Home City" or
"Business Postal Code" are recognised when no header names the field exactly, home
before work. An explicit ``columns`` mapping, logical field to header,
overrides the guess for the fields it names; for ``phone``, ``email`` and ``labels`` the
header may list several columns separated by ``|`` ("Mobile|Home").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ingest.normalize import parse_birth_date, parse_flag, split_labels
from ingest.readers.base import (
    ContactBuilder,
    ContactReadResult,
    RawContact,
    check_row_delimiters,
    csv_rows,
    data_rows,
    header_key,
    other_delimiter,
    reject_columns,
    sniff_delimiter,
)
from ingest.records import ContactRecord
from outreach.core.errors import InvalidInput, RowError

SYNONYMS: dict[str, frozenset[str]] = {
    "name": frozenset({"name", "fullname", "displayname", "contactname", "contact"}),
    "first_name": frozenset({"first", "firstname", "given", "givenname", "forename", "fname"}),
    "middle_name": frozenset({"middle", "middlename", "additionalname", "mname", "middleinitial"}),
    "last_name": frozenset({"last", "lastname", "surname", "family", "familyname", "lname"}),
    "phone": frozenset({"phone", "phones", "mobile", "cell", "telephone", "phonenumber", "tel"}),
    "email": frozenset({"email", "emails", "emailaddress", "mail"}),
    "city": frozenset({"city", "town", "locality", "homecity", "suburb"}),
    "state": frozenset({"state", "region", "province", "stateprovince", "st", "homestate"}),
    "zip": frozenset({"zip", "zipcode", "postalcode", "postcode", "postal", "zip5", "homezip"}),
    "address": frozenset(
        {"address", "street", "streetaddress", "address1", "addressline1", "homestreet"}
        | {"homeaddress", "residentialaddress", "residenceaddress", "streetline1"}
    ),
    "house_number": frozenset({"streetnumber", "housenumber", "housenum", "streetno", "houseno"}),
    "favorite": frozenset({"favorite", "favourite", "starred", "star", "isfavorite", "fav"}),
    "labels": frozenset({"labels", "label", "groups", "group", "categories", "category"})
    | {"tags", "tag", "groupmembership", "lists"},
    "closeness": frozenset({"closeness", "tiestrength", "strength"}),
    "birth_year": frozenset(
        {"birthyear", "yearofbirth", "birthday", "birthdate", "dob", "dateofbirth", "born"}
    ),
}
MULTI = frozenset({"phone", "email", "labels"})
# Fields that may be guessed in several columns, of which a row's best one is taken: a
# file with a birth year and a birth date gives the date (see ``_birth``).
SEVERAL = MULTI | {"birth_year"}
EXPECTED = ["name or first_name/last_name", "phone", "email"]
_NOT_VALUES = ("type", "label", "ext", "extension", "display", "displayname")
_LIST_SPLIT = re.compile(r":::|[;,]")
_FAVORITE_LABELS = frozenset({"starred", "favorite", "favorites", "favourite", "favourites"})


@dataclass(slots=True)
class Layout:
    """Which column indexes hold each logical field."""

    columns: dict[str, list[int]] = field(default_factory=dict)
    headers: list[str] = field(default_factory=list)
    _sources: dict[str, str] | None = None

    def sources(self) -> dict[str, str]:
        """Each field's header (:meth:`source`), worked out once: every row shares it."""
        if self._sources is None:
            self._sources = {name: self.source(name) for name in self.columns}
        return self._sources

    def first(self, row: list[str], name: str) -> str | None:
        """The value of the first column for ``name`` in ``row``, or None."""
        for i in self.columns.get(name, ()):
            if i < len(row) and row[i].strip():
                return row[i]
        return None

    def all(self, row: list[str], name: str) -> list[str]:
        """The non-blank values of every column for ``name`` in ``row``."""
        return [row[i] for i in self.columns.get(name, []) if i < len(row) and row[i].strip()]

    def source(self, name: str) -> str:
        """The header of the first column for ``name`` (for error messages)."""
        indexes = self.columns.get(name)
        return self.headers[indexes[0]] if indexes else name


def guess_field(header: str) -> str | None:
    """The logical field a header names exactly (a synonym), or None."""
    key = header_key(header)
    return next((name for name, names in SYNONYMS.items() if key in names), None)


def guess_field_loosely(header: str) -> str | None:
    """The field a compound header probably holds ("Home Phone", "Home Postal Code"), or None."""
    key = header_key(header)
    if not key or key.endswith(_NOT_VALUES):
        return None
    if "phone" in key or key.startswith(("mobile", "cell", "tel")):
        return "phone"
    if "email" in key:
        return "email"
    if key.endswith("city"):
        return "city"
    if key.endswith(("state", "region", "province")):
        return "state"
    if "zip" in key or key.endswith(("postalcode", "postcode")):
        return "zip"
    return None


def detect_layout(headers: list[str], columns: Mapping[str, str] | None = None) -> Layout:
    """The layout of a header row: explicit ``columns`` first, then guesses for the rest."""
    layout = Layout(headers=headers)
    explicit = dict(columns or {})
    unknown = sorted(set(explicit) - set(SYNONYMS))
    if unknown:
        raise InvalidInput(
            f"unknown contact fields in the column mapping: {', '.join(unknown)}; "
            f"known fields: {', '.join(SYNONYMS)}"
        )
    by_key = {header_key(h): i for i, h in reversed(list(enumerate(headers)))}
    by_exact = {h.strip(): i for i, h in reversed(list(enumerate(headers)))}
    missing: list[str] = []
    for name, spec in explicit.items():
        wanted = spec.split("|") if name in MULTI else [spec]
        for column in wanted:
            index = by_exact.get(column.strip(), by_key.get(header_key(column)))
            if index is None:
                missing.append(column)
            else:
                layout.columns.setdefault(name, []).append(index)
    if missing:
        raise reject_columns(missing, headers, "the column mapping names columns not in the file")
    taken = {i for indexes in layout.columns.values() for i in indexes}
    # Exact synonyms first; then compound headers, home ones before work ones.
    loose = sorted(range(len(headers)), key=lambda i: not header_key(headers[i]).startswith("home"))
    passes = [(guess_field, range(len(headers))), (guess_field_loosely, loose)]
    for guess, order in passes:
        for index in order:
            guessed = guess(headers[index])
            if guessed is None or guessed in explicit or index in taken:
                continue
            if guessed in SEVERAL or guessed not in layout.columns:
                layout.columns.setdefault(guessed, []).append(index)
                taken.add(index)
    identity = {"name", "first_name", "last_name", "phone", "email"}
    if not identity & set(layout.columns):
        raise reject_columns(
            EXPECTED, headers, "no name, phone or email column could be found in the header"
        )
    return layout


def read_generic_csv(
    text: str, *, builder: ContactBuilder, columns: Mapping[str, str] | None = None
) -> ContactReadResult:
    """Every contact in a generic CSV text; bad rows become ``RowError``s."""
    delimiter = sniff_delimiter(text)
    rows = csv_rows(text, delimiter)
    records: list[ContactRecord] = []
    rejected: list[RowError] = []
    mixed: list[tuple[int, str]] = []
    header: list[str] | None = None
    layout = Layout()
    for line, row in data_rows(rows, rejected):
        if header is None:
            header = [cell.strip().lstrip("\ufeff") for cell in row]
            layout = detect_layout(header, columns)
            rejected.clear()  # blank lines above the header are not rows
            continue
        if other := other_delimiter(len(header), row, delimiter):
            mixed.append((line, other))
        if any(cell.strip() for cell in row[len(header) :]):
            # More values than columns: a comma inside an unquoted value has moved the
            # cells after it, so the row's fields are not where the header says.
            rejected.append(
                RowError(line, None, f"{len(row)} cells where the header has {len(header)} "
                                     "columns (a delimiter inside a value without quotes?)")
            )  # fmt: skip
            continue
        result = builder.build(_raw(line, row, layout))
        if isinstance(result, ContactRecord):
            records.append(result)
        else:
            rejected.append(result)
    if header is None:
        raise reject_columns(EXPECTED, [], "the file has no header row")
    check_row_delimiters(mixed, len(records) + len(rejected), delimiter)
    return ContactReadResult(records, rejected, "csv", len(records) + len(rejected))


def _raw(line: int, row: list[str], layout: Layout) -> RawContact:
    """The raw contact values of one row."""
    labels = [label for cell in layout.all(row, "labels") for label in split_labels(cell)]
    favorite = parse_flag(layout.first(row, "favorite")) or any(
        label.lower() in _FAVORITE_LABELS for label in labels
    )
    labels = [label for label in labels if label.lower() not in _FAVORITE_LABELS]
    phones = [p for cell in layout.all(row, "phone") for p in _LIST_SPLIT.split(cell)]
    emails = [e for cell in layout.all(row, "email") for e in _LIST_SPLIT.split(cell)]
    return RawContact(
        line=line,
        name=layout.first(row, "name"),
        first=layout.first(row, "first_name"),
        middle=layout.first(row, "middle_name"),
        last=layout.first(row, "last_name"),
        phones=[p for p in phones if p.strip()],
        emails=[e for e in emails if e.strip()],
        city=layout.first(row, "city"),
        state=layout.first(row, "state"),
        zip=layout.first(row, "zip"),
        address=_street(layout.first(row, "house_number"), layout.first(row, "address")),
        birth_year=_birth(layout.all(row, "birth_year")),
        labels=labels,
        favorite=favorite,
        closeness=layout.first(row, "closeness"),
        sources=layout.sources(),
    )


def _birth(cells: list[str]) -> str | None:
    """The row's birth cell: a full date where some birth column holds one (a file with
    both ``birth_year`` and ``birth_date`` gives the date), else the first one given."""
    return next((cell for cell in cells if parse_birth_date(cell)), cells[0] if cells else None)


def _street(number: str | None, street: str | None) -> str | None:
    """The street line, with the house number in front when the file gives it apart."""
    return " ".join(v.strip() for v in (number, street) if v and v.strip()) or None
