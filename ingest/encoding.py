"""Text encoding of uploaded and bulk files: detect it, decode, or refuse the file.

Detection order, cheapest and surest first:

1. a byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32);
2. UTF-16 without a mark, recognised by its pattern of NUL bytes in ASCII text;
3. strict UTF-8;
4. cp1252 (the superset of Latin-1 that US spreadsheets and contact exports write) when
   most letters are ASCII and the accented ones are sprinkled among them, as in Western
   names ("José Müller"). Statistical detectors guess wildly on such short text (cp1006,
   cp1250, Mac Roman ...), so they are not asked;
5. charset-normalizer for the hard cases, where most letters are outside ASCII (Cyrillic
   cp1251, Shift-JIS ...). Its Western and Central European guesses still read as cp1252.

Anything left, or text full of control characters, is binary and refused.
"""

from __future__ import annotations

import codecs
import unicodedata

from charset_normalizer import from_bytes

from outreach.core.errors import FileRejected

SAMPLE_BYTES = 64 * 1024
_WESTERN = frozenset(
    {"ascii", "cp1250", "cp1252", "cp1254", "cp1257", "latin_1", "cp437", "cp850", "cp858",
     "mac_roman", "mac_latin2", "mac_iceland", "mac_turkish"}
    | {f"iso8859_{n}" for n in (1, 2, 3, 4, 9, 10, 13, 14, 15, 16)}
)  # fmt: skip
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v")
_MAX_CONTROL_SHARE = 0.01


def detect_encoding(sample: bytes) -> str:
    """The Python codec name that decodes ``sample``, the first block of a file."""
    if not sample:
        raise FileRejected("file is empty")
    if sample.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    unmarked = _unmarked_utf16(sample)
    if unmarked:
        return unmarked
    if _is_utf8(sample):
        return "utf-8"
    if b"\x00" in sample:
        raise FileRejected("file is binary, not text (it contains NUL bytes)")
    if _mostly_ascii_letters(sample):
        return "cp1252"
    best = from_bytes(sample).best()
    if best is None:
        raise FileRejected("file is binary or in an unknown text encoding")
    guess = best.encoding.lower()
    return "cp1252" if guess in _WESTERN else guess


def decode_bytes(data: bytes) -> str:
    """The text of a whole uploaded file, or FileRejected when it is empty or not text."""
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise FileRejected("file is empty")
    codec = detect_encoding(_sample(data))
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        if codec.startswith("utf-16") or codec.startswith("utf-32"):
            raise FileRejected(f"file is not valid {codec.upper()} text: {exc.reason}") from exc
        # The sample was clean but a later byte is not: fall back to the Western superset.
        text = data.decode("cp1252", errors="replace")
    text = text.lstrip("\ufeff")
    check_text(text)
    if not text.strip():
        raise FileRejected("file is empty")
    return text


def check_text(text: str) -> None:
    """Refuse decoded text that is mostly control characters, i.e. binary data."""
    sample = text[:SAMPLE_BYTES]
    if "\x00" in sample:
        raise FileRejected("file is binary, not text (it contains NUL characters)")
    controls = sum(
        1 for ch in sample if ch not in _ALLOWED_CONTROLS and unicodedata.category(ch) == "Cc"
    )
    if sample and controls / len(sample) > _MAX_CONTROL_SHARE:
        raise FileRejected("file is binary, not text (too many control characters)")


def fix_mojibake(text: str) -> str:
    """Repair UTF-8 that was decoded as Latin-1 (as Facebook's JSON exports do), else as is."""
    try:
        repaired = text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text
    return repaired


def _sample(data: bytes) -> bytes:
    """The first block of ``data``, cut at a line end so no character is split."""
    if len(data) <= SAMPLE_BYTES:
        return data
    block = data[:SAMPLE_BYTES]
    cut = block.rfind(b"\n")
    return block[: cut + 1] if cut > 0 else block


def _mostly_ascii_letters(sample: bytes) -> bool:
    """True when at most a third of the letters, read as cp1252, are outside ASCII."""
    text = sample.decode("cp1252", errors="replace")
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return False
    outside = sum(1 for ch in letters if not ch.isascii())
    return outside <= len(letters) / 3


def _unmarked_utf16(sample: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` when ASCII-range text shows NULs on one side."""
    if len(sample) < 4:
        return None
    even = sample[0::2]
    odd = sample[1::2]
    half = len(sample) // 2
    if odd.count(0) > 0.4 * half and even.count(0) < 0.05 * half:
        return "utf-16-le"
    if even.count(0) > 0.4 * half and odd.count(0) < 0.05 * half:
        return "utf-16-be"
    return None


def _is_utf8(sample: bytes) -> bool:
    """True when ``sample`` is UTF-8, allowing a character cut at its very end."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    return True
