"""Load a vote-history file onto the ``:Voter`` nodes: streamed, batched, and idempotent.

Two passes, so that memory stays flat however big the file:

1. each chunk's votes are added to the voters' sets of elections voted in
   (``graph.voter_history.add_votes``): a vote already there is not added twice;
2. the most recent ``limit`` counted elections the file holds become every voter's
   ``vote_history`` (voted or not in each, most recent first) and ``turnout_score`` (the
   share voted in), walking the mapping's state's voters in pages: a voter with no
   history row gets a turnout of 0. Voters whose own voter file carried a history keep it.

Load the voter file first; a voter file whose mapping carries no history leaves what
this job wrote in place when it is loaded again (``ingest.voters_job.voter_row``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from neo4j import Driver

from graph.voter_history import add_votes, set_turnout, voters_page
from ingest.history import iter_history_chunks, load_history_mapping
from ingest.readers.base import nothing_usable
from outreach.core.errors import RowError
from outreach.core.settings import Settings

Report = Callable[[dict[str, int], list[RowError]], None]
PAGE = 5_000


def ingest_history(
    driver: Driver,
    *,
    path: Path,
    mapping: str | Path,
    settings: Settings,
    report: Report | None = None,
    chunk_size: int = 50_000,
) -> dict[str, int]:
    """Stream the history file onto the voters; rejected rows are reported, the rest load."""
    column_map = load_history_mapping(mapping)
    counts = {"read": 0, "rejected": 0, "ignored": 0, "votes": 0, "voters_found": 0,
              "elections": 0, "voters_scored": 0}  # fmt: skip
    rejected: list[RowError] = []
    elections: set[str] = set()
    for chunk in iter_history_chunks(path, column_map, chunk_size=chunk_size):
        counts["read"] += chunk.rows_read
        counts["rejected"] += len(chunk.rejected)
        counts["ignored"] += chunk.ignored
        rejected.extend(chunk.rejected)
        elections |= chunk.elections
        rows = [{"voter_id": v, "elections": sorted(d)} for v, d in chunk.votes.items()]
        counts["votes"] += sum(len(r["elections"]) for r in rows)
        counts["voters_found"] += add_votes(driver, rows, batch_size=settings.graph_write_batch)
        if report:
            report(dict(counts), rejected)
    if not elections and not counts["ignored"]:
        raise nothing_usable("a vote", counts["read"], rejected)
    counted = sorted(elections, reverse=True)[: column_map.limit]
    counts["elections"] = len(counted)
    if counted:
        counts["voters_scored"] = score_turnout(
            driver, state=column_map.state, source=column_map.name, elections=counted
        )
    if report:
        report(dict(counts), rejected)
    return counts


def score_turnout(driver: Driver, *, state: str, source: str, elections: list[str]) -> int:
    """Write history and turnout over ``elections`` (latest first) for all a state's voters."""
    after, scored = "", 0
    while True:
        page = voters_page(driver, state=state, source=source, after=after, limit=PAGE)
        if not page:
            return scored
        rows = []
        for voter in page:
            voted = set(voter["voted"] or [])
            history = [date in voted for date in elections]
            rows.append({"voter_id": voter["voter_id"], "history": history,
                         "turnout": sum(history) / len(history)})  # fmt: skip
        set_turnout(driver, rows, source=source)
        scored += len(rows)
        after = str(page[-1]["voter_id"])
