"""What every contact reader shares: the raw row shape, its normalization into a
``ContactRecord`` (or a ``RowError``), the result type, and CSV table helpers.

A reader's only job is to find the raw values of one contact and the line it starts on;
``ContactBuilder.build`` applies the same rules to every format:

- every raw value longer than the field limit rejects the row, naming that field;
- a birth year before 1900 or after this year rejects the row, naming that field;
- a closeness that is neither a number in 0..1 nor a known word rejects the row;
- phones that are not valid numbers, emails that are not addresses, unknown states and
  malformed ZIP codes are dropped, the rest of the contact kept (with ``any_country``,
  states and postcodes that are not US ones are kept as given);
- a contact left with no name, no valid phone and no valid email is rejected (with
  ``any_country``, one that still has a street address or a birth date is kept).

The CSV readers also reject a row with more values than the header has columns (a
delimiter inside an unquoted value moves every cell after it).

Reasons never repeat the rejected personal values, so job reports and logs stay clean.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from ingest.names import join_name, parse_name
from ingest.normalize import (
    DEFAULT_MAX_FIELD_LENGTH,
    check_birth_year,
    check_length,
    clean,
    normalize_email,
    normalize_phone,
    normalize_state,
    normalize_zip,
    parse_birth_date,
    postcode_as_given,
    state_as_given,
)
from ingest.records import ContactRecord
from outreach.core.errors import FileRejected, RowError

DELIMITERS = ",;\t|"
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
CLOSENESS_WORDS = {
    "household": 1.0, "family": 1.0, "close": 1.0, "close friend": 1.0,
    "friend": 0.5, "acquaintance": 0.2,
}  # fmt: skip


@dataclass(slots=True)
class ContactReadResult:
    """The contacts read from one upload, the rows rejected, and what was read."""

    records: list[ContactRecord]
    rejected: list[RowError]
    format: str
    rows_read: int


@dataclass(slots=True)
class RawContact:
    """One contact's values as found in the file, before normalization.

    ``sources`` maps a logical field (``first_name``, ``phone`` ...) to the name the file
    uses for it (a column header or vCard property), so errors speak the file's language.
    ``field_lines`` gives the line of a field when it is not the contact's first line
    (a vCard property several lines into its card).
    """

    line: int
    name: str | None = None
    first: str | None = None
    middle: str | None = None
    last: str | None = None
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    birth_year: str | None = None  # a year or a full date, as the file writes it
    address: str | None = None
    labels: list[str] = field(default_factory=list)
    favorite: bool = False
    closeness: str | None = None
    social: bool = False
    sources: dict[str, str] = field(default_factory=dict)
    field_lines: dict[str, int] = field(default_factory=dict)


class ContactBuilder:
    """Turns ``RawContact`` values into a ``ContactRecord`` or the ``RowError`` that rejects it."""

    def __init__(
        self,
        *,
        region: str = "US",
        max_field_length: int = DEFAULT_MAX_FIELD_LENGTH,
        any_country: bool = False,
    ) -> None:
        self.region = region
        self.max_field_length = max_field_length
        self.any_country = any_country

    def build(self, raw: RawContact) -> ContactRecord | RowError:
        """The normalized contact, or the first reason its row must be rejected."""

        def reject(name: str, reason: str) -> RowError:
            line = raw.field_lines.get(name, raw.line)
            return RowError(line, raw.sources.get(name, name), reason)

        for name, value in self._raw_values(raw):
            try:
                check_length(value, self.max_field_length)
            except ValueError as exc:
                return reject(name, str(exc))
        try:
            birth_year = check_birth_year(raw.birth_year)
        except ValueError as exc:
            return reject("birth_year", str(exc))
        try:
            closeness = _closeness(raw.closeness)
        except ValueError as exc:
            return reject("closeness", str(exc))

        first, middle, last = clean(raw.first), clean(raw.middle), clean(raw.last)
        full = clean(raw.name)
        if full and not (first or last):
            parsed = parse_name(full)
            first, middle, last = parsed.first, parsed.middle, parsed.last
        phones = _unique(normalize_phone(p, self.region) for p in raw.phones)
        emails = _unique(normalize_email(e) for e in raw.emails)
        display = full or join_name(first, middle, last)
        address, birth_date = clean(raw.address), parse_birth_date(raw.birth_year)
        place = self.any_country and bool(address or birth_date)
        if not display and not phones and not emails and not place:
            reason = "row has no name, phone or email"
            if raw.phones or raw.emails:
                reason = "row has no name, and no valid phone number or email address"
            return RowError(raw.line, None, reason)
        return ContactRecord(
            line=raw.line,
            # No name: none is made up from the phone or email, which are never kept in the
            # clear; the supporter's list shows their sealed copy instead.
            display_name=display,
            first_name=first,
            last_name=last,
            middle_name=middle,
            phones=phones,
            emails=emails,
            city=clean(raw.city),
            state=state_as_given(raw.state) if self.any_country else normalize_state(raw.state),
            zip=postcode_as_given(raw.zip) if self.any_country else normalize_zip(raw.zip),
            birth_year=birth_year,
            birth_date=birth_date,
            address=address,
            labels=_unique(clean(label) for label in raw.labels),
            favorite=raw.favorite,
            closeness=closeness,
            social=raw.social,
        )

    @staticmethod
    def _raw_values(raw: RawContact) -> Iterator[tuple[str, str | None]]:
        """Every raw value with the logical field it belongs to."""
        yield from (
            ("name", raw.name),
            ("first_name", raw.first),
            ("middle_name", raw.middle),
            ("last_name", raw.last),
            ("city", raw.city),
            ("state", raw.state),
            ("zip", raw.zip),
            ("address", raw.address),
            ("birth_year", raw.birth_year),
            ("closeness", raw.closeness),
        )
        yield from (("phone", p) for p in raw.phones)
        yield from (("email", e) for e in raw.emails)
        yield from (("labels", label) for label in raw.labels)


def _closeness(raw: str | None) -> float | None:
    """Closeness in 0..1 from a number or a word (household, close, friend, acquaintance)."""
    text = clean(raw)
    if text is None:
        return None
    word = CLOSENESS_WORDS.get(text.lower())
    if word is not None:
        return word
    try:
        value = float(text)
    except ValueError:
        raise ValueError("closeness must be a number in 0..1 or a word such as 'friend'") from None
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"closeness {value} is outside 0..1")
    return value


def _unique(values: Iterator[str | None] | list[str | None]) -> list[str]:
    """The non-empty values in first-seen order, without repeats."""
    seen: list[str] = []
    for value in values:
        if value and value not in seen:
            seen.append(value)
    return seen


def header_key(name: str) -> str:
    """A header reduced to lowercase letters and digits ("E-mail Address" -> "emailaddress")."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def sniff_delimiter(text: str) -> str:
    """The delimiter of a CSV text among comma, semicolon, tab and pipe (comma if unsure)."""
    lines = [line for line in text[:65536].splitlines()[:20] if line.strip()]
    if not lines:
        return ","
    header = lines[0]
    try:
        sniffed = csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = None
    counts = {d: _count_outside_quotes(header, d) for d in DELIMITERS}
    if sniffed and counts.get(sniffed, 0) > 0:
        return sniffed
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _count_outside_quotes(line: str, delimiter: str) -> int:
    """How often ``delimiter`` appears in ``line`` outside double quotes."""
    count, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == delimiter and not quoted:
            count += 1
    return count


def nothing_usable(what: str, rows_read: int, rejected: list[RowError]) -> FileRejected:
    """The refusal of a file none of whose rows gave ``what``: a load never "succeeds" empty.

    The first rejections (line, field, reason) go with it, as ``errors``.
    """
    first = rejected[0] if rejected else None
    why = f"; line {first.line}: {first.reason}" if first and first.line is not None else ""
    detail = f"no row of the file gave {what} ({rows_read} rows read, {len(rejected)} rejected)"
    return FileRejected(detail + why, errors=rejected[:50])


def other_delimiter(header_width: int, row: list[str], delimiter: str) -> str | None:
    """The other delimiter a row is written with: one cell holding it, where the header
    has several columns (a header with commas above rows with semicolons, say)."""
    if header_width < 2 or len(row) != 1:
        return None
    return next(
        (d for d in DELIMITERS if d != delimiter and _count_outside_quotes(row[0], d) > 0), None
    )


def check_row_delimiters(mixed: list[tuple[int, str]], rows: int, delimiter: str) -> None:
    """Refuse a file when at least half its rows use another delimiter than its header.

    ``mixed`` holds (line, delimiter) for each such row (``other_delimiter``).
    """
    if not mixed or len(mixed) * 2 < rows:
        return
    line, other = mixed[0]
    names = DELIMITER_NAMES.get(delimiter, repr(delimiter)), DELIMITER_NAMES[other]
    raise FileRejected(
        f"line {line}: the header is separated by {names[0]}s but the rows by {names[1]}s "
        f"({len(mixed)} of {rows} rows); save the file with one delimiter throughout",
        line=line,
        expected_delimiter=delimiter,
        found_delimiter=other,
    )


def csv_rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Each CSV row with the 1-based physical line it starts on; FileRejected if malformed."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise FileRejected(
                f"line {start}: the file is not valid CSV ({exc})", line=start
            ) from exc
        yield start, row
        start = reader.line_num + 1


def is_blank(row: list[str]) -> bool:
    """True for an empty line or a row whose cells are all blank."""
    return not any(cell.strip() for cell in row)


def reject_columns(expected: list[str], found: list[str], detail: str) -> FileRejected:
    """The FileRejected for a header that lacks what is needed, listing both sides.

    A first row that holds a person's details (an email, a phone number, a date) is not
    a header: it is not repeated, since a rejection is shown and may be kept, and the
    answer says to add a header row.
    """
    if any(_looks_like_data(cell) for cell in found):
        return FileRejected(
            f"{detail}: the first row looks like a person's details, not column names (the "
            f"file seems to have no header row); add one, with columns such as: "
            f"{', '.join(expected)}",
            expected=expected,
        )
    return FileRejected(
        f"{detail}; expected columns such as: {', '.join(expected)}; "
        f"found: {', '.join(found) or '(none)'}",
        expected=expected,
        found=found,
    )


def _looks_like_data(cell: str) -> bool:
    """True for a cell that holds an email, or is mostly digits and seven or more of them (a
    phone number, a date): no column name does (``vote_2016g`` and ``GENERAL-11/03/2020``
    are column names)."""
    digits = sum(c.isdigit() for c in cell)
    return "@" in cell or (digits >= 7 and digits >= 0.6 * len(cell.strip()))


def data_rows(
    rows: Iterator[tuple[int, list[str]]], rejected: list[RowError]
) -> Iterator[tuple[int, list[str]]]:
    """The non-blank rows; each blank row before a later data row is added to ``rejected``.

    Blank lines at the very end of a file are common and harmless, so they are not reported.
    """
    pending: list[int] = []
    for line, row in rows:
        if is_blank(row):
            pending.append(line)
            continue
        rejected.extend(RowError(blank, None, "blank row") for blank in pending)
        pending.clear()
        yield line, row


def ids_by_line(
    text: str, id_column: str | None, *, default_headers: tuple[str, ...], required: bool
) -> dict[int, str]:
    """Line number -> the row's id cell, from ``id_column`` or the first default header found.

    Without such a column the result is empty, or, when ``required`` and a column was named,
    the file is refused saying which column is missing.
    """
    wanted = (header_key(id_column),) if id_column else default_headers
    index: int | None = None
    found: dict[int, str] = {}
    for line, row in csv_rows(text, sniff_delimiter(text)):
        if index is None:
            if is_blank(row):
                continue
            keys = [header_key(cell.lstrip("\ufeff")) for cell in row]
            index = next((keys.index(k) for k in wanted if k in keys), -1)
            if index < 0:
                if required and id_column:
                    raise FileRejected(f"no column named {id_column!r} in the header")
                return {}
        elif index < len(row) and row[index].strip():
            found[line] = row[index].strip()
    return found
