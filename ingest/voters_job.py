"""Load a voter file into the graph: stream chunks, normalize, key, and upsert in batches."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import fields
from pathlib import Path
from typing import Any

from neo4j import Driver

from graph.voters import Upserted, count_place_areas, store_place_areas, upsert_voters
from ingest.keys import (
    birth_key,
    email_key,
    name_key,
    name_state_key,
    phone_key,
    sound_key,
    street_key,
    surname_key,
)
from ingest.mapping import load_mapping
from ingest.names import canonical_first_name
from ingest.place_areas import areas_from_counts, phone_area, place_key
from ingest.readers.base import nothing_usable
from ingest.readers.voters import iter_voter_chunks
from ingest.records import VoterRecord
from outreach.core.errors import RowError
from outreach.core.settings import Settings

Report = Callable[[dict[str, int], list[RowError]], None]

# Kept on the Voter node; raw phone and email are replaced by keyed hashes. The street
# line stays, as the voter file publishes it: an upload's contact that gives an address
# is compared with it (``ingest/link_fields.py``).
_DROPPED = {"phone", "email", "line"}
_KEPT = tuple(f.name for f in fields(VoterRecord) if f.name not in _DROPPED | {"voter_id"})


def voter_row(record: VoterRecord, *, secret: str, keep_turnout: bool = False) -> dict[str, Any]:
    """The graph row for one voter: public voter-file fields plus keyed hashes.

    ``keep_turnout`` leaves out vote history and turnout, for a file that carries
    neither, so that what a separate history file loaded (``ingest/history_job.py``)
    stays when the voter file is loaded again.
    """
    props: dict[str, Any] = {name: getattr(record, name) for name in _KEPT}
    if keep_turnout:
        del props["vote_history"], props["turnout_score"]
    props["phone_hash"] = phone_key(secret, record.phone) if record.phone else None
    props["email_hash"] = email_key(secret, record.email) if record.email else None
    canonical = canonical_first_name(record.first_name) if record.first_name else ""
    props["name_key"] = name_key(canonical, record.last_name)
    props["name_state_key"] = (
        name_state_key(props["name_key"], record.state)
        if props["name_key"] and record.state
        else None
    )
    props["last_key"] = surname_key(record.last_name, record.state, canonical)
    props["sound_key"] = sound_key(record.last_name, record.state, canonical)
    props["birth_key"] = birth_key(record.birth_date, canonical)
    props["street_key"] = street_key(record.address)
    props["phone_area"] = phone_area(record.phone)
    props["place_key"] = place_key(record.state, record.city, record.zip)
    return {"voter_id": record.voter_id, "props": props}


def ingest_voters(
    driver: Driver,
    *,
    path: Path,
    mapping: str,
    settings: Settings,
    report: Report | None = None,
    chunk_size: int = 10_000,
) -> dict[str, int]:
    """Stream the file into ``:Voter`` nodes; rejected rows are reported, the rest load.

    Reading and writing overlap: while one chunk is written (the graph server's work,
    during which this process mostly waits on the socket), the next is read and
    normalized. One write is in flight at a time, so memory holds two chunks at most.
    Then the area codes of the places the file touched (where its voters live, and where
    any of them lived before this load) are counted again from their voters
    (:func:`refresh_place_areas`); ``counts["places"]`` is how many have some.
    """
    column_map = load_mapping(mapping)
    secret = settings.secret_key.get_secret_value()
    counts = {"read": 0, "rejected": 0, "skipped": 0, "normalized": 0, "written": 0}
    keep_turnout = column_map.vote_history is None and "turnout_score" not in column_map.columns
    rejected: list[RowError] = []
    places: set[str] = set()

    def finish(pending: Future[Upserted] | None) -> None:
        if pending is not None:
            done = pending.result()
            counts["written"] += done.written
            places.update(done.places_left)  # a voter who moved no longer counts there
            if report:
                report(dict(counts), rejected)

    pending: Future[Upserted] | None = None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="voter-writer") as writer:
        for chunk in iter_voter_chunks(
            path, column_map, chunk_size=chunk_size, region=settings.default_region
        ):
            counts["read"] += chunk.rows_read
            counts["rejected"] += len(chunk.rejected)
            counts["skipped"] += chunk.skipped
            rejected.extend(chunk.rejected)
            rows = [
                voter_row(record, secret=secret, keep_turnout=keep_turnout)
                for record in chunk.records
            ]
            counts["normalized"] += len(rows)
            places.update(p for r in rows if (p := r["props"]["place_key"]))
            finish(pending)
            pending = writer.submit(
                upsert_voters, driver, rows, batch_size=settings.graph_write_batch
            )
        finish(pending)
    if not counts["normalized"] and not counts["skipped"]:
        raise nothing_usable("a voter", counts["read"], rejected)
    counts["places"] = refresh_place_areas(driver, places, batch_size=settings.graph_write_batch)
    return counts


def refresh_place_areas(driver: Driver, places: set[str], *, batch_size: int) -> int:
    """Count again the area codes of these places' voters' phones and store each place's
    (``ingest.place_areas``): what uploads compare a contact's phone with. Counted from
    the voters in the graph, so loading a file twice, or two files of one state, gives
    the same codes. Returns how many of the places have codes."""
    counts = count_place_areas(driver, places, batch_size=batch_size)
    areas = {place: areas_from_counts(counts.get(place, {})) for place in places}
    return store_place_areas(driver, areas, batch_size=batch_size)
