"""Voter-file column mappings: which source column holds which voter field.

Every state publishes its voter file with its own columns, so a YAML mapping says where
each field is. Shipped mappings live in ``ingest/mappings/`` and load by bare name
(``load_mapping("nc_ncvoter")``); any other YAML file loads by path. The shape::

    name: demo
    delimiter: ","          # or "\\t", "|", ";" (also: tab, comma, pipe, semicolon)
    encoding: auto          # or a Python codec name
    header: true            # false: give column_names in file order
    quoting: true           # false: quotes are data (files that never quote)
    state: NC               # the state of registration for single-state files (wins)
    columns:                # field -> column, or a list of columns joined by spaces
      voter_id: ncid
      first_name: first_name
      address: [house_num, street_name]
    optional: [phone]       # mapped fields whose column may be missing from a file (also
                            # registration_status and vote_history)
    registration_status:
      column: status_cd
      values: {A: active, I: inactive, R: removed}
      default: inactive     # for codes not listed; without it they reject the row
    vote_history:           # either columns (most recent first) or a pattern
      columns: [vote_2022g, vote_2020g]
      dates: [2022-11-08, 2020-11-03]  # the columns' election days, when headers lack them
      voted_values: [Y]     # omitted: any non-blank value means voted
    primary_ballots:        # where party is not registered (Ohio): the party ballot of the
      pattern: '^PRIMARY-(?P<date>.+)$'  # most recent primary taken
      date_format: '%m/%d/%Y'
      limit: 8
      voted_values: [D, R]  # ballots that name a party; others (X: issues only) are skipped
    skip:                   # rows to leave out, counted but not rejected
      column: exempt
      values: [Y]

``registration_date`` (2024-01-31 or 01/31/2024) drops from the history the elections held
before the voter registered, which say nothing about their turnout; so does a birth year
for the elections held before the voter's 18th birthday year. Both need the elections'
dates: from a ``pattern`` with a ``date`` group, or ``dates`` next to ``columns``. Without
them every column counts, and an election before registration reads as a missed vote.
``party`` is kept as the file writes it (``DEM``, ``REP``, ``UNA``, ``NPA``, ``D`` ...); the
matcher reads the major parties from it.

Registration statuses map to ``active``, ``inactive`` or ``unregistered``; ``removed``,
``denied`` and ``cancelled`` are accepted as spellings of ``unregistered``.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from ingest.normalize import normalize_state
from outreach.core.errors import InvalidInput

MAPPINGS_DIR = Path(__file__).parent / "mappings"
Status = Literal["active", "inactive", "unregistered"]
_STATUS_SYNONYMS = {"removed": "unregistered", "denied": "unregistered",
                    "cancelled": "unregistered", "canceled": "unregistered",
                    "purged": "unregistered"}  # fmt: skip
_DELIMITER_NAMES = {"tab": "\t", "comma": ",", "pipe": "|", "semicolon": ";", "\\t": "\t"}
FIELDS = ("voter_id", "first_name", "middle_name", "last_name", "suffix", "birth_year",
          "birth_date", "address", "city", "zip", "state", "district", "phone", "email",
          "household_id", "turnout_score", "support_score", "party",
          "registration_date")  # fmt: skip
REQUIRED = ("voter_id", "first_name", "last_name")


def _status(value: object) -> object:
    """Lowercase a status name and fold its synonyms into ``unregistered``."""
    if isinstance(value, str):
        lowered = value.strip().lower()
        return _STATUS_SYNONYMS.get(lowered, lowered)
    return value


def _column_list(value: object) -> object:
    """A single column name as a one-element list."""
    return [value] if isinstance(value, str) else value


StatusName = Annotated[Status, BeforeValidator(_status)]
ColumnRef = Annotated[list[str], BeforeValidator(_column_list)]


class StatusMapping(BaseModel):
    """Where the registration status is, and what its codes mean."""

    model_config = ConfigDict(extra="forbid")

    column: str
    values: dict[str, StatusName] = Field(default_factory=dict)
    default: StatusName | None = None

    def lookup(self, raw: str) -> Status | None:
        """The status for a source code (case-insensitive); the default or None if unknown."""
        code = raw.strip()
        if not code:
            return self.default
        for key, status in self.values.items():
            if key.strip().lower() == code.lower():
                return status
        return self.default


class VoteHistory(BaseModel):
    """Which columns record past votes, and which of their values mean "voted"."""

    model_config = ConfigDict(extra="forbid")

    columns: list[str] = Field(default_factory=list)
    dates: list[dt.date] | None = None  # election day of each of ``columns``, in order
    pattern: str | None = None
    date_format: str | None = None
    limit: int | None = Field(default=None, ge=1)
    voted_values: list[str] | None = None

    @model_validator(mode="after")
    def _one_source(self) -> VoteHistory:
        """Exactly one way of finding the columns, and a pattern that compiles."""
        if bool(self.columns) == bool(self.pattern):
            raise ValueError("vote_history needs either columns or pattern, not both")
        if self.dates is not None and len(self.dates) != len(self.columns):
            raise ValueError(
                f"vote_history has {len(self.columns)} columns but {len(self.dates)} dates: "
                "give one election day per column, in the same order"
            )
        if self.pattern:
            re.compile(self.pattern)
        return self

    def voted(self, raw: str) -> bool:
        """True when a history cell says the person voted."""
        value = raw.strip()
        if self.voted_values is None:
            return bool(value)
        return value.upper() in {v.upper() for v in self.voted_values}


class SkipRows(BaseModel):
    """Rows to leave out, counted but not rejected: those whose column holds one of the values."""

    model_config = ConfigDict(extra="forbid")

    column: str
    values: list[str]
    reason: str = ""


class VoterMapping(BaseModel):
    """One voter-file layout: delimiter, encoding, and the column of each field."""

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    delimiter: str = ","
    encoding: str | None = None
    header: bool = True
    quoting: bool = True
    column_names: list[str] = Field(default_factory=list)
    state: str | None = None
    columns: dict[str, ColumnRef]
    optional: list[str] = Field(default_factory=list)
    registration_status: StatusMapping | None = None
    vote_history: VoteHistory | None = None
    primary_ballots: VoteHistory | None = None
    skip: SkipRows | None = None

    @model_validator(mode="after")
    def _check(self) -> VoterMapping:
        """Normalize the delimiter, encoding and state; require what every file needs."""
        self.delimiter = _DELIMITER_NAMES.get(self.delimiter.lower(), self.delimiter)
        if len(self.delimiter) != 1:
            raise ValueError(f"delimiter must be one character, got {self.delimiter!r}")
        if self.encoding and self.encoding.lower() == "auto":
            self.encoding = None
        if self.encoding:
            self.encoding = text_encoding(self.encoding)
        unknown = sorted(set(self.columns) - set(FIELDS))
        if unknown:
            raise ValueError(f"unknown fields {unknown}; known fields: {', '.join(FIELDS)}")
        missing = [f for f in REQUIRED if f not in self.columns]
        if missing:
            raise ValueError(f"columns must name {', '.join(missing)}")
        if self.state is not None:
            code = normalize_state(self.state)
            if code is None:
                raise ValueError(f"state {self.state!r} is not a US state")
            self.state = code
        elif "state" not in self.columns:
            raise ValueError("give a state column, or a fixed state for a single-state file")
        if not self.header and not self.column_names:
            raise ValueError("a file without a header row needs column_names")
        return self

    def required_columns(self) -> list[str]:
        """Every source column the mapping needs, in mapping order, without repeats."""
        needed: list[str] = []
        for field_name, refs in self.columns.items():
            if field_name not in self.optional:
                needed.extend(c for c in refs if c not in needed)
        status = self.registration_status
        if status and "registration_status" not in self.optional and status.column not in needed:
            needed.append(status.column)
        if self.vote_history and "vote_history" not in self.optional:
            needed.extend(c for c in self.vote_history.columns if c not in needed)
        if self.skip and self.skip.column not in needed:
            needed.append(self.skip.column)
        return needed


def text_encoding(name: str) -> str:
    """The codec's canonical name; ValueError unless it decodes bytes to text."""
    try:
        "a".encode(name)  # bytes-to-bytes codecs (hex, base64, zlib) are not text encodings
        return codecs.lookup(name).name
    except (LookupError, ValueError):
        raise ValueError(f"unknown encoding {name!r}") from None


def available_mappings(*, history: bool = False) -> list[str]:
    """The names of the voter-file mappings shipped (or, with ``history``, vote-history ones)."""
    return sorted(
        p.stem
        for p in MAPPINGS_DIR.glob("*.yaml")
        if ("\nkind: history" in p.read_text(encoding="utf-8")) == history
    )


def load_mapping(name_or_path: str | Path) -> VoterMapping:
    """The mapping shipped under that name, or read from that YAML path; InvalidInput if bad."""
    path = Path(name_or_path)
    if not (path.suffix in (".yaml", ".yml") or path.exists() or len(path.parts) > 1):
        path = MAPPINGS_DIR / f"{name_or_path}.yaml"
        if not path.exists():
            raise InvalidInput(
                f"no voter-file mapping named {str(name_or_path)!r}; "
                f"shipped: {', '.join(available_mappings())}"
            )
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInput(f"cannot read the mapping {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise InvalidInput(f"the mapping {path.name} is not valid YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise InvalidInput(f"the mapping {path.name} must be a YAML mapping of settings")
    if document.get("kind") == "history":
        raise InvalidInput(
            f"{path.name} is a vote-history mapping: load that file as vote history, "
            "after its voter file"
        )
    document.setdefault("name", path.stem)
    try:
        return VoterMapping.model_validate(document)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'mapping'}: {err['msg']}"
            for err in exc.errors()
        )
        raise InvalidInput(f"the mapping {path.name} is invalid: {problems}") from exc
