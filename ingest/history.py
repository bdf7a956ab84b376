"""Vote-history files as states publish them: one row per voter per election.

North Carolina (``ncvhis``) and Florida (``CountyCode_H_YYYYMMDD.txt``) publish vote
history apart from the voter file. A history mapping (YAML in ``ingest/mappings/``, with
``kind: history``) says where the voter id, the election date and the election's kind
are, which elections count (``elections``: a pattern on one column, "general elections"
say) and which rows mean a vote was cast (``voted``: a column and its values; without it
every row is a vote). The shape::

    kind: history
    name: nc_ncvhis
    delimiter: "\\t"
    state: NC
    columns: {voter_id: ncid, election_date: election_lbl}
    date_format: "%m/%d/%Y"
    elections: {column: election_desc, pattern: "GENERAL"}
    voted: {column: voting_method, values: [...]}   # optional
    limit: 4                  # the most recent counted elections that make the history

:func:`iter_history_chunks` streams a file (plain, gzip or zip) in chunks of
``voter id -> counted election dates voted in``; rows of other elections and rows that
are not votes are counted, not rejected; a row without a voter id or with an unreadable
date is rejected with its line and column.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ingest.encoding import SAMPLE_BYTES, detect_encoding
from ingest.mapping import MAPPINGS_DIR, text_encoding
from ingest.normalize import normalize_state
from ingest.readers.base import is_blank
from ingest.readers.compressed import open_data
from ingest.readers.voters import numbered_rows, text_lines
from outreach.core.errors import FileRejected, InvalidInput, RowError

_DELIMITERS = {"tab": "\t", "\\t": "\t", "comma": ",", "pipe": "|", "semicolon": ";"}
_QUOTE_NONE: Literal[3] = 3  # csv.QUOTE_NONE


class ElectionFilter(BaseModel):
    """Which rows are elections that count: the column matches the pattern (case ignored)."""

    model_config = ConfigDict(extra="forbid")

    column: str
    pattern: str

    @model_validator(mode="after")
    def _compiles(self) -> ElectionFilter:
        re.compile(self.pattern)
        return self


class VotedValues(BaseModel):
    """Which rows record a vote cast: the column holds one of the values."""

    model_config = ConfigDict(extra="forbid")

    column: str
    values: list[str]


class HistoryMapping(BaseModel):
    """One vote-history layout."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["history"]
    name: str
    description: str = ""
    delimiter: str = ","
    encoding: str | None = None
    header: bool = True
    quoting: bool = True
    column_names: list[str] = Field(default_factory=list)
    state: str
    columns: dict[Literal["voter_id", "election_date"], str]
    date_format: str = "%m/%d/%Y"
    elections: ElectionFilter | None = None
    voted: VotedValues | None = None
    limit: int = Field(default=4, ge=1)

    @model_validator(mode="after")
    def _check(self) -> HistoryMapping:
        """A known state, a one-character delimiter, both columns, and names without a header."""
        self.delimiter = _DELIMITERS.get(self.delimiter.lower(), self.delimiter)
        if len(self.delimiter) != 1:
            raise ValueError(f"delimiter must be one character, got {self.delimiter!r}")
        if self.encoding and self.encoding.lower() == "auto":
            self.encoding = None
        if self.encoding:
            self.encoding = text_encoding(self.encoding)
        code = normalize_state(self.state)
        if code is None:
            raise ValueError(f"state {self.state!r} is not a US state")
        self.state = code
        if set(self.columns) != {"voter_id", "election_date"}:
            raise ValueError("columns must name voter_id and election_date")
        if not self.header and not self.column_names:
            raise ValueError("a file without a header row needs column_names")
        return self

    def needed(self) -> list[str]:
        """The source columns the mapping reads."""
        wanted = [self.columns["voter_id"], self.columns["election_date"]]
        wanted += [f.column for f in (self.elections, self.voted) if f is not None]
        return list(dict.fromkeys(wanted))


def load_history_mapping(name_or_path: str | Path) -> HistoryMapping:
    """The history mapping shipped under that name, or read from that YAML path."""
    path = Path(name_or_path)
    if not (path.suffix in (".yaml", ".yml") or path.exists() or len(path.parts) > 1):
        path = MAPPINGS_DIR / f"{name_or_path}.yaml"
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInput(
            f"no vote-history mapping {str(name_or_path)!r}: {exc.strerror}"
        ) from exc
    except yaml.YAMLError as exc:
        raise InvalidInput(f"the mapping {path.name} is not valid YAML: {exc}") from exc
    if not isinstance(document, dict) or document.get("kind") != "history":
        raise InvalidInput(f"{path.name} is not a vote-history mapping (kind: history)")
    document.setdefault("name", path.stem)
    try:
        return HistoryMapping.model_validate(document)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'mapping'}: {err['msg']}"
            for err in exc.errors()
        )
        raise InvalidInput(f"the mapping {path.name} is invalid: {problems}") from exc


@dataclass(slots=True)
class HistoryChunk:
    """Voter id -> counted election dates (ISO) voted in, for one stretch of the file."""

    votes: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    elections: set[str] = field(default_factory=set)  # every counted election date seen
    rejected: list[RowError] = field(default_factory=list)
    rows_read: int = 0
    ignored: int = 0  # rows of elections that do not count, or that are not votes


def iter_history_chunks(
    path: Path, mapping: HistoryMapping, *, chunk_size: int = 50_000
) -> Iterator[HistoryChunk]:
    """Chunks of a history file's votes; FileRejected before the first chunk if unusable."""
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
        header = list(mapping.column_names)
        if mapping.header:
            header = _header(rows)
        index = _indexes(header, mapping)
        chunk = HistoryChunk()
        for line, row in rows:
            if isinstance(row, RowError):
                chunk.rejected.append(row)
                chunk.rows_read += 1
            elif not is_blank(row):
                chunk.rows_read += 1
                _take(chunk, line, row, index, mapping)
            if chunk.rows_read >= chunk_size:
                yield chunk
                chunk = HistoryChunk()
        if chunk.rows_read:
            yield chunk


def _header(rows: Iterator[tuple[int, list[str] | RowError]]) -> list[str]:
    """The first non-blank row, as the header."""
    for _, row in rows:
        if isinstance(row, RowError):
            raise FileRejected(f"the header row cannot be read: {row.reason}")
        if not is_blank(row):
            return [cell.strip().lstrip("\ufeff") for cell in row]
    raise FileRejected("file is empty")


def _indexes(header: list[str], mapping: HistoryMapping) -> dict[str, int]:
    """Source column -> index, for every column the mapping needs; FileRejected if missing."""
    folded = {h.strip().lower(): i for i, h in reversed(list(enumerate(header)))}
    missing = [c for c in mapping.needed() if c.strip().lower() not in folded]
    if missing:
        raise FileRejected(
            f"the file lacks columns the mapping {mapping.name!r} needs: {', '.join(missing)}; "
            f"found: {', '.join(header[:20]) or '(none)'}",
            expected=mapping.needed(),
            found=header,
        )
    return {c: folded[c.strip().lower()] for c in mapping.needed()}


def _take(
    chunk: HistoryChunk, line: int, row: list[str], index: dict[str, int], mapping: HistoryMapping
) -> None:
    """Count one row: a vote in a counted election, an ignored row, or a rejection."""

    def cell(column: str) -> str:
        i = index[column]
        return row[i].strip() if i < len(row) else ""

    if mapping.elections is not None:
        kind = cell(mapping.elections.column)
        if not re.search(mapping.elections.pattern, kind, re.IGNORECASE):
            chunk.ignored += 1
            return
    voter_column, date_column = mapping.columns["voter_id"], mapping.columns["election_date"]
    voter_id = cell(voter_column)
    if not voter_id:
        chunk.rejected.append(RowError(line, voter_column, "voter id is blank"))
        return
    try:
        date = dt.datetime.strptime(cell(date_column), mapping.date_format).date().isoformat()
    except ValueError:
        chunk.rejected.append(
            RowError(line, date_column, f"election date is not a date like {mapping.date_format}")
        )
        return
    chunk.elections.add(date)
    if mapping.voted is not None:
        wanted = {v.strip().upper() for v in mapping.voted.values}
        if cell(mapping.voted.column).upper() not in wanted:
            chunk.ignored += 1
            return
    chunk.votes[voter_id].add(date)
