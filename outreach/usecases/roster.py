"""The roster: the campaign's list of supporters, loaded from a CSV."""

from __future__ import annotations

from pathlib import Path

from neo4j import Driver

from ingest.supporters_job import ingest_roster
from outreach.core.errors import RowError
from outreach.core.settings import Settings


def load(driver: Driver, settings: Settings, *, path: Path) -> tuple[int, list[RowError]]:
    """Upsert the supporters in the file; return how many and the rejected rows."""
    return ingest_roster(
        driver,
        path=path,
        secret=settings.secret_key.get_secret_value(),
        batch_size=settings.graph_write_batch,
    )
