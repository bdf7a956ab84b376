"""Decompression bombs and over-large compressed files are refused before anything is written."""

from __future__ import annotations

import gzip
import zipfile
import zlib
from pathlib import Path

import pytest
from neo4j import Driver

from graph.voters import count_voters
from ingest.history import iter_history_chunks, load_history_mapping
from ingest.mapping import load_mapping
from ingest.readers.compressed import RATIO_FLOOR, DecompressionLimits, open_data
from ingest.readers.voters import iter_voter_chunks
from ingest.voters_job import ingest_voters
from outreach.core.errors import FileRejected
from outreach.core.settings import Settings
from tests.ingest.factories import DEMO_VOTER_HEADER, demo_voter

BOMB_BYTES = 2 * RATIO_FLOOR  # 128 MiB of data in a few hundred KiB


def demo_lines() -> tuple[bytes, bytes]:
    """The demo header and one valid voter row, as CSV lines."""
    row = demo_voter(voter_id="BOMB-000001")
    header = (",".join(DEMO_VOTER_HEADER) + "\n").encode()
    return header, (",".join(row[h] for h in DEMO_VOTER_HEADER) + "\n").encode()


def gzip_bomb(path: Path, size: int = BOMB_BYTES) -> Path:
    """A real gzip bomb: valid voter rows, repeated until ``size`` bytes, compressed hard."""
    header, row = demo_lines()
    block = row * (1024 * 1024 // len(row))
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip container
    with path.open("wb") as out:
        out.write(packer.compress(header))
        written = len(header)
        while written < size:
            out.write(packer.compress(block))
            written += len(block)
        out.write(packer.flush())
    return path


def zip_bomb(path: Path, size: int = BOMB_BYTES) -> Path:
    """A real zip bomb of the same rows, streamed into one deflated member."""
    header, row = demo_lines()
    block = row * (1024 * 1024 // len(row))
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("voters.csv", "w", force_zip64=True) as member,
    ):
        member.write(header)
        written = len(header)
        while written < size:
            member.write(block)
            written += len(block)
    return path


@pytest.mark.parametrize("build", [gzip_bomb, zip_bomb], ids=["gzip", "zip"])
def test_a_voter_file_bomb_is_refused_and_nothing_is_written(
    build: object, tmp_path: Path, driver: Driver, settings: Settings
) -> None:
    bomb = build(tmp_path / "voters.csv.gz")  # type: ignore[operator]
    assert bomb.stat().st_size * settings.decompression_max_ratio < BOMB_BYTES
    before = count_voters(driver)
    with pytest.raises(FileRejected) as refused:
        ingest_voters(driver, path=bomb, mapping="demo", settings=settings, chunk_size=1000)
    assert "decompression bomb" in refused.value.detail
    assert "OUTREACH_DECOMPRESSION_MAX_RATIO" in refused.value.detail
    assert refused.value.status == 422
    assert count_voters(driver) == before


def test_a_vote_history_bomb_is_refused(tmp_path: Path) -> None:
    bomb = gzip_bomb(tmp_path / "history.txt.gz")
    mapping = load_history_mapping("nc_ncvhis")
    with pytest.raises(FileRejected, match="decompression bomb"):
        next(iter_history_chunks(bomb, mapping))


def test_the_size_limit_holds_for_files_that_compress_normally(tmp_path: Path) -> None:
    """Past ``max_bytes`` a file is refused whatever its ratio; under it, read in full."""
    header, _ = demo_lines()
    rows = b"".join(
        (",".join(demo_voter(voter_id=f"SZ-{i:06d}", zip=f"{53000 + i % 999}")[h]
                  for h in DEMO_VOTER_HEADER) + "\n").encode()
        for i in range(5_000)
    )  # fmt: skip
    data = header + rows
    packed = tmp_path / "voters.csv.gz"
    packed.write_bytes(gzip.compress(data))
    tight = DecompressionLimits(max_bytes=len(data) - 1, max_ratio=1000)
    with pytest.raises(FileRejected, match="over the limit"), open_data(packed, limits=tight):
        pass
    roomy = DecompressionLimits(max_bytes=len(data), max_ratio=1000)
    with open_data(packed, limits=roomy) as stream:
        assert stream.read() == data
    chunks = list(iter_voter_chunks(packed, load_mapping("demo"), chunk_size=2000))
    assert sum(len(c.records) for c in chunks) == 5_000


def test_a_truncated_gzip_is_refused_before_the_first_row(tmp_path: Path) -> None:
    header, row = demo_lines()
    packed = gzip.compress(header + row * 5000)
    cut = tmp_path / "voters.csv.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(FileRejected, match="damaged or incomplete"):
        next(iter_voter_chunks(cut, load_mapping("demo")))


def test_a_compressed_contact_upload_is_refused_unopened() -> None:
    """Contact uploads are never decompressed: a gzip bomb is refused as a binary file."""
    from ingest.readers import read_contacts

    header, row = demo_lines()
    bomb = gzip.compress(header + row * 200_000)  # 40 MB of rows in a small upload
    with pytest.raises(FileRejected, match="binary"):
        read_contacts(bomb, filename="contacts.csv.gz")
