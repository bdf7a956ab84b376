"""Goals, teams and coverage over HTTP, on the real API, worker and graph.

A supporter sets a goal and sees progress as they record asks; teams are made by an
organizer, joined by invite code or filled by roster, and ranked on a leaderboard where
only supporters who opted in appear, by first name; the organizer sees coverage by state
now and by day.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from neo4j import Driver

from outreach.core.settings import Settings
from outreach.usecases import roster as rosters
from tests.factories import (
    api_client,
    consent_and_upload,
    load_voter_rows,
    rank_now,
    unique,
    voter,
)


@pytest.fixture(scope="module")
def world(
    driver: Driver,
    settings: Settings,
    api_url: str,
    worker: subprocess.Popen[bytes],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Any]:
    """Two supporters on the roster, Rosa Maria and Tom, each with three friends in Wisconsin."""
    tmp: Path = tmp_path_factory.mktemp("goals")
    tag = unique("g")[-6:]
    base = 2_000_000 + int(tag, 16) % 7_000_000
    people = {
        name: [
            {"first_name": f, "last_name": f"Goal{tag}{name}", "phone": f"715{base + 10 * k + i}"}
            for i, f in enumerate(("Ann", "Bob", "Cat"))
        ]
        for k, name in enumerate(("rosa", "tom"))
    }
    load_voter_rows(
        driver,
        tmp / "voters.csv",
        [voter(first_name=p["first_name"], last_name=p["last_name"], phone=p["phone"])
         for rows in people.values() for p in rows],
    )  # fmt: skip
    ids = {name: unique(f"goal-{name}") for name in people}
    roster_file = tmp / "roster.csv"
    roster_file.write_text(
        "supporter_id,first_name,last_name,state,voter_id\n"
        f"{ids['rosa']},Rosa Maria,Quill,WI,\n{ids['tom']},Tom,Quill,WI,\n"
    )
    loaded, rejected = rosters.load(driver, settings, path=roster_file)
    assert (loaded, rejected) == (2, [])
    for name, sid in ids.items():
        with api_client(api_url, settings, sid) as client:
            consent_and_upload(client, sid, people[name])
    rank_now(driver, list(ids.values()))
    return {"ids": ids}


@pytest.fixture
def organizer(api_url: str, settings: Settings) -> Iterator[httpx.Client]:
    with api_client(api_url, settings, unique("organizer"), role="organizer") as client:
        yield client


def ask_all(client: httpx.Client, supporter: str, outcome: str = "will_vote") -> int:
    items = client.get(f"/supporters/{supporter}/targets").json()["items"]
    for item in items:
        body = {"friend_id": item["friend_id"], "channel": "call", "outcome": outcome}
        assert client.post(f"/supporters/{supporter}/outcomes", json=body).is_success
    return len(items)


def test_a_supporter_sets_a_goal_and_sees_progress(
    world: dict[str, Any], api_url: str, settings: Settings
) -> None:
    rosa = world["ids"]["rosa"]
    with api_client(api_url, settings, rosa) as client:
        before = client.get(f"/supporters/{rosa}/goal").json()
        assert before["goal"] is None and before["asked"] == 0
        assert before["on_list"] == 3 and before["suggested_goal"] == 3
        by = (date.today() + timedelta(days=7)).isoformat()
        set_goal = client.put(f"/supporters/{rosa}/goal", json={"friends": 4, "by": by})
        assert set_goal.status_code == 200, set_goal.text
        assert set_goal.json()["goal"] == {
            "goal": 4, "by": by, "asked": 0, "share": 0.0, "expected_by_now": 0,
            "on_pace": True, "days_left": 7, "done": False,
        }  # fmt: skip
        asked = ask_all(client, rosa)
        after = client.get(f"/supporters/{rosa}/goal").json()
        assert after["asked"] == asked == 3
        assert after["goal"]["share"] == 0.75 and not after["goal"]["done"]

        past = client.put(f"/supporters/{rosa}/goal", json={"friends": 4, "by": "2001-01-01"})
        assert past.status_code == 422
        assert past.json()["errors"][0]["field"] == "by"
        other = world["ids"]["tom"]
        assert client.get(f"/supporters/{other}/goal").status_code == 403


def test_teams_by_invite_code_and_roster_on_a_leaderboard_of_first_names(
    world: dict[str, Any], api_url: str, settings: Settings, organizer: httpx.Client
) -> None:
    rosa, tom = world["ids"]["rosa"], world["ids"]["tom"]
    made = organizer.post("/organizer/teams", json={"name": f"Porch {rosa[-4:]}"})
    assert made.status_code == 201, made.text
    team = made.json()
    other = organizer.post("/organizer/teams", json={"name": f"Kitchen {rosa[-4:]}"}).json()
    placed = organizer.put(
        f"/organizer/teams/{other['id']}/members", json={"supporter_ids": [tom, "nobody-xyz"]}
    ).json()
    assert placed == {"team_id": other["id"], "placed": [tom], "unknown": ["nobody-xyz"]}

    with api_client(api_url, settings, rosa) as client:
        wrong = client.post(f"/supporters/{rosa}/team", json={"invite_code": "NOPE-NOPE"})
        assert wrong.status_code == 422
        joined = client.post(
            f"/supporters/{rosa}/team", json={"invite_code": team["invite_code"].lower()}
        ).json()
        assert joined["team"] == {"id": team["id"], "name": team["name"]}
        assert client.put(f"/supporters/{rosa}/leaderboard", json={"opt_in": True}).is_success
        ask_all(client, rosa)  # asked already: the count stays at three friends
        board = client.get(f"/supporters/{rosa}/leaderboard").json()
    teams = {t["id"]: t for t in board["teams"]}
    assert teams[team["id"]]["asked"] == 3 and teams[team["id"]]["members"] == 1
    assert teams[other["id"]]["asked"] == 0
    assert teams[team["id"]]["place"] < teams[other["id"]]["place"]
    assert "invite_code" not in teams[team["id"]]  # supporters never see codes
    assert board["people"] == [{"place": 1, "first_name": "Rosa", "asked": 3, "you": True}]

    with api_client(api_url, settings, tom) as client:
        ask_all(client, tom, outcome="not_interested")
        board = client.get(f"/supporters/{tom}/leaderboard").json()
    assert board["people"] == []  # Tom did not opt in, and Rosa is on another team
    assert board["your_team"]["id"] == other["id"]
    listed = {t["id"]: t for t in organizer.get("/organizer/teams").json()}
    assert listed[team["id"]]["invite_code"] == team["invite_code"]
    assert listed[other["id"]]["asked"] == 3


def test_the_organizer_sees_coverage_by_state_now_and_by_day(
    world: dict[str, Any], organizer: httpx.Client, api_url: str, settings: Settings
) -> None:
    tom = world["ids"]["tom"]
    with api_client(api_url, settings, tom) as client:
        ask_all(client, tom, outcome="not_interested")
    report = organizer.get("/organizer/coverage", params={"geo": "WI"}).json()
    assert report["geos"] == ["WI"]
    (wi,) = report["by_state"]
    assert wi["asked"] >= 6 and wi["assigned"] >= wi["asked"]
    today = [d for d in report["over_time"] if d["state"] == "WI" and d["day"] == str(date.today())]
    assert today and today[0]["asked"] >= 6 and today[0]["not_interested"] >= 3
    assert today[0]["asked_to_date"] >= today[0]["asked"]
    bad = organizer.get("/organizer/coverage", params={"geo": "XX-99"})
    assert bad.status_code == 422


def test_supporters_cannot_make_teams_or_read_coverage(api_url: str, settings: Settings) -> None:
    with api_client(api_url, settings, unique("sup")) as client:
        assert client.post("/organizer/teams", json={"name": "Mine"}).status_code == 403
        assert client.get("/organizer/coverage").status_code == 403
