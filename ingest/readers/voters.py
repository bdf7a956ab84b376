"""Voter files: stream a state's file through its column mapping, in chunks of records.

Memory stays flat whatever the file's size: the file is read line by line through the
``csv`` module and only one chunk of records is held at a time. Before the first row:

- the encoding is taken from the mapping, or detected on the first 64 KiB
  (``ingest.encoding``); a line that is not valid in the detected UTF-8 is read as cp1252;
- a header that comes out as one column holding another delimiter is refused as a
  wrong delimiter;
- every column the mapping needs must be in the header, or the file is refused with the
  expected and found columns.

The file may be plain, gzip-compressed or a zip archive of one file
(``readers.compressed``); a mapping may turn quoting off (Florida's tab-delimited extract
has none, and one stray ``"`` would otherwise swallow the rows after it), and may name
rows to leave out, which are counted (``VoterChunk.skipped``) rather than rejected.

Then each row becomes a ``VoterRecord`` or a ``RowError`` naming its line and column: a
blank row, a cell count that differs from the header's, a blank voter id or name, an
over-long value, a birth year outside 1900..this year, a score outside 0..1, an unknown
state or registration code. Bad phones, emails, ZIP codes and districts become None.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal

from ingest.encoding import SAMPLE_BYTES, detect_encoding
from ingest.mapping import VoteHistory, VoterMapping
from ingest.normalize import (
    DEFAULT_MAX_FIELD_LENGTH,
    check_birth_year,
    check_length,
    check_score,
    clean,
    normalize_district,
    normalize_email,
    normalize_phone,
    normalize_state,
    normalize_zip,
    parse_birth_date,
    postcode_as_given,
    state_as_given,
)
from ingest.readers.base import (
    DELIMITER_NAMES,
    DELIMITERS,
    is_blank,
    other_delimiter,
    reject_columns,
)
from ingest.readers.compressed import open_data
from ingest.records import VoterRecord
from outreach.core.errors import FileRejected, RowError

_QUOTE_NONE: Literal[3] = 3  # csv.QUOTE_NONE, spelled so that type checkers see the literal
_DELIMITER_NAMES = DELIMITER_NAMES


@dataclass(slots=True)
class VoterChunk:
    """One batch of voter records, the rows rejected in it, and how many rows it covers."""

    records: list[VoterRecord] = field(default_factory=list)
    rejected: list[RowError] = field(default_factory=list)
    rows_read: int = 0
    skipped: int = 0  # rows the mapping says to leave out (``skip``), counted in rows_read


def iter_voter_chunks(
    path: Path,
    mapping: VoterMapping,
    *,
    chunk_size: int = 5000,
    region: str = "US",
    max_field_length: int = DEFAULT_MAX_FIELD_LENGTH,
    any_country: bool = False,
    identity_only: bool = False,
) -> Iterator[VoterChunk]:
    """Chunks of normalized voter records; FileRejected before the first chunk if unusable.

    ``any_country`` keeps a state or postcode that is not a US one as given instead of
    rejecting the row (``outreach link``); voter-file ingest keeps the US checks.
    ``identity_only`` reads only who each voter is (:data:`IDENTITY_FIELDS`), for
    linkage: registration status, vote history, scores, party and district are neither
    read nor checked, so no row is rejected for them.
    """
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    with open_data(path) as raw:
        sample = raw.read(SAMPLE_BYTES)
        if not sample.strip():
            raise FileRejected("file is empty")
        codec = mapping.encoding or detect_encoding(sample)
        raw.seek(0)
        lines = text_lines(raw, codec)
        if mapping.quoting:
            reader = csv.reader(lines, delimiter=mapping.delimiter)
        else:
            reader = csv.reader(lines, delimiter=mapping.delimiter, quoting=_QUOTE_NONE)
        rows = numbered_rows(reader)
        header, rows = _header(rows, mapping)
        parser = _RowParser(
            header, mapping, region=region, max_field_length=max_field_length,
            any_country=any_country, identity_only=identity_only,
        )  # fmt: skip
        chunk = VoterChunk()
        pending_blank: list[int] = []
        for line, row in rows:
            if not isinstance(row, RowError) and is_blank(row):
                pending_blank.append(line)
                continue
            chunk.rejected.extend(RowError(blank, None, "blank row") for blank in pending_blank)
            chunk.rows_read += len(pending_blank) + 1
            pending_blank.clear()
            if not isinstance(row, RowError) and parser.skipped(row):
                chunk.skipped += 1
                continue
            result = row if isinstance(row, RowError) else parser.parse(line, row)
            if isinstance(result, VoterRecord):
                chunk.records.append(result)
            else:
                chunk.rejected.append(result)
            if chunk.rows_read >= chunk_size:
                yield chunk
                chunk = VoterChunk()
        if chunk.rows_read:
            yield chunk


def text_lines(raw: IO[bytes], codec: str) -> Iterator[str]:
    """The file's lines decoded; lines that are not UTF-8 fall back to cp1252."""
    if codec.replace("_", "-").lower().startswith(("utf-16", "utf-32")):
        wrapper = io.TextIOWrapper(raw, encoding=codec, newline="")
        read = 0
        try:
            for text in wrapper:
                read += 1
                yield text
        except UnicodeError as exc:
            reason = getattr(exc, "reason", exc.__class__.__name__)
            raise FileRejected(
                f"line {read + 1}: the file is not valid {codec} ({reason}); "
                "save it again as UTF-8 or UTF-16",
                line=read + 1,
            ) from exc
        finally:
            if not wrapper.closed:  # closed when the caller stopped reading early
                wrapper.detach()  # the caller owns and closes the file
        return
    first = True
    bom = codecs.BOM_UTF8
    for line in raw:
        if first:
            line = line.removeprefix(bom)
            first = False
        try:
            yield line.decode(codec)
        except UnicodeError:  # not valid in the codec (idna and punycode raise the parent)
            yield line.decode("cp1252", errors="replace")


def numbered_rows(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str] | RowError]]:
    """Each row with the physical line it starts on; malformed rows become RowErrors."""
    start = 1
    while True:
        try:
            row: list[str] | RowError = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            row = RowError(start, None, f"malformed row: {exc}")
        yield start, row
        start = int(getattr(reader, "line_num", start)) + 1


def _header(
    rows: Iterator[tuple[int, list[str] | RowError]], mapping: VoterMapping
) -> tuple[list[str], Iterator[tuple[int, list[str] | RowError]]]:
    """The header (read from the file or from the mapping) and the remaining rows."""
    if not mapping.header:
        return list(mapping.column_names), rows
    for _, row in rows:
        if isinstance(row, RowError):
            raise FileRejected(f"the header row cannot be read: {row.reason}")
        if not is_blank(row):
            header = [cell.strip().lstrip("\ufeff") for cell in row]
            _check_delimiter(header, mapping)
            return header, rows
    raise FileRejected("file is empty")


def _check_delimiter(header: list[str], mapping: VoterMapping) -> None:
    """Refuse a header that comes out as one column holding another delimiter."""
    if len(header) != 1:
        return
    for other in DELIMITERS:
        if other != mapping.delimiter and other in header[0]:
            raise FileRejected(
                f"wrong delimiter: the header reads as one column, and it contains "
                f"{_DELIMITER_NAMES[other]}s; the mapping {mapping.name!r} expects "
                f"{_DELIMITER_NAMES.get(mapping.delimiter, repr(mapping.delimiter))}-"
                f"separated values",
                expected_delimiter=mapping.delimiter,
                found_delimiter=other,
            )


IDENTITY_FIELDS = frozenset(
    ("voter_id", "first_name", "last_name", "middle_name", "suffix", "birth_year", "birth_date",
     "address", "city", "zip", "state", "phone", "email", "household_id")
)  # fmt: skip


class _RowParser:
    """Turns one row of a known header into a VoterRecord or a RowError."""

    def __init__(
        self,
        header: list[str],
        mapping: VoterMapping,
        *,
        region: str,
        max_field_length: int,
        any_country: bool = False,
        identity_only: bool = False,
    ) -> None:
        self.any_country = any_country
        self.identity_only = identity_only
        self.width = len(header)
        self.mapping = mapping
        self.region = region
        self.max_length = max_field_length
        exact = {h: i for i, h in reversed(list(enumerate(header)))}
        folded = {h.strip().lower(): i for i, h in reversed(list(enumerate(header)))}

        def index(column: str) -> int | None:
            return exact.get(column, folded.get(column.strip().lower()))

        missing = [c for c in mapping.required_columns() if index(c) is None]
        if missing:
            raise reject_columns(
                mapping.required_columns(),
                header,
                f"the file lacks columns the mapping {mapping.name!r} needs: {', '.join(missing)}",
            )
        self.fields: dict[str, list[tuple[str, int]]] = {}
        for name, refs in mapping.columns.items():
            found = [(c, i) for c in refs if (i := index(c)) is not None]
            if found:
                self.fields[name] = found
        # Each field's cell, or its cells to join (None): read once per row, so looked up once.
        self.cells = [
            (name, refs[0][1] if len(refs) == 1 else None, [i for _, i in refs])
            for name, refs in self.fields.items()
            if not identity_only or name in IDENTITY_FIELDS
        ]
        self.today = dt.date.today()  # birth years are checked against the year read began
        status = mapping.registration_status
        self.status_index = index(status.column) if status else None
        self.history = _history_columns(header, mapping.vote_history, mapping.name, index)
        primaries = _history_columns(header, mapping.primary_ballots, mapping.name, index)
        self.primaries = [i for i, _ in primaries]
        ballots = mapping.primary_ballots.voted_values if mapping.primary_ballots else None
        self.party_ballots = frozenset(v.upper() for v in ballots) if ballots else None
        voted = mapping.vote_history.voted_values if mapping.vote_history else None
        self.voted_values = frozenset(v.upper() for v in voted) if voted is not None else None
        skip = mapping.skip
        self.skip_index = index(skip.column) if skip else None
        self.skip_values = frozenset(v.strip().upper() for v in skip.values) if skip else None

    def skipped(self, row: list[str]) -> bool:
        """True for a row the mapping leaves out (a public-records-exempt voter, say)."""
        if self.skip_index is None or self.skip_values is None or self.skip_index >= len(row):
            return False
        return row[self.skip_index].strip().upper() in self.skip_values

    def parse(self, line: int, row: list[str]) -> VoterRecord | RowError:
        """The voter record of one row, or the reason it is rejected."""
        if len(row) != self.width:
            delimiter = self.mapping.delimiter
            other = other_delimiter(self.width, row, delimiter)
            if other:
                return RowError(
                    line,
                    None,
                    f"the row is separated by {_DELIMITER_NAMES[other]}s, the header by "
                    f"{_DELIMITER_NAMES.get(delimiter, repr(delimiter))}s",
                )
            return RowError(line, None, f"row has {len(row)} cells, the header has {self.width}")
        values: dict[str, str | None] = {}
        max_length = self.max_length
        for name, single, indices in self.cells:
            raw = row[single] if single is not None else " ".join(row[i] for i in indices)
            value = clean(raw)
            if len(raw) > max_length:  # cleaning never lengthens: most cells need no check
                try:
                    check_length(value, max_length)
                except ValueError as exc:
                    return self._reject(line, name, str(exc))
            values[name] = value
        voter_id = values.get("voter_id")
        if not voter_id:
            return self._reject(line, "voter_id", "voter id is blank")
        first, last = values.get("first_name"), values.get("last_name")
        if not first and not last:
            return self._reject(line, "last_name", "name is blank")
        state = self.mapping.state or normalize_state(values.get("state"))
        if state is None and self.any_country:
            state = state_as_given(values.get("state")) or ""
        if state is None:
            return self._reject(line, "state", "not a US state or state code")
        birth_field = "birth_year" if values.get("birth_year") else "birth_date"
        try:
            birth_year = check_birth_year(values.get(birth_field), today=self.today)
        except ValueError as exc:
            return self._reject(line, birth_field, str(exc))
        full_date = parse_birth_date(values.get("birth_date"))
        if birth_field == "birth_year" and full_date:  # a date beside the year: checked too
            try:
                check_birth_year(full_date[:4], today=self.today)
            except ValueError as exc:
                return self._reject(line, "birth_date", str(exc))
        record = self._identity(line, voter_id, values, state, birth_year)
        if self.identity_only:
            return record
        scores: dict[str, float | None] = {}
        for name in ("turnout_score", "support_score"):
            try:
                scores[name] = check_score(values.get(name))
            except ValueError as exc:
                return self._reject(line, name, str(exc))
        status = self._status(row)
        if status is None:
            return RowError(line, self._column("status"), "unknown registration status code")
        # Elections held before the voter could vote, or registered, say nothing about
        # their turnout: before the year they turned 18, or before their registration.
        eligible = dt.date(birth_year + 18, 1, 1) if birth_year else None
        registered_on = _date(values.get("registration_date"))
        since = max((d for d in (eligible, registered_on) if d), default=None)
        history = [
            self.voted(row[i])
            for i, held in self.history
            if since is None or held is None or held >= since
        ]
        turnout = scores["turnout_score"]
        if turnout is None and history:
            turnout = sum(history) / len(history)
        party = values.get("party") or self._primary_party(row)
        record.district = normalize_district(values.get("district"), state)
        record.vote_history = history
        record.turnout_score = float(turnout) if turnout is not None else None
        record.support_score = scores["support_score"]
        record.registration_status = status
        record.party = party.upper() if party else None
        return record

    def _identity(
        self,
        line: int,
        voter_id: str,
        values: dict[str, str | None],
        state: str,
        birth_year: int | None,
    ) -> VoterRecord:
        """The record of who the voter is: all that ``identity_only`` reads, and the part of
        every record :meth:`parse` makes before its history and scores."""
        return VoterRecord(
            voter_id=voter_id,
            first_name=values.get("first_name") or "",
            last_name=values.get("last_name") or "",
            state=state,
            middle_name=values.get("middle_name"),
            suffix=values.get("suffix"),
            birth_year=birth_year,
            birth_date=parse_birth_date(values.get("birth_date")),
            address=values.get("address"),
            city=values.get("city"),
            zip=(postcode_as_given if self.any_country else normalize_zip)(values.get("zip")),
            phone=normalize_phone(values.get("phone"), self.region),
            email=normalize_email(values.get("email")),
            household_id=values.get("household_id"),
            line=line,
        )  # fmt: skip

    def _primary_party(self, row: list[str]) -> str | None:
        """The party of the most recent primary ballot that names one, if the file has them."""
        for i in self.primaries:
            cell = row[i].strip().upper()
            if cell and (self.party_ballots is None or cell in self.party_ballots):
                return cell
        return None

    def voted(self, cell: str) -> bool:
        """True when a vote-history cell says the person voted (any mark, or a listed one)."""
        value = cell.strip()
        if self.voted_values is None:
            return bool(value)
        return value.upper() in self.voted_values

    def _column(self, name: str) -> str:
        """The source column of a field, for error messages."""
        if name == "status" and self.mapping.registration_status:
            return self.mapping.registration_status.column
        refs = self.fields.get(name)
        return refs[0][0] if refs else name

    def _reject(self, line: int, name: str, reason: str) -> RowError:
        """The RowError for field ``name`` of the row at ``line``."""
        return RowError(line, self._column(name), reason)

    def _status(self, row: list[str]) -> str | None:
        """The row's registration status; None for a code the mapping does not know."""
        status_map = self.mapping.registration_status
        if status_map is None or self.status_index is None:
            return "active"
        return status_map.lookup(row[self.status_index])


def _date(text: str | None) -> dt.date | None:
    """A date written as 2024-01-31 or 01/31/2024; None when blank or unreadable."""
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def _history_columns(
    header: list[str],
    history: VoteHistory | None,
    mapping_name: str,
    index: Callable[[str], int | None],
) -> Sequence[tuple[int, dt.date | None]]:
    """Columns of one election history, most recent election first, with their dates if known."""
    if history is None:
        return []
    if history.columns:
        days: list[dt.date | None] = [*history.dates] if history.dates else []
        days += [None] * (len(history.columns) - len(days))
        found = [(index(c), day) for c, day in zip(history.columns, days, strict=True)]
        return [(i, day) for i, day in found if i is not None][: history.limit]
    pattern = re.compile(history.pattern or "")
    matched = [(i, m) for i, h in enumerate(header) if (m := pattern.match(h.strip()))]
    if "date" in pattern.groupindex and history.date_format:
        fmt = history.date_format
        try:
            dated = [(dt.datetime.strptime(m.group("date"), fmt), i) for i, m in matched]
        except ValueError as exc:
            raise FileRejected(
                f"a vote-history column's date does not match {fmt!r} "
                f"in the mapping {mapping_name!r}: {exc}"
            ) from exc
        newest = sorted(dated, key=lambda d: (d[0], d[1]), reverse=True)
        return [(i, day.date()) for day, i in newest][: history.limit]
    return [(i, None) for i, _ in reversed(matched)][: history.limit]  # oldest first in files
