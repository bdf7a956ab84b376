"""File readers: contact uploads in every supported format, and voter files.

``read_contacts`` is the one entry point for a supporter's upload. It enforces the size
limit, decodes the bytes, picks the format (from ``fmt``, else the content and the file
name) and hands the text to that format's reader:

=========  ==========================================  =============================
format     what                                        module
=========  ==========================================  =============================
``csv``    any contact CSV, headers guessed            ``readers.csv_contacts``
``google`` Google Contacts CSV export (old and new)    ``readers.google``
``vcf``    vCard 3.0 / 4.0                             ``readers.vcard``
``json``   friend-list exports, Facebook's included    ``readers.json_friends``
=========  ==========================================  =============================

Voter files are streamed by ``readers.voters.iter_voter_chunks``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePath

from ingest.encoding import decode_bytes
from ingest.normalize import DEFAULT_MAX_FIELD_LENGTH
from ingest.readers.base import (
    ContactBuilder,
    ContactReadResult,
    csv_rows,
    is_blank,
    sniff_delimiter,
)
from ingest.readers.csv_contacts import read_generic_csv
from ingest.readers.google import is_google_header, read_google_csv
from ingest.readers.json_friends import looks_like_json, read_json_friends
from ingest.readers.vcard import looks_like_vcard, read_vcards
from outreach.core.errors import FileRejected, InvalidInput

__all__ = ["FORMATS", "ContactReadResult", "detect_format", "read_contacts"]

FORMATS = ("csv", "google", "vcf", "json")
_ALIASES = {"vcard": "vcf", "vcf": "vcf", "google": "google", "gcsv": "google",
            "csv": "csv", "tsv": "csv", "txt": "csv", "json": "json"}  # fmt: skip
_EXTENSIONS = {".vcf": "vcf", ".vcard": "vcf", ".json": "json"}


def detect_format(text: str, filename: str | None = None) -> str:
    """The format of a decoded upload: ``vcf``, ``json``, ``google`` or ``csv``.

    Content that opens like a vCard or JSON decides first, whatever the file is called;
    then a ``.vcf``/``.json`` name; then a Google header; anything else is generic CSV.
    """
    if looks_like_vcard(text):
        return "vcf"
    if looks_like_json(text):
        return "json"
    by_name = _EXTENSIONS.get(PurePath(filename).suffix.lower()) if filename else None
    if by_name in ("vcf", "json"):
        return by_name
    return "google" if _has_google_header(text) else "csv"


def read_contacts(
    data: bytes,
    *,
    filename: str | None = None,
    fmt: str | None = None,
    region: str = "US",
    max_bytes: int | None = None,
    columns: Mapping[str, str] | None = None,
    max_field_length: int = DEFAULT_MAX_FIELD_LENGTH,
    any_country: bool = False,
) -> ContactReadResult:
    """Every contact in one upload, normalized, with each rejected row; FileRejected if unusable.

    ``columns`` maps contact fields to headers for a generic CSV whose headers are not
    recognised (see ``readers.csv_contacts``); other formats ignore it. ``any_country``
    keeps states and postcodes that are not US ones as given (``outreach link``).
    """
    if max_bytes is not None and len(data) > max_bytes:
        raise FileRejected(
            f"file is {len(data):,} bytes, over the limit of {max_bytes:,} bytes",
            limit=max_bytes,
            size=len(data),
        )
    text = decode_bytes(data)
    if fmt is None:
        chosen = detect_format(text, filename)
    elif fmt.lower() in _ALIASES:
        chosen = _ALIASES[fmt.lower()]
    else:
        raise InvalidInput(f"unknown contact format {fmt!r}; known: {', '.join(FORMATS)}")
    builder = ContactBuilder(
        region=region, max_field_length=max_field_length, any_country=any_country
    )
    if chosen == "vcf":
        return read_vcards(text, builder=builder)
    if chosen == "json":
        return read_json_friends(text, builder=builder)
    if chosen == "google":
        return read_google_csv(text, builder=builder)
    return read_generic_csv(text, builder=builder, columns=columns)


def _has_google_header(text: str) -> bool:
    """True when the first non-blank CSV row is a Google Contacts header."""
    head = "\n".join(text[:65536].splitlines()[:5])
    try:
        for _, row in csv_rows(head, sniff_delimiter(head)):
            if not is_blank(row):
                return is_google_header(row)
    except FileRejected:
        return False
    return False
