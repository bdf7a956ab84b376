"""Open a data file whether it is plain, gzip-compressed or a zip archive of one file.

States publish their voter files in all three forms (Ohio's statewide files come as
``.gz``, North Carolina's as ``.zip``), and they run to gigabytes, so the compressed
stream is read as it is, never unpacked to disk. The form is recognised by the file's
first bytes, not its name.

A compressed file is checked before the caller reads a byte of it, so that a hostile or
damaged one is refused with nothing written:

- a decompression bomb: more than ``DecompressionLimits.max_bytes`` of data, or more
  than ``max_ratio`` times the compressed size (once past ``RATIO_FLOOR``; real voter
  files compress about ten to one). A zip member's declared size is checked at once
  (Python never reads past it); a gzip stream is decompressed once, counting, and the
  count stops at the limit;
- a damaged file (cut short, a changed byte, a bad checksum): found by the same pass.

Both are ``FileRejected``. The stream handed out counts again while it is read, in case
the file changed in between.
"""

from __future__ import annotations

import gzip
import io
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from outreach.core.errors import FileRejected
from outreach.core.settings import get_settings

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

_GZIP = b"\x1f\x8b"
_ZIP = b"PK\x03\x04"
RATIO_FLOOR = 64 * 1024 * 1024  # below this much data, the ratio is not checked
_BLOCK = 1024 * 1024
_DAMAGE = (OSError, EOFError, zlib.error, zipfile.BadZipFile, ValueError, NotImplementedError)


@dataclass(frozen=True)
class DecompressionLimits:
    """How much data a compressed file may hold, in bytes and as a multiple of its size."""

    max_bytes: int
    max_ratio: float

    @classmethod
    def from_settings(cls) -> DecompressionLimits:
        """The limits set by ``OUTREACH_DECOMPRESSED_MAX_BYTES`` and ``..._MAX_RATIO``."""
        settings = get_settings()
        return cls(settings.decompressed_max_bytes, settings.decompression_max_ratio)

    def allowed(self, compressed_size: int) -> int:
        """The most data a file of ``compressed_size`` bytes may decompress to."""
        by_ratio = max(RATIO_FLOOR, int(compressed_size * self.max_ratio))
        return min(self.max_bytes, by_ratio)

    def refuse(self, name: str, compressed_size: int, size: int | None = None) -> FileRejected:
        """The refusal of a file that would decompress past these limits."""
        seen = f"more than {self.allowed(compressed_size):,}" if size is None else f"{size:,}"
        return FileRejected(
            f"{name} decompresses to {seen} bytes from {compressed_size:,}: over the limit of "
            f"{self.max_bytes:,} bytes or {self.max_ratio:g} times its size "
            "(OUTREACH_DECOMPRESSED_MAX_BYTES, OUTREACH_DECOMPRESSION_MAX_RATIO); "
            "it may be a decompression bomb",
            limit=self.max_bytes,
            max_ratio=self.max_ratio,
        )


def _damaged(name: str, exc: BaseException) -> FileRejected:
    return FileRejected(
        f"{name} is a damaged or incomplete compressed file ({exc.__class__.__name__}); "
        "compress it again, or give the file itself"
    )


class _Counted(io.RawIOBase):
    """A decompressing stream that refuses to give more than ``allowed`` bytes."""

    def __init__(self, inner: IO[bytes], name: str, allowed: int, refuse: FileRejected) -> None:
        self.inner, self.name, self.allowed, self.refusal = inner, name, allowed, refuse
        self.count = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer)
        try:
            data = self.inner.read(len(view))
        except _DAMAGE as exc:
            raise _damaged(self.name, exc) from exc
        view[: len(data)] = data
        self.count += len(data)
        if self.count > self.allowed:
            raise self.refusal
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        try:
            self.count = self.inner.seek(offset, whence)
        except _DAMAGE as exc:
            raise _damaged(self.name, exc) from exc
        return self.count

    def tell(self) -> int:
        return self.count


def _check_stream(
    open_stream: IO[bytes], name: str, compressed: int, limits: DecompressionLimits
) -> None:
    """Decompress once, counting, until the end or past the limit."""
    allowed, total = limits.allowed(compressed), 0
    try:
        while block := open_stream.read(_BLOCK):
            total += len(block)
            if total > allowed:
                raise limits.refuse(name, compressed)
    except _DAMAGE as exc:
        raise _damaged(name, exc) from exc


@contextmanager
def open_data(path: Path, *, limits: DecompressionLimits | None = None) -> Iterator[IO[bytes]]:
    """The file's bytes, decompressed when it is gzip or a zip archive holding one file."""
    with open(path, "rb") as raw:
        head = raw.read(4)
    if not head.startswith((_GZIP, _ZIP)):
        with open(path, "rb") as plain:
            yield plain
        return
    limits = limits or DecompressionLimits.from_settings()
    compressed = path.stat().st_size
    allowed = limits.allowed(compressed)
    refusal = limits.refuse(path.name, compressed)
    if head.startswith(_GZIP):
        with gzip.open(path, "rb") as check:
            _check_stream(check, path.name, compressed, limits)  # type: ignore[arg-type]
        with gzip.open(path, "rb") as unpacked:
            counted = _Counted(unpacked, path.name, allowed, refusal)  # type: ignore[arg-type]
            yield io.BufferedReader(counted, _BLOCK)
        return
    try:
        archive = zipfile.ZipFile(path)
    except _DAMAGE as exc:
        raise _damaged(path.name, exc) from exc
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) != 1:
            names = ", ".join(m.filename for m in members[:5]) or "none"
            raise FileRejected(
                f"{path.name} is a zip archive of {len(members)} files ({names}); "
                "give an archive that holds one file, or the file itself"
            )
        member = members[0]
        if member.file_size > allowed:
            raise limits.refuse(path.name, compressed, member.file_size)
        try:
            with archive.open(member) as check:
                _check_stream(check, path.name, compressed, limits)
            stream = archive.open(member)
        except _DAMAGE as exc:
            raise _damaged(path.name, exc) from exc
        with stream:
            yield io.BufferedReader(_Counted(stream, path.name, allowed, refusal), _BLOCK)
