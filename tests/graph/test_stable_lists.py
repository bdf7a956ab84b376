"""Stable lists: a friend shown to or asked by a supporter stays theirs across re-ranks."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from neo4j import Driver

from graph.ranking import rankings_of
from outreach.core.settings import Settings
from outreach.matching.stability import favour_incumbents
from tests.factories import (
    api_client,
    consent_and_upload,
    load_voter_rows,
    rank_now,
    unique,
    voter,
)


@dataclass(frozen=True)
class Pair:
    supporter_id: str
    friend_key: str
    impact: float


def test_an_incumbent_is_valued_above_its_supporters_best_and_keeps_its_friend() -> None:
    candidates = [Pair("a", "amy", 0.1), Pair("a", "bob", 0.5), Pair("b", "amy", 0.9)]
    choices = {
        (c.supporter_id, c.friend_key): c.impact
        for c in favour_incumbents(candidates, {("a", "amy")}, k=1)
    }
    assert choices[("a", "amy")] > choices[("a", "bob")]  # kept while a has room
    assert ("b", "amy") not in choices  # amy is with a already (k = 1)
    with_two = favour_incumbents(candidates, {("a", "amy")}, k=2)
    assert ("b", "amy") in {(c.supporter_id, c.friend_key) for c in with_two}


def test_a_friend_no_longer_a_candidate_is_not_kept() -> None:
    candidates = [Pair("a", "bob", 0.5)]  # amy left the targets: she is no candidate now
    choices = favour_incumbents(candidates, {("a", "amy")}, k=1)
    assert [(c.supporter_id, c.friend_key, c.impact) for c in choices] == [("a", "bob", 0.5)]


def test_a_later_upload_by_a_closer_friend_does_not_take_a_shown_friend(
    api_url: str,
    driver: Driver,
    settings: Settings,
    worker: subprocess.Popen[bytes],
    tmp_path: Path,
) -> None:
    tag = unique("s")[-6:]
    amy = {"first_name": "Amy", "last_name": f"Stay{tag}", "phone": "6085550166"}
    load_voter_rows(driver, tmp_path / "v.csv", [voter(**amy, state="WI")])
    first, closer = unique("sup"), unique("sup")
    with api_client(api_url, settings, first) as client:
        consent_and_upload(client, first, [amy])
    rank_now(driver, [first])
    assert len(rankings_of(driver, [first])) == 1

    # Amy is family to the second supporter, a closer tie: alone, they would get her.
    with api_client(api_url, settings, closer) as client:
        consent_and_upload(client, closer, [{**amy, "labels": "family", "favorite": "true"}])
    rank_now(driver, [first, closer])
    holders = {r["supporter"] for r in rankings_of(driver, [first, closer])}
    assert holders == {first}
