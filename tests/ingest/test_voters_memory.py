"""Voter files stream: peak memory does not grow with the number of rows.

Each file is read in a fresh interpreter, whose peak resident size is then compared; a
reader that kept every record would need well over 100 MB more for the larger file.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.ingest.factories import write_big_demo_voters

STREAM = """
import resource, sys
from pathlib import Path
from ingest.mapping import load_mapping
from ingest.readers.voters import iter_voter_chunks
rows = sum(c.rows_read for c in iter_voter_chunks(Path(sys.argv[1]), load_mapping("demo")))
print(rows, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def stream_peak_kib(path: Path) -> tuple[int, int]:
    """Rows read and peak resident KiB of a fresh process streaming ``path``."""
    done = subprocess.run(
        [sys.executable, "-c", STREAM, str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    rows, peak = done.stdout.split()
    return int(rows), int(peak)


def test_peak_memory_is_flat_from_50k_to_200k_rows(tmp_path: Path) -> None:
    small = write_big_demo_voters(tmp_path / "small.csv", 50_000)
    large = write_big_demo_voters(tmp_path / "large.csv", 200_000)
    small_rows, small_peak = stream_peak_kib(small)
    large_rows, large_peak = stream_peak_kib(large)
    assert (small_rows, large_rows) == (50_000, 200_000)
    assert large.stat().st_size > 10 * 1024 * 1024
    assert large_peak - small_peak < 12 * 1024, (small_peak, large_peak)
