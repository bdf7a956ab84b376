"""Load a roster of supporters (id, name, state, own voter id) from CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from neo4j import Driver

from graph.supporters import upsert_supporters
from ingest.encoding import decode_bytes
from ingest.keys import voter_key
from ingest.normalize import normalize_state
from outreach.core.errors import FileRejected, RowError
from outreach.core.partition import partition_of

REQUIRED = ("supporter_id",)


def read_roster(path: Path, *, secret: str) -> tuple[list[dict[str, Any]], list[RowError]]:
    """Supporter rows for the graph, and the rows refused."""
    reader = csv.DictReader(io.StringIO(decode_bytes(path.read_bytes())))
    found = list(reader.fieldnames or [])
    missing = [c for c in REQUIRED if c not in found]
    if missing:
        raise FileRejected(
            f"the roster lacks the column(s) {', '.join(missing)}",
            expected=list(REQUIRED),
            found=found,
        )
    rows: list[dict[str, Any]] = []
    rejected: list[RowError] = []
    for raw in reader:
        line = reader.line_num
        sid = (raw.get("supporter_id") or "").strip()
        if not sid:
            rejected.append(RowError(line, "supporter_id", "missing"))
            continue
        voter_id = (raw.get("voter_id") or "").strip() or None
        rows.append(
            {
                "id": sid,
                "voter_id": voter_id,
                "props": {
                    "first_name": (raw.get("first_name") or "").strip() or None,
                    "state": normalize_state(raw.get("state")),
                    "partition": partition_of(sid),
                    "voter_id": voter_id,
                    "person_key": voter_key(secret, voter_id) if voter_id else None,
                },
            }
        )
    return rows, rejected


def ingest_roster(
    driver: Driver, *, path: Path, secret: str, batch_size: int
) -> tuple[int, list[RowError]]:
    """Create or update the supporters in a roster file."""
    rows, rejected = read_roster(path, secret=secret)
    return upsert_supporters(driver, rows, batch_size=batch_size), rejected
