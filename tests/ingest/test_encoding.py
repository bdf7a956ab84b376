"""Decoding uploads: byte-order marks, UTF-16, Latin-1/cp1252, binary and empty files."""

from __future__ import annotations

import codecs
import random

import pytest

from ingest.encoding import decode_bytes, detect_encoding, fix_mojibake
from outreach.core.errors import FileRejected

TEXT = (
    "first_name,last_name,city\nJosé,Müller,Málaga\nFrançois,Lefèvre,Besançon\nZoë,Ñúñez,Göteborg\n"
)


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + TEXT.encode("utf-8"),
        TEXT.encode("utf-16"),
        TEXT.encode("utf-16-le"),
        TEXT.encode("utf-16-be"),
        codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
        TEXT.encode("latin-1"),
        TEXT.encode("cp1252"),
        TEXT.encode("utf-32"),
    ],
    ids=[
        "utf8",
        "utf8-bom",
        "utf16-bom",
        "utf16le-nobom",
        "utf16be-nobom",
        "utf16be-bom",
        "latin1",
        "cp1252",
        "utf32",
    ],
)
def test_accented_text_survives_every_encoding(data: bytes) -> None:
    assert decode_bytes(data) == TEXT


def test_cp1252_typographic_quotes_are_read() -> None:
    text = "name,note\n\u201cBob\u201d O\u2019Neil,caf\u00e9\n"
    assert decode_bytes(text.encode("cp1252")) == text


def test_short_latin1_name_is_read_as_western() -> None:
    assert detect_encoding("name\nJosé\n".encode("latin-1")) == "cp1252"


def test_other_scripts_use_the_detector() -> None:
    text = "имя,фамилия\nИван,Петров\nМария,Иванова\nСергей,Смирнов\n"  # noqa: RUF001
    assert decode_bytes(text.encode("cp1251")) == text


@pytest.mark.parametrize("data", [b"", b"   \r\n\n", codecs.BOM_UTF8])
def test_empty_file_is_rejected(data: bytes) -> None:
    with pytest.raises(FileRejected, match="file is empty"):
        decode_bytes(data)


def test_binary_garbage_is_rejected() -> None:
    garbage = random.Random(7).randbytes(4096)
    with pytest.raises(FileRejected, match="binary"):
        decode_bytes(garbage)
    with pytest.raises(FileRejected, match="binary"):
        decode_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" * 20)


def test_mojibake_repair_and_no_op() -> None:
    assert fix_mojibake("Jos\u00c3\u00a9") == "José"
    assert fix_mojibake("José") == "José"
    assert fix_mojibake("Zoë \u2013 Ann") == "Zoë \u2013 Ann"
