"""Re-ranks that overlap (two uploads at once, an upload during a full re-rank) agree.

The assignment and the write happen under one lock in the graph, so the result of
overlapping re-ranks is the result of some order of them, never a mix.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from neo4j import Driver

from graph.locks import LockTimeout, held, try_acquire
from graph.ranking import rankings_of
from outreach.core.settings import Settings
from outreach.usecases.rerank import rank
from tests.factories import unique
from tests.graph.test_matcher_jobs import _network


def test_overlapping_reranks_leave_the_lists_a_sequential_rerank_would(
    driver: Driver, settings: Settings, tmp_path: Path, worker: object
) -> None:
    supporters = _network(driver, settings, tmp_path, size=3)
    scopes = [[supporters[0]], [supporters[1]], [supporters[2]], supporters] * 2
    with ThreadPoolExecutor(max_workers=4) as pool:
        for run in [pool.submit(rank, driver, supporter_ids=scope) for scope in scopes]:
            run.result()
    rows = rankings_of(driver, supporters)
    pairs = [(r["supporter"], r["friend"]) for r in rows]
    assert len(pairs) == len(set(pairs)), "a friend appears twice on a list"
    for sid in supporters:
        ranks = sorted(r["rank"] for r in rows if r["supporter"] == sid)
        assert ranks == list(range(1, len(ranks) + 1)), (sid, ranks)

    rank(driver, supporter_ids=supporters)  # one more, alone
    again = rankings_of(driver, supporters)
    assert len(again) == len(rows) > 0


def test_a_lock_is_held_by_one_owner_and_expires(driver: Driver) -> None:
    name = unique("lock")
    assert try_acquire(driver, name, "a", hold_seconds=30)
    assert not try_acquire(driver, name, "b", hold_seconds=30)
    assert try_acquire(driver, name, "a", hold_seconds=30)  # its owner may renew it
    other = unique("lock")
    assert try_acquire(driver, other, "a", hold_seconds=-1)  # expired at once
    assert try_acquire(driver, other, "b", hold_seconds=30)


def test_a_waiter_gets_the_lock_when_it_is_released(driver: Driver) -> None:
    name = unique("lock")
    order: list[str] = []

    def second() -> None:
        with held(driver, name, hold_seconds=30, wait_seconds=30):
            order.append("second")

    with held(driver, name, hold_seconds=30, wait_seconds=1):
        waiter = threading.Thread(target=second)
        waiter.start()
        time.sleep(0.5)
        order.append("first")
    waiter.join(timeout=30)
    assert order == ["first", "second"]
    with (
        held(driver, name, hold_seconds=30, wait_seconds=1),
        pytest.raises(LockTimeout),
        held(driver, name, hold_seconds=30, wait_seconds=0.3),
    ):
        pass


def test_a_fanned_out_rerank_leaves_lists_written_after_it_was_scored(
    driver: Driver, settings: Settings, tmp_path: Path, worker: object
) -> None:
    from datetime import date

    from graph.config_store import current_settings
    from outreach.usecases.rerank import finish, score_partition

    supporters = _network(driver, settings, tmp_path, size=3)
    version, matcher = current_settings(driver)
    started = time.time()
    stale = [
        score_partition(driver, supporter_ids=supporters, settings=matcher, as_of=date.today())
    ]
    stale[0].candidates = []  # as if scored before any of their friends were loaded
    time.sleep(0.01)
    rank(driver, supporter_ids=[supporters[0]], include_competitors=False)
    fresh = {r["friend"] for r in rankings_of(driver, [supporters[0]])}
    assert fresh
    finish(driver, partitions=stale, settings=matcher, version=version, started=started)
    assert {r["friend"] for r in rankings_of(driver, [supporters[0]])} == fresh


def test_a_waiting_uploads_rerank_is_covered_by_the_one_that_runs_first(
    driver: Driver, settings: Settings, tmp_path: Path, worker: object
) -> None:
    from graph.jobs import create_job, get_job, update_job
    from outreach.usecases.rerank import rank_after_upload

    first, waiting, loading, organizer = _network(driver, settings, tmp_path, size=4)
    loads = {sid: unique("load") for sid in (first, waiting, loading)}
    for sid, load in loads.items():
        create_job(driver, job_id=load, kind="ingest_contacts", owner=sid, params={})
        if sid != loading:  # this one's load is still running: its re-rank must wait for it
            update_job(driver, job_id=load, status="succeeded", counts={})
    reranks = {sid: unique("rank") for sid in loads}
    for sid, job in reranks.items():
        create_job(driver, job_id=job, kind="rank", owner=sid, params={}, after=loads[sid])
    full = unique("rank")  # an organizer's full re-rank is not an upload's
    create_job(driver, job_id=full, kind="rank", owner=organizer, params={"supporters": None})

    done = rank_after_upload(driver, job_id=reranks[first], supporter_id=first)

    names = {v: k for k, v in {**reranks, "full": full}.items()}
    assert [names.get(j, j) for j in done.merged] == [waiting], (reranks, full)
    assert done.counts["uploads"] == 2
    covered = get_job(driver, reranks[waiting])
    assert covered.status == "succeeded" and covered.counts["assigned"] == done.counts["assigned"]
    assert {r["supporter"] for r in rankings_of(driver, [first, waiting])} == {first, waiting}
    assert get_job(driver, reranks[loading]).status == "queued"
    assert get_job(driver, full).status == "queued"
    # The covered job's own task, when it comes, finds the work done and ranks nothing.
    again = rank_after_upload(driver, job_id=reranks[waiting], supporter_id=waiting)
    assert again.merged_into == reranks[first] and again.merged == []


def test_a_held_lock_is_renewed_past_its_hold_time(driver: Driver) -> None:
    name = unique("lock")
    with held(driver, name, hold_seconds=1.5, wait_seconds=1):
        time.sleep(4.0)  # more than twice the hold time: only renewal keeps it
        assert not try_acquire(driver, name, "other", hold_seconds=30)
    assert try_acquire(driver, name, "other", hold_seconds=30)
