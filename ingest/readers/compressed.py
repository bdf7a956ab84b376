"""Open a data file whether it is plain, gzip-compressed or a zip archive of one file.

States publish their voter files in all three forms (Ohio's statewide files come as
``.gz``, North Carolina's as ``.zip``), and they run to gigabytes, so the compressed
stream is read as it is, never unpacked to disk. The form is recognised by the file's
first bytes, not its name.
"""

from __future__ import annotations

import gzip
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from outreach.core.errors import FileRejected

_GZIP = b"\x1f\x8b"
_ZIP = b"PK\x03\x04"


@contextmanager
def open_data(path: Path) -> Iterator[IO[bytes]]:
    """The file's bytes, decompressed when it is gzip or a zip archive holding one file."""
    with open(path, "rb") as raw:
        head = raw.read(4)
    if head.startswith(_GZIP):
        with gzip.open(path, "rb") as stream:
            yield stream  # type: ignore[misc]  # a GzipFile is a binary stream
        return
    if head.startswith(_ZIP):
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) != 1:
                names = ", ".join(m.filename for m in members[:5]) or "none"
                raise FileRejected(
                    f"{path.name} is a zip archive of {len(members)} files ({names}); "
                    "give an archive that holds one file, or the file itself"
                )
            with archive.open(members[0]) as stream:
                yield stream
        return
    with open(path, "rb") as stream:
        yield stream
