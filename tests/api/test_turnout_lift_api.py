"""Lift from validated turnout, end to end: planted effects in a vote history, found over HTTP.

A supporter uploads 600 friends in two target states (in districts of their own, which
the report is narrowed to); the rankings draw half of them into the holdout; the
supporter records asks for 60% of the assigned ones. After "the
election" the campaign loads a vote-history file in which held-out friends voted at
``P`` and assigned ones at ``P + d`` (through the asks: asked friends at
``P + d / ask_rate``). Three elections in the one file carry three effects, one of them
zero. The report, read over HTTP, must find each ``d`` inside its interval (and the
complier effect inside its own), and must claim no effect where ``d`` is zero.
"""

from __future__ import annotations

import random
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any, LiteralString

import httpx
import pytest
from neo4j import Driver

from graph.db.run import read
from ingest.keys import friend_id, voter_key
from outreach.core.settings import Settings
from outreach.usecases import organizer_settings, voter_files
from tests.factories import (
    api_client,
    consent_and_upload,
    load_voter_rows,
    rank_now,
    unique,
    voter,
    wait_job,
)
from workers.queue import CeleryQueue

P = 0.40
DISTRICT = 77  # no real district has this number: the report reads only this module's friends
EFFECTS = {date(2026, 11, 3): 0.0, date(2026, 11, 10): 0.10, date(2026, 11, 17): 0.20}
FIRST = ["Ann", "Bea", "Cora", "Dan", "Eli", "Fay", "Gus", "Hal", "Ida", "Jon"]
LAST = [f"Turn{c}{d}" for c in "abcdefghijklmnopqrstuvwxyz" for d in "xyz"]


@pytest.fixture(scope="module")
def campaign(
    driver: Driver,
    settings: Settings,
    api_url: str,
    worker: subprocess.Popen[bytes],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, Any]]:
    """600 friends of one supporter, ranked with half of them held out, 60% of the rest asked."""
    tmp = tmp_path_factory.mktemp("lift")
    organizer_settings.change(driver, changes={"n": 1000, "holdout_share": 0.5}, author="test")
    try:
        yield build_campaign(driver, settings, api_url, tmp)
    finally:
        organizer_settings.change(driver, changes={"n": None, "holdout_share": None}, author="test")


def build_campaign(driver: Driver, settings: Settings, api_url: str, tmp: Path) -> dict[str, Any]:
    rng = random.Random(15)
    # Numbers drawn at random, as real ones are: consecutive numbers would put friends one
    # swap of two digits apart, whom the linker rightly weighs as possibly one person.
    numbers = rng.sample(range(2_000_000, 10_000_000), 600)
    people = []
    for i, number in enumerate(numbers):
        state, area = ("WI", "414") if i % 2 == 0 else ("PA", "215")
        first, last = FIRST[i % len(FIRST)], LAST[i // len(FIRST)]
        people.append({"first_name": first, "last_name": last, "state": state,
                       "phone": f"{area}{number}"})  # fmt: skip
    rows = [
        voter(
            first_name=p["first_name"],
            last_name=p["last_name"],
            phone=p["phone"],
            state=p["state"],
            district=f"{p['state']}-{DISTRICT}",
            city="",
            zip="",
            household_id="",
        )
        for p in people
    ]
    load_voter_rows(driver, tmp / "voters.csv", rows)
    supporter = unique("lift-sup")
    with api_client(api_url, settings, supporter) as client:
        consent_and_upload(client, supporter, people)
        rank_now(driver, [supporter])
        secret = settings.secret_key.get_secret_value()
        assigned: list[str] = []
        asked: set[str] = set()
        listed = {
            item["friend_id"]
            for offset in range(0, 600, 100)
            for item in client.get(
                f"/supporters/{supporter}/targets", params={"limit": 100, "offset": offset}
            ).json()["items"]
        }
        for row in rows:
            fid = friend_id(secret, supporter, voter_key(secret, row["voter_id"]))
            if fid in listed:
                assigned.append(row["voter_id"])
        for voter_id in assigned[: round(0.6 * len(assigned))]:
            fid = friend_id(secret, supporter, voter_key(secret, voter_id))
            body = {"friend_id": fid, "channel": "text", "outcome": "will_vote"}
            response = client.post(f"/supporters/{supporter}/outcomes", json=body)
            assert response.status_code in (200, 201), response.text
            asked.add(voter_id)
    held = [r["voter_id"] for r in rows if r["voter_id"] not in set(assigned)]
    return {"rows": rows, "assigned": assigned, "asked": asked, "held": held, "tmp": tmp}


def planted_voters(campaign: dict[str, Any], d: float, rng: random.Random) -> list[str]:
    """Exactly ``P`` of each state's held-out friends vote; assigned ones ``P + d`` through asks."""
    state_of = {r["voter_id"]: r["state"] for r in campaign["rows"]}
    voted: list[str] = []
    for state in ("WI", "PA"):
        held = [v for v in campaign["held"] if state_of[v] == state]
        mine = [v for v in campaign["assigned"] if state_of[v] == state]
        asked = [v for v in mine if v in campaign["asked"]]
        not_asked = [v for v in mine if v not in campaign["asked"]]
        ask_rate = len(asked) / len(mine)
        for group, rate in ((held, P), (not_asked, P), (asked, P + d / ask_rate)):
            voted += rng.sample(group, round(rate * len(group)))
    return voted


def history_file(campaign: dict[str, Any]) -> tuple[Path, Path]:
    """A vote-history file with the three elections, and its mapping."""
    tmp: Path = campaign["tmp"]
    rng = random.Random(2026)
    lines = ["voter_id,election_date,election_desc"]
    for day, d in EFFECTS.items():
        for voter_id in planted_voters(campaign, d, rng):
            lines.append(f"{voter_id},{day:%m/%d/%Y},{day:%m/%d/%Y} GENERAL")
    path = tmp / "history.csv"
    path.write_text("\n".join(lines) + "\n")
    mapping = tmp / "lift_history.yaml"
    mapping.write_text(
        "kind: history\nname: lift_history\nstate: AK\ndelimiter: ','\n"
        "columns: {voter_id: voter_id, election_date: election_date}\n"
        "elections: {column: election_desc, pattern: GENERAL}\nlimit: 4\n"
    )
    return path, mapping


@pytest.fixture(scope="module")
def after_the_election(driver: Driver, campaign: dict[str, Any]) -> dict[str, Any]:
    """The vote history loaded through the queue, twice (the second load changes nothing)."""
    path, mapping = history_file(campaign)
    for _ in range(2):
        job = voter_files.submit_history(driver, CeleryQueue(), path=path, mapping=str(mapping))
        assert wait_job(driver, job)["status"] == "succeeded"
    return campaign


@pytest.fixture
def organizer(api_url: str, settings: Settings) -> Iterator[httpx.Client]:
    with api_client(api_url, settings, unique("organizer"), role="organizer") as client:
        yield client


def lift(client: httpx.Client, day: date, **params: Any) -> dict[str, Any]:
    geo = [f"WI-{DISTRICT}", f"PA-{DISTRICT}"]  # this module's friends, not other tests'
    query = {"election": day.isoformat(), "geo": geo, "max_detectable": 0.2, **params}
    response = client.get("/organizer/reports/turnout-lift", params=query)
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


POOL_FRIENDS: LiteralString = """
MATCH (p:Person)-[:MATCHES]->(v:Voter)
WHERE p.holdout_pool = true AND v.district IN $districts
RETURN v.voter_id AS voter_id, p.held_out = true AS held_out,
       COUNT { (p)-[:MATCHES]->() } AS matches, COUNT { (p)<-[:KNOWS]-() } AS known_by,
       [(s:Supporter)-[:SHOULD_ASK]->(p) | s.id] AS listed_for
"""


def arms_disagree(driver: Driver, campaign: dict[str, Any]) -> str:
    """What the graph holds for the pool friends on whom the report and the lists differ."""
    districts = [f"WI-{DISTRICT}", f"PA-{DISTRICT}"]
    listed = set(campaign["assigned"])
    rows = read(driver, POOL_FRIENDS, districts=districts)
    odd = [r for r in rows if (r["voter_id"] in listed) == bool(r["held_out"])]
    return f"{len(rows)} pool friends; on which the arms and the lists disagree: {odd}"


@pytest.mark.parametrize("day", list(EFFECTS), ids=[f"d={d}" for d in EFFECTS.values()])
def test_the_report_recovers_the_planted_effect(
    organizer: httpx.Client, after_the_election: dict[str, Any], day: date, driver: Driver
) -> None:
    d = EFFECTS[day]
    report = lift(organizer, day)
    overall = report["overall"]
    arms = overall["arms"]
    why = arms_disagree(driver, after_the_election)
    assert arms["assigned"]["friends"] == len(after_the_election["assigned"]), why
    assert arms["held_out"]["friends"] == len(after_the_election["held"]), why
    assert arms["assigned"]["asked"] == len(after_the_election["asked"])
    assert 200 < arms["held_out"]["friends"] < 400  # half of 600, by the holdout draw
    assert abs(arms["held_out"]["turnout"] - P) < 0.01
    itt, cace = overall["itt"], overall["cace"]
    assert itt["ci_low"] <= d <= itt["ci_high"], itt
    assert abs(itt["estimate"] - d) < 0.02
    assert cace["ci_low"] <= d / overall["ask_rate"] <= cace["ci_high"], cace
    assert cace["ci_high"] - cace["ci_low"] > itt["ci_high"] - itt["ci_low"]
    states = {row["state"]: row for row in report["by_state"]}
    assert set(states) == {"WI", "PA"}
    for row in states.values():
        assert row["itt"]["ci_low"] <= d <= row["itt"]["ci_high"], row
    if d == 0.0:
        assert overall["verdict"] == "no_detectable_effect"
        assert all(row["verdict"] not in ("lift", "drop") for row in states.values())
    else:
        assert overall["verdict"] == "lift"
        assert itt["ci_low"] > 0


def test_a_strict_bar_for_detection_says_too_small_to_conclude(
    organizer: httpx.Client, after_the_election: dict[str, Any]
) -> None:
    report = lift(organizer, date(2026, 11, 3), max_detectable=0.02)
    assert report["overall"]["verdict"] == "too_small_to_conclude"
    assert report["overall"]["minimum_detectable_effect"] > 0.02


def test_an_election_without_history_is_named_and_left_out(
    organizer: httpx.Client, after_the_election: dict[str, Any]
) -> None:
    report = lift(organizer, date(2030, 11, 5))
    assert set(report["states_without_history"]) >= {"WI", "PA"}
    assert report["overall"]["verdict"] == "no_data"


def test_supporters_cannot_read_the_report(api_url: str, settings: Settings) -> None:
    with api_client(api_url, settings, unique("sup")) as client:
        response = client.get("/organizer/reports/turnout-lift")
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
