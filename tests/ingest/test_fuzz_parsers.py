"""Property-based fuzzing of every parser: the only failure is a clear ``InvalidInput``.

Each parser gets generated input, from raw bytes to files shaped like what it expects
with hostile cells (quotes, delimiters, line breaks, control characters, huge numbers,
unpaired surrogate escapes), plain and compressed. Whatever comes in, a parser either
returns its records and rejections, each rejection naming a line (from 1) and a reason, or
refuses with ``InvalidInput`` (``FileRejected`` for a whole file) and a message. Any
other exception is a failure.

Example counts come from the Hypothesis profile in ``tests/conftest.py``
(``OUTREACH_FUZZ_PROFILE=deep`` for a longer run).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from ingest.history import iter_history_chunks, load_history_mapping
from ingest.mapping import available_mappings, load_mapping
from ingest.readers import FORMATS, read_contacts
from ingest.readers.compressed import DecompressionLimits, open_data
from ingest.readers.voters import iter_voter_chunks
from outreach.core.errors import InvalidInput, RowError

# Text a hostile file might hold: every delimiter, quotes, line breaks, NUL and other
# control characters, a BOM, non-Latin letters and emoji.
_HOSTILE = st.sampled_from(
    [",", ";", "\t", "|", '"', "'", "\n", "\r", "\r\n", "\x00", "\x1b", "\ufeff", "\\",
     "=", "+", "-", "@", ":", "é", "ß", "中", "😀", "\u202e", " "]
)  # fmt: skip
CELL = st.one_of(
    st.text(max_size=30),
    st.lists(st.one_of(_HOSTILE, st.text(max_size=4)), max_size=8).map("".join),
    st.sampled_from(
        ["", "Ann Lee", "6085550101", "+1 (608) 555-0101", "ann@example.org", "1984",
         "1984-02-30", "WI", "53703", "friend", "0.5", "-1", "1e309", "NaN", "9" * 400,
         "Y", "N", "A", "11/08/2022", "GENERAL"]
    ),
)  # fmt: skip
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"])
COMPRESSION = st.sampled_from(["plain", "gzip", "zip"])


def encode(text: str, encoding: str) -> bytes:
    """The text in that encoding; characters it cannot hold become '?'."""
    return text.encode(encoding, errors="replace")


def csv_text(header: list[str], rows: list[list[str]], delimiter: str, quoted: bool) -> str:
    """A CSV file; ``quoted`` writes it properly, otherwise cells are joined as they are."""
    if quoted:
        out = io.StringIO()
        writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        return out.getvalue()
    return "\n".join(delimiter.join(row) for row in [header, *rows]) + "\n"


def check_result_rows(rejected: list[RowError], lines: int | None = None) -> None:
    """Every rejection names a line within the file and gives a reason."""
    for error in rejected:
        assert isinstance(error.line, int) and error.line >= 1, error
        if lines is not None:
            assert error.line <= lines + 1, error
        assert error.field is None or isinstance(error.field, str), error
        assert isinstance(error.reason, str) and error.reason.strip(), error


def check_refusal(exc: InvalidInput) -> None:
    """A refusal says what is wrong, and never as a traceback."""
    assert exc.status == 422
    assert exc.detail.strip()
    assert "Traceback" not in exc.detail


def contacts_or_refusal(data: bytes, **options: Any) -> None:
    """Read an upload; only a clear refusal may stop it."""
    try:
        result = read_contacts(data, **options)
    except InvalidInput as exc:
        check_refusal(exc)
        return
    check_result_rows(result.rejected, data.count(b"\n") + data.count(b"\r"))
    assert result.rows_read >= len(result.records)
    assert result.format in FORMATS


@contextmanager
def data_file(data: bytes, compression: str, name: str = "voters.csv") -> Iterator[Path]:
    """The bytes as a file on disk, plain, gzip-compressed or in a zip archive."""
    with tempfile.TemporaryDirectory(prefix="fuzz-") as folder:
        path = Path(folder) / name
        if compression == "gzip":
            path.write_bytes(gzip.compress(data, compresslevel=1))
        elif compression == "zip":
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr(name, data)
        else:
            path.write_bytes(data)
        yield path


def drain(chunks: Callable[[], Iterator[Any]]) -> None:
    """Read every chunk of a streaming parser; only a clear refusal may stop it."""
    try:
        for chunk in chunks():
            check_result_rows(chunk.rejected)
            assert chunk.rows_read >= len(getattr(chunk, "records", []))
    except InvalidInput as exc:
        check_refusal(exc)


# -- contact uploads ---------------------------------------------------------------------

CONTACT_HEADERS = st.lists(
    st.one_of(
        st.sampled_from(
            ["name", "Name", "first_name", "First Name", "last_name", "Last Name", "phone",
             "Phone 1 - Value", "Phone 1 - Type", "E-mail 1 - Value", "email", "emails",
             "Given Name", "Family Name", "Group Membership", "Labels", "Birthday",
             "birth_year", "city", "state", "zip", "closeness", "Address 1 - Formatted",
             "Address 1 - Region", "Address 1 - Postal Code", "Notes", "Nickname"]
        ),
        CELL,
    ),
    min_size=1,
    max_size=8,
)  # fmt: skip


@given(data=st.binary(max_size=2000), fmt=st.sampled_from([None, *FORMATS]))
def test_contact_upload_of_any_bytes(data: bytes, fmt: str | None) -> None:
    contacts_or_refusal(data, fmt=fmt, filename="upload")


@given(
    header=CONTACT_HEADERS,
    rows=st.lists(st.lists(CELL, max_size=9), max_size=12),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    quoted=st.booleans(),
    encoding=ENCODINGS,
    fmt=st.sampled_from([None, "csv", "google"]),
)
def test_contact_csv_and_google_csv(
    header: list[str],
    rows: list[list[str]],
    delimiter: str,
    quoted: bool,
    encoding: str,
    fmt: str | None,
) -> None:
    text = csv_text(header, rows, delimiter, quoted)
    contacts_or_refusal(encode(text, encoding), fmt=fmt, filename="contacts.csv")


VCARD_PROPERTY = st.tuples(
    st.sampled_from(
        ["FN", "N", "TEL", "EMAIL", "ADR", "BDAY", "CATEGORIES", "ORG", "NOTE", "item1.TEL",
         "X-ABLABEL", "NICKNAME", "VERSION", "BEGIN", "END", "PHOTO", "TEL;TYPE=CELL",
         "EMAIL;TYPE=INTERNET;PREF=1", "N;CHARSET=UTF-8", "ADR;TYPE=HOME",
         "FN;ENCODING=QUOTED-PRINTABLE"]
    ),
    CELL,
)  # fmt: skip


@given(
    cards=st.lists(
        st.tuples(st.lists(VCARD_PROPERTY, max_size=8), st.booleans(), st.booleans()), max_size=5
    ),
    version=st.sampled_from(["2.1", "3.0", "4.0", "9", ""]),
    folded=st.booleans(),
    encoding=ENCODINGS,
)
def test_vcard(
    cards: list[tuple[list[tuple[str, str]], bool, bool]],
    version: str,
    folded: bool,
    encoding: str,
) -> None:
    lines: list[str] = []
    for properties, opened, closed in cards:
        if opened:
            lines += ["BEGIN:VCARD", f"VERSION:{version}"]
        for name, value in properties:
            line = f"{name}:{value}"
            if folded and len(line) > 10:
                line = line[:10] + "\r\n " + line[10:]
            lines.append(line)
        if closed:
            lines.append("END:VCARD")
    text = "\r\n".join(lines) + "\r\n"
    contacts_or_refusal(encode(text, encoding), fmt="vcf", filename="contacts.vcf")


JSON_SCALAR = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), CELL,
    st.sampled_from(["\\ud800", "\\udfff"]),
)  # fmt: skip
JSON_VALUE = st.recursive(
    JSON_SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.one_of(
                st.sampled_from(
                    ["name", "first_name", "last_name", "phone", "phones", "email", "emails",
                     "timestamp", "title", "data", "contact_info", "birthday", "city", "state"]
                ),
                st.text(max_size=8),
            ),
            inner,
            max_size=5,
        ),
    ),
    max_leaves=20,
)  # fmt: skip


@given(
    friends=st.one_of(st.lists(JSON_VALUE, max_size=6), JSON_VALUE),
    key=st.sampled_from(["friends", "friends_v2", "people", None]),
    cut=st.integers(min_value=0, max_value=40),
)
def test_json_friends(friends: Any, key: str | None, cut: int) -> None:
    document = {key: friends} if key else friends
    text = json.dumps(document, ensure_ascii=False, allow_nan=True)
    # Surrogate escapes are written as the six characters, as a hostile file would.
    text = text.replace("\\\\ud800", "\\ud800").replace("\\\\udfff", "\\udfff")
    contacts_or_refusal(text.encode("utf-8", errors="surrogatepass"), fmt="json")
    if cut:  # the same file cut short
        contacts_or_refusal(text[:-cut].encode("utf-8", errors="surrogatepass"), fmt="json")


# -- voter files with each shipped mapping, vote history, compressed files ---------------

VOTER_MAPPINGS = available_mappings()
HISTORY_MAPPINGS = available_mappings(history=True)


def voter_header(name: str) -> list[str]:
    """The columns a voter file for this mapping has (or, without a header row, none)."""
    mapping = load_mapping(name)
    if not mapping.header:
        return list(mapping.column_names)
    columns: list[str] = []
    for refs in mapping.columns.values():
        columns += [c for c in (refs if isinstance(refs, list) else [refs]) if c not in columns]
    for extra in mapping.required_columns():
        if extra not in columns:
            columns.append(extra)
    return columns


@given(
    name=st.sampled_from(VOTER_MAPPINGS),
    rows=st.lists(st.lists(CELL, min_size=0, max_size=40), max_size=10),
    quoted=st.booleans(),
    encoding=ENCODINGS,
    compression=COMPRESSION,
    drop_header=st.booleans(),
)
def test_voter_file_with_each_mapping(
    name: str,
    rows: list[list[str]],
    quoted: bool,
    encoding: str,
    compression: str,
    drop_header: bool,
) -> None:
    mapping = load_mapping(name)
    header = voter_header(name)
    width = len(header)
    body = [(row + [""] * width)[:width] if len(row) % 3 else row for row in rows]
    text = csv_text(header, body, mapping.delimiter, quoted)
    if drop_header or not mapping.header:
        text = text.split("\n", 1)[1]
    with data_file(encode(text, encoding), compression) as path:
        drain(lambda: iter_voter_chunks(path, mapping, chunk_size=4))


@given(
    name=st.sampled_from(HISTORY_MAPPINGS),
    rows=st.lists(st.lists(CELL, max_size=20), max_size=10),
    quoted=st.booleans(),
    compression=COMPRESSION,
)
def test_vote_history_with_each_mapping(
    name: str, rows: list[list[str]], quoted: bool, compression: str
) -> None:
    mapping = load_history_mapping(name)
    header = list(mapping.column_names) or sorted(set(mapping.needed()))
    text = csv_text(header, rows, mapping.delimiter, quoted)
    if not mapping.header:
        text = text.split("\n", 1)[1]
    with data_file(encode(text, "utf-8"), compression, "history.txt") as path:
        drain(lambda: iter_history_chunks(path, mapping, chunk_size=4))


@given(
    data=st.binary(max_size=3000),
    head=st.sampled_from([b"", b"\x1f\x8b", b"\x1f\x8b\x08\x00", b"PK\x03\x04", b"PK\x05\x06"]),
    name=st.sampled_from(VOTER_MAPPINGS),
)
def test_voter_file_of_any_bytes(data: bytes, head: bytes, name: str) -> None:
    with data_file(head + data, "plain") as path:
        drain(lambda: iter_voter_chunks(path, load_mapping(name), chunk_size=4))


@given(
    data=st.binary(min_size=1, max_size=3000),
    compression=st.sampled_from(["gzip", "zip"]),
    cut=st.integers(min_value=1, max_value=200),
    flip=st.integers(min_value=0, max_value=10_000),
)
def test_damaged_compressed_files(data: bytes, compression: str, cut: int, flip: int) -> None:
    """A compressed file cut short or with a byte changed is refused, not half-read."""
    with data_file(b"voter_id,first_name,last_name,state\n" + data, compression) as path:
        packed = bytearray(path.read_bytes())
        if flip % 2:
            packed[flip % len(packed)] ^= 0xFF
        else:
            del packed[max(4, len(packed) - cut) :]
        path.write_bytes(bytes(packed))
        try:
            with open_data(path, limits=DecompressionLimits(max_bytes=10**6, max_ratio=1000)) as s:
                while s.read(4096):
                    pass
        except InvalidInput as exc:
            check_refusal(exc)
        drain(lambda: iter_voter_chunks(path, load_mapping("demo"), chunk_size=4))


# -- the mappings themselves -------------------------------------------------------------

MAPPING_VALUE = st.one_of(
    CELL, st.integers(), st.booleans(), st.none(),
    st.lists(CELL, max_size=3), st.dictionaries(CELL, CELL, max_size=3),
    st.sampled_from(["(?P<date>[", "*", "(?P<date>\\d+)", "%Y%m%d", "%Q", "utf-8",
                     "no-such-codec", "hex", "idna", "punycode", "utf-7", "unicode_escape",
                     ",", "tab", "WI", "ZZ"]),
)  # fmt: skip
MAPPING_DOCUMENT = st.dictionaries(
    st.sampled_from(
        ["name", "kind", "description", "delimiter", "encoding", "header", "quoting",
         "column_names", "columns", "optional", "state", "registration_status",
         "vote_history", "primary_ballots", "skip", "date_format", "elections", "voted",
         "limit", "unknown"]
    ),
    MAPPING_VALUE,
    max_size=10,
)  # fmt: skip


@given(
    base=st.sampled_from(VOTER_MAPPINGS + HISTORY_MAPPINGS),
    changes=MAPPING_DOCUMENT,
    rows=st.lists(st.lists(CELL, max_size=12), max_size=4),
)
def test_mappings_edited_at_random(
    base: str, changes: dict[str, Any], rows: list[list[str]]
) -> None:
    """A shipped mapping with keys changed at random loads or is refused clearly; if it loads,
    a file read through it fails only clearly too."""
    from ingest.mapping import MAPPINGS_DIR

    document = yaml.safe_load((MAPPINGS_DIR / f"{base}.yaml").read_text(encoding="utf-8"))
    document.update(changes)
    with tempfile.TemporaryDirectory(prefix="fuzz-") as folder:
        path = Path(folder) / "edited.yaml"
        path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
        loader: Callable[[Path], Any] = (
            load_history_mapping if document.get("kind") == "history" else load_mapping
        )
        try:
            mapping = loader(path)
        except InvalidInput as exc:
            check_refusal(exc)
            return
        header = [str(c) for c in (getattr(mapping, "column_names", None) or [])]
        if not header and hasattr(mapping, "needed"):
            header = list(mapping.needed())
        elif not header:
            header = list(mapping.required_columns())
        text = csv_text(header, rows, mapping.delimiter, True)
        with data_file(text.encode("utf-8"), "plain") as data:
            if document.get("kind") == "history":
                drain(lambda: iter_history_chunks(data, mapping, chunk_size=2))
            else:
                drain(lambda: iter_voter_chunks(data, mapping, chunk_size=2))


@given(text=st.text(max_size=400))
def test_mapping_of_any_text(text: str) -> None:
    with tempfile.TemporaryDirectory(prefix="fuzz-") as folder:
        path = Path(folder) / "any.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        for loader in (load_mapping, load_history_mapping):
            try:
                loader(path)
            except InvalidInput as exc:
                check_refusal(exc)


@pytest.mark.parametrize("name", VOTER_MAPPINGS)
def test_each_shipped_mapping_is_fuzzed(name: str) -> None:
    """The fuzzed header for each mapping is one the mapping accepts (so rows get parsed)."""
    mapping = load_mapping(name)
    header = voter_header(name)
    text = csv_text(header, [], mapping.delimiter, True)
    if not mapping.header:
        text = ""
    with data_file((text or "x\n").encode(), "plain") as path:
        try:
            list(iter_voter_chunks(path, mapping))
        except InvalidInput as exc:
            assert "lacks columns" not in exc.detail, exc.detail
