"""Vote history on ``:Voter`` nodes: the elections each voter voted in, and turnout from them.

``add_votes`` adds election dates to ``v.voted_elections`` as a set (a date already
there is not added again), so loading the same history file twice changes nothing.
``voters_page`` and ``set_turnout`` then walk a state's voters in pages to write
``vote_history`` (voted or not in each counted election, most recent first) and
``turnout_score`` (the share of them voted in), including voters with no history rows,
but not voters whose own voter file carried a history (the demo file, Ohio's).
"""

from __future__ import annotations

from typing import Any, LiteralString

from neo4j import Driver

from graph.db.run import Row, batches, read, write

ADD_VOTES: LiteralString = """
UNWIND $rows AS row
MATCH (v:Voter {voter_id: row.voter_id})
WITH v, row, coalesce(v.voted_elections, []) AS had
SET v.voted_elections = had + [d IN row.elections WHERE NOT d IN had]
"""

COUNT_KNOWN: LiteralString = """
UNWIND $ids AS id
MATCH (v:Voter {voter_id: id})
RETURN count(v) AS n
"""

VOTERS_PAGE: LiteralString = """
MATCH (v:Voter)
WHERE v.state = $state AND v.voter_id > $after
  AND (v.history_source = $source OR coalesce(size(v.vote_history), 0) = 0)
RETURN v.voter_id AS voter_id, v.voted_elections AS voted
ORDER BY voter_id
LIMIT $limit
"""

SET_TURNOUT: LiteralString = """
UNWIND $rows AS row
MATCH (v:Voter {voter_id: row.voter_id})
SET v.vote_history = row.history, v.turnout_score = row.turnout, v.history_source = $source
"""


def add_votes(driver: Driver, rows: list[dict[str, Any]], *, batch_size: int) -> int:
    """Add ``{voter_id, elections}`` rows to the voters' voted elections; how many are known."""
    known = 0
    for chunk in batches(rows, batch_size):
        write(driver, ADD_VOTES, rows=chunk)
        known += int(read(driver, COUNT_KNOWN, ids=[r["voter_id"] for r in chunk])[0]["n"])
    return known


def voters_page(driver: Driver, *, state: str, source: str, after: str, limit: int) -> list[Row]:
    """The next ``limit`` voters of a state by voter id whose history ``source`` may write.

    Those are the voters whose voter file gave no history of its own, and those this
    source scored before; each comes with the elections it voted in.
    """
    return read(driver, VOTERS_PAGE, state=state, source=source, after=after, limit=limit)


def set_turnout(driver: Driver, rows: list[dict[str, Any]], *, source: str) -> None:
    """Write ``{voter_id, history, turnout}`` rows onto the voters, marked as ``source``'s."""
    write(driver, SET_TURNOUT, rows=rows, source=source)
