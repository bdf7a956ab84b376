"""Match review: voter records that may be a supporter's friend, confirmed or rejected by them."""

from __future__ import annotations

from neo4j import Driver

from graph.db.run import Row
from graph.review import decide_match, pending_matches
from outreach.core.settings import Settings
from outreach.usecases import rerank
from outreach.usecases.jobs import TaskQueue


def pending(driver: Driver, *, supporter_id: str, offset: int, limit: int) -> list[Row]:
    """Candidates waiting for the supporter, best first."""
    return pending_matches(driver, supporter_id=supporter_id, offset=offset, limit=limit)


def decide(
    driver: Driver,
    queue: TaskQueue,
    settings: Settings,
    *,
    supporter_id: str,
    friend_id: str,
    voter_id: str,
    confirm: bool,
) -> str:
    """Store the supporter's decision, then re-rank them; return the re-rank's job id."""
    decide_match(
        driver, supporter_id=supporter_id, friend_id=friend_id, voter_id=voter_id, confirm=confirm
    )
    return rerank.request(driver, queue, settings, supporter_ids=[supporter_id], owner=supporter_id)
