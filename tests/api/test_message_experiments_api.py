"""Message experiments over HTTP: variants on a supporter's list, outcomes under them, the report.

An organizer starts an experiment with two variants; the supporter's list shows each
friend the variant drawn for the pair (the same one on every read); outcomes recorded by
the supporter are counted under it; the report tells the variants apart; Thompson
sampling shifts new draws to the winner; promoting sends the winner to everyone;
stopping brings the usual message back.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from neo4j import Driver

from outreach.core.settings import Settings
from outreach.matching.experiments import draw_variant
from outreach.usecases import organizer_settings
from tests.factories import api_client, consent_and_upload, load_voter_rows, rank_now, unique, voter

FIRST = ["Ada", "Bo", "Cy", "Di", "Ed", "Flo", "Gil", "Hugh", "Ivy", "Jo"]
MARK_A = "Deadline-variant"
MARK_B = "Plan-variant"


@pytest.fixture(scope="module")
def supporter(
    driver: Driver,
    settings: Settings,
    api_url: str,
    worker: subprocess.Popen[bytes],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """A supporter with 40 friends in Wisconsin on their list."""
    tmp: Path = tmp_path_factory.mktemp("experiments")
    tag = unique("x")[-5:]
    people = [
        {"first_name": FIRST[i % 10], "last_name": f"Exp{tag}{'abcd'[i // 10]}",
         "phone": f"608{4_000_000 + int(tag, 16) % 900_000 + i}", "state": "WI"}
        for i in range(40)
    ]  # fmt: skip
    load_voter_rows(
        driver,
        tmp / "voters.csv",
        [voter(first_name=p["first_name"], last_name=p["last_name"], phone=p["phone"])
         for p in people],
    )  # fmt: skip
    organizer_settings.change(driver, changes={"n": 100}, author="test")
    try:
        sid = unique("exp-sup")
        with api_client(api_url, settings, sid) as client:
            consent_and_upload(client, sid, people)
        rank_now(driver, [sid])
        yield sid
    finally:
        organizer_settings.change(driver, changes={"n": None}, author="test")


@pytest.fixture
def organizer(api_url: str, settings: Settings) -> Iterator[httpx.Client]:
    with api_client(api_url, settings, unique("organizer"), role="organizer") as client:
        yield client


def the_list(client: httpx.Client, supporter: str) -> list[dict[str, Any]]:
    response = client.get(f"/supporters/{supporter}/targets", params={"limit": 100})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


EXPERIMENT = {
    "name": "Deadline or plan",
    "variants": [
        {"name": "Deadline", "template": "Hi {first_name}! " + MARK_A + ": {state} counts."},
        {
            "name": "Plan",
            "template": "Hi {first_name}, it's {supporter_name}. " + MARK_B,
            "fallback": "Hi {first_name}! " + MARK_B + " (no name)",
        },
    ],
    "share": 1.0,
    "success": ["will_vote"],
    "thompson": True,
}


def test_an_experiment_runs_from_the_list_to_the_report_and_a_winner(
    organizer: httpx.Client, api_url: str, settings: Settings, supporter: str
) -> None:
    created = organizer.post("/organizer/experiments", json=EXPERIMENT)
    assert created.status_code == 201, created.text
    experiment = created.json()
    eid = experiment["id"]
    try:
        assert experiment["status"] == "running"
        assert experiment["allocation"] == {"A": 0.5, "B": 0.5}
        with api_client(api_url, settings, supporter) as client:
            items = the_list(client, supporter)
            assert len(items) == 40
            # The same draw on every read (each opt-out link is signed afresh, with the time).
            drawn = [(i["friend_id"], i["suggested_message"]) for i in items]
            again = [(i["friend_id"], i["suggested_message"]) for i in the_list(client, supporter)]
            assert again == drawn
            shown: dict[str, str] = {}
            for item in items:
                expected = draw_variant(eid, supporter, item["friend_id"],
                                        allocation={"A": 0.5, "B": 0.5})  # fmt: skip
                message = item["suggested_message"]
                first = item["name"].split()[0]
                if expected == "A":
                    assert message == f"Hi {first}! {MARK_A}: Wisconsin counts."
                else:  # the roster gave this supporter no name: the fallback
                    assert message == f"Hi {first}! {MARK_B} (no name)"
                sms = next(a["href"] for a in item["actions"] if a["kind"] == "text")
                assert unquote(sms.split("body=", 1)[1]) == message
                shown[item["friend_id"]] = expected
            counts = {v: list(shown.values()).count(v) for v in "AB"}
            assert min(counts.values()) >= 8, counts
            for fid, variant in shown.items():
                outcome = "will_vote" if variant == "A" else "not_interested"
                body = {"friend_id": fid, "channel": "text", "outcome": outcome}
                assert client.post(f"/supporters/{supporter}/outcomes", json=body).is_success

        report = organizer.get(f"/organizer/experiments/{eid}").json()
        rows = {r["variant_id"]: r for r in report["variants"]}
        assert rows["A"]["asks"] == counts["A"] and rows["A"]["successes"] == counts["A"]
        assert rows["B"]["asks"] == counts["B"] and rows["B"]["successes"] == 0
        assert rows["B"]["outcomes"] == {"not_interested": counts["B"]}
        assert rows["A"]["rate"] == 1.0 and rows["A"]["ci_low"] < 1.0
        assert report["significant"] is True and report["leader"] == "A"

        rebalanced = organizer.post(f"/organizer/experiments/{eid}/rebalance").json()
        assert rebalanced["allocation"]["A"] > 0.9 > 0.04 < rebalanced["allocation"]["B"]

        promoted = organizer.post(f"/organizer/experiments/{eid}/promote", json={"variant_id": "A"})
        assert promoted.status_code == 200, promoted.text
        assert promoted.json()["status"] == "promoted"
        with api_client(api_url, settings, supporter) as client:
            assert all(MARK_A in i["suggested_message"] for i in the_list(client, supporter))

        stopped = organizer.post(f"/organizer/experiments/{eid}/stop").json()
        assert stopped["status"] == "stopped"
        with api_client(api_url, settings, supporter) as client:
            messages = [i["suggested_message"] for i in the_list(client, supporter)]
        assert not any(MARK_A in m or MARK_B in m for m in messages)
        listed = organizer.get("/organizer/experiments").json()
        assert listed[0]["id"] == eid
    finally:
        organizer.post(f"/organizer/experiments/{eid}/stop")


def test_a_template_with_an_unknown_field_is_refused_by_name(organizer: httpx.Client) -> None:
    body = {**EXPERIMENT, "variants": [{"name": "A", "template": "Hi {last_name}"},
                                       {"name": "B", "template": "Hi {first_name}"}]}  # fmt: skip
    response = organizer.post("/organizer/experiments", json=body)
    assert response.status_code == 422
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert {"field": "variants[0].template"}.items() <= problem["errors"][0].items()
    assert "last_name" in problem["errors"][0]["reason"]


def test_only_organizers_start_experiments(api_url: str, settings: Settings) -> None:
    with api_client(api_url, settings, unique("analyst"), role="analyst") as analyst:
        assert analyst.post("/organizer/experiments", json=EXPERIMENT).status_code == 403
        assert analyst.get("/organizer/experiments").status_code == 200


def test_an_unknown_experiment_is_not_found(organizer: httpx.Client) -> None:
    response = organizer.get("/organizer/experiments/nope")
    assert response.status_code == 404
    promoted = organizer.post("/organizer/experiments/nope/promote", json={"variant_id": "A"})
    assert promoted.status_code == 404
