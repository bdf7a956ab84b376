"""The matcher on the real graph: fan-out equals one-process ranking, versions, holdout, caps."""

from __future__ import annotations

from pathlib import Path

from neo4j import Driver

from graph.config_store import current_settings
from graph.ranking import held_out_summary, rankings_of, read_targets
from graph.supporters import record_consent
from ingest.contacts_job import ingest_upload
from outreach.core.partition import partition_of
from outreach.core.settings import Settings
from outreach.usecases import rerank
from outreach.usecases.consent import CURRENT_TERMS
from outreach.usecases.rerank import rank
from tests.factories import askable_voter_id, contacts_csv, load_voter_rows, unique, voter, wait_job
from workers.queue import CeleryQueue


def _network(
    driver: Driver, settings: Settings, tmp_path: Path, size: int = 6, held: int = 0
) -> list[str]:
    """Supporters who share swing-state friends, loaded through the real ingest code."""
    tag = unique("m")[-6:]
    exchange = 200 + int(tag, 16) % 700
    voters = [
        voter(
            first_name=f"F{i}",
            last_name=f"Net{tag}",
            phone=f"414-{exchange}-{3000 + i:04d}",
            state="WI",
            support_score=f"{0.6 + 0.03 * (i % 10):.2f}",
            vote_2016g="Y" if i % 2 else "N",
            vote_2020g="Y" if i % 3 else "N",
        )
        for i in range(30)
    ]
    for v in voters[:held]:
        v["voter_id"] = askable_voter_id(held_out=True)
    load_voter_rows(driver, tmp_path / "v.csv", voters)
    supporters = [unique("sup") for _ in range(size)]
    for j, sid in enumerate(supporters):
        record_consent(driver, supporter_id=sid, version=CURRENT_TERMS, partition=partition_of(sid))
        friends = [v for i, v in enumerate(voters) if (i + j) % 3 != 0]
        data = contacts_csv(
            [
                {
                    "first_name": v["first_name"],
                    "last_name": v["last_name"],
                    "phone": v["phone"],
                    "state": "WI",
                    "favorite": "true" if (j + i) % 7 == 0 else "",
                }
                for i, v in enumerate(friends)
            ]
        )
        ingest_upload(
            driver,
            supporter_id=sid,
            upload_id=unique("u"),
            data=data,
            filename="c.csv",
            consent=CURRENT_TERMS,
            settings=settings,
        )
    return supporters


def test_fanned_out_rerank_matches_the_one_process_rank(
    driver: Driver, worker: object, settings: Settings, tmp_path: Path
) -> None:
    supporters = _network(driver, settings, tmp_path)
    job = wait_job(driver, rerank.request(driver, CeleryQueue(), settings))
    assert job["status"] == "succeeded", job
    assert job["counts"]["partitions"] == settings.rank_partitions
    fanned = rankings_of(driver, supporters)
    rank(driver)
    single = rankings_of(driver, supporters)
    assert [(r["supporter"], r["friend"], r["rank"]) for r in fanned] == [
        (r["supporter"], r["friend"], r["rank"]) for r in single
    ]
    version, matcher = current_settings(driver)
    assert {r["version"] for r in single} == {version}
    per_friend: dict[str, int] = {}
    for r in single:
        per_friend[r["friend"]] = per_friend.get(r["friend"], 0) + 1
    assert max(per_friend.values()) <= matcher.k
    for sid in supporters:
        _, total = read_targets(driver, supporter_id=sid, offset=0, limit=100)
        assert total <= matcher.n


def test_incremental_rerank_keeps_friends_assigned_outside_its_scope(
    driver: Driver, worker: object, settings: Settings, tmp_path: Path
) -> None:
    supporters = _network(driver, settings, tmp_path, size=4)
    rank(driver, supporter_ids=supporters)
    # Re-rank one supporter alone (no competitors): it must not take friends already given.
    rank(driver, supporter_ids=supporters[:1], include_competitors=False)
    rows = rankings_of(driver, supporters)
    per_friend: dict[str, int] = {}
    for r in rows:
        per_friend[r["friend"]] = per_friend.get(r["friend"], 0) + 1
    assert rows and max(per_friend.values()) <= current_settings(driver)[1].k


def test_held_out_friends_are_never_assigned(
    driver: Driver, worker: object, settings: Settings, tmp_path: Path
) -> None:
    supporters = _network(driver, settings, tmp_path, size=3, held=3)
    rank(driver)
    held, assigned = held_out_summary(driver)
    assert held >= 3
    assert assigned == 0
    assert rankings_of(driver, supporters), "the others are still assigned"
