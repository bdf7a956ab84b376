"""The NGP VAN sync against a local stand-in that checks every request's documented shape.

Friends are uploaded through the real API and linked by the real worker; outcomes are
recorded by the use case; the push and pull run in this process (to watch the waits) or
as Celery tasks on a real worker, one of which is killed mid-batch.
"""

from __future__ import annotations

import json
import random
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from neo4j import Driver

from graph.db.run import read
from graph.jobs import create_job
from graph.outcomes import opt_out
from graph.van_sync import set_van_ids
from outreach.cli.processes import start_worker
from outreach.core.settings import Settings
from outreach.integrations.van import VanClient, VanUnavailable
from outreach.usecases import outcomes, van_sync
from tests.factories import (
    api_client,
    consent_and_upload,
    load_voter_rows,
    unique,
    voter,
    wait_job,
    wait_job_http,
)
from tests.http_stub import Answer
from tests.integrations.fake_van import FakeVan
from workers.app import app

MAPPING: dict[str, Any] = {
    "outcomes": {
        "will_vote": {"survey_question_id": 101, "survey_response_id": 1001},
        "not_interested": {"survey_question_id": 101, "survey_response_id": 1003},
        "wrong_person": {"result_code_id": 20},
        "already_voted": {"result_code_id": 21},
    },
    "contact_types": {"call": 1, "text": 37},
    "input_type_id": 11,
}


@dataclass
class Friend:
    friend_id: str
    voter_id: str
    probability: float
    van_id: str | None = None


def _friends(
    api_url: str, driver: Driver, settings: Settings, tmp_path: Path, n: int, *, with_van: int
) -> tuple[str, list[Friend]]:
    """A supporter whose ``n`` uploaded friends each link to a voter; the first
    ``with_van`` of those voters have a VAN id."""
    tag = unique("v")[-6:]
    exchange = random.randint(200, 999)
    rows = [
        voter(first_name=f"Vee{chr(65 + i)}", last_name=f"Van{tag}",
              phone=f"262-{exchange}-{1000 + i}", state="WI")
        for i in range(n)
    ]  # fmt: skip
    load_voter_rows(driver, tmp_path / "v.csv", rows)
    supporter = unique("supv")
    with api_client(api_url, settings, supporter) as client:
        consent_and_upload(
            client,
            supporter,
            [{"first_name": r["first_name"], "last_name": r["last_name"], "phone": r["phone"]}
             for r in rows],
        )  # fmt: skip
    found = read(
        driver,
        "MATCH (:Supporter {id: $s})-[k:KNOWS]->(:Person)-[m:MATCHES]->(v:Voter) "
        "RETURN k.friend_id AS friend_id, v.voter_id AS voter_id, m.probability AS p "
        "ORDER BY v.first_name",
        s=supporter,
    )
    assert len(found) == n, found
    friends = [Friend(r["friend_id"], r["voter_id"], float(r["p"])) for r in found]
    base = random.randint(10_000_000, 90_000_000)
    for i, friend in enumerate(friends[:with_van]):
        friend.van_id = str(base + i)
    set_van_ids(
        driver,
        [{"voter_id": f.voter_id, "van_id": f.van_id} for f in friends if f.van_id],
        batch_size=100,
    )
    return supporter, friends


def _record(driver: Driver, supporter: str, friend: Friend, outcome: str, key: str) -> str:
    outcomes.record(driver, supporter_id=supporter, friend_id=friend.friend_id, channel="call",
                    outcome=outcome, client_id=key)  # fmt: skip
    return f"{supporter}:{key}"


def _state(driver: Driver, record_id: str) -> dict[str, Any]:
    rows = read(
        driver,
        "MATCH (r:VanSync {id: $id}) RETURN r.status AS status, r.reason AS reason",
        id=record_id,
    )
    return rows[0] if rows else {}


def _client(settings: Settings, waits: list[float]) -> VanClient:
    return VanClient(
        application_name=str(settings.van_application_name),
        api_key=settings.van_api_key.get_secret_value() if settings.van_api_key else "",
        base_url=settings.van_base_url,
        timeout=settings.van_timeout_seconds,
        max_retries=settings.van_max_retries,
        retry_seconds=settings.van_retry_seconds,
        sleep=waits.append,
    )


def test_push_sends_what_may_go_once_in_the_documented_shape(
    api_url: str, driver: Driver, settings: Settings, tmp_path: Path, fake_van: FakeVan
) -> None:
    supporter, f = _friends(api_url, driver, settings, tmp_path, 7, with_van=6)
    van_sync.set_mapping(driver, MAPPING, author="test")
    will_vote = _record(driver, supporter, f[0], "will_vote", "a0")
    wrong = _record(driver, supporter, f[1], "wrong_person", "a1")
    _record(driver, supporter, f[2], "will_vote", "a2")
    assert opt_out(driver, supporter_id=supporter, friend_id=f[2].friend_id)
    _record(driver, supporter, f[3], "asked", "a3")  # no VAN code for it
    _record(driver, supporter, f[6], "will_vote", "a6")  # its voter has no VAN id

    # A threshold above every match: nothing may go.
    strict = settings.model_copy(update={"link_threshold": 1.01})
    counts = van_sync.push(driver, strict, job_id=unique("job"), client=_client(settings, []))
    assert counts["sent"] == 0 and counts["skipped_below_threshold"] >= 4
    assert not fake_van.posts

    # VAN answers the first try 429 (Retry-After 2), then 500, then takes it.
    fake_van.misbehave(
        "canvass",
        Answer(
            429, {"errors": [{"code": "TOO_MANY_REQUESTS", "text": "slow"}]}, {"Retry-After": "2"}
        ),
        Answer(500, {"errors": [{"code": "INTERNAL_SERVER_ERROR", "text": "oops"}]}),
    )
    waits: list[float] = []
    counts = van_sync.push(driver, settings, job_id=unique("job"), client=_client(settings, waits))
    assert counts["sent"] >= 2 and counts["failed"] == 0
    assert waits == [2.0, settings.van_retry_seconds * 2]
    assert counts["skipped_opted_out"] >= 1 and counts["skipped_unmapped"] >= 1
    assert counts["skipped_no_van_id"] >= 1
    assert (
        _state(driver, will_vote)["status"] == "sent" and _state(driver, wrong)["status"] == "sent"
    )
    assert fake_van.canvass[str(f[0].van_id)] == [
        {
            "canvassContext": {"contactTypeId": 1, "inputTypeId": 11,
                               "dateCanvassed": time.strftime("%Y-%m-%d", time.gmtime())},
            "resultCodeId": None,
            "responses": [{"type": "SurveyResponse", "surveyQuestionId": 101,
                           "surveyResponseId": 1001}],
        }
    ]  # fmt: skip
    assert fake_van.canvass[str(f[1].van_id)][0]["resultCodeId"] == 20
    for silent in (f[2], f[3]):
        assert str(silent.van_id) not in fake_van.posts

    # Opting out after being queued still stops the send.
    late = _record(driver, supporter, f[4], "will_vote", "a4")
    assert van_sync.queue_outcomes(driver, settings, van_sync.mapping(driver)[1])["queued"] == 1
    assert opt_out(driver, supporter_id=supporter, friend_id=f[4].friend_id)
    counts = van_sync.push(driver, settings, job_id=unique("job"), client=_client(settings, []))
    assert counts["opted_out_since"] == 1
    assert _state(driver, late) == {
        "status": "failed",
        "reason": "the friend opted out before it was sent; nothing was sent",
    }
    assert str(f[4].van_id) not in fake_van.posts

    # Running again sends nothing more.
    before = dict(fake_van.posts)
    van_sync.push(driver, settings, job_id=unique("job"), client=_client(settings, []))
    assert dict(fake_van.posts) == before


def test_refusals_time_outs_and_outages_are_recorded_per_record(
    api_url: str, driver: Driver, settings: Settings, tmp_path: Path, fake_van: FakeVan
) -> None:
    supporter, f = _friends(api_url, driver, settings, tmp_path, 3, with_van=3)
    van_sync.set_mapping(driver, MAPPING, author="test")
    refused = _record(driver, supporter, f[0], "will_vote", "b0")
    timed_out = _record(driver, supporter, f[1], "will_vote", "b1")
    fake_van.unknown_people.add(str(f[0].van_id))
    fake_van.misbehave("canvass", van_error_404(str(f[0].van_id)), "timeout")
    counts = van_sync.push(driver, settings, job_id=unique("job"), client=_client(settings, []))
    assert counts["failed"] == 2
    assert _state(driver, refused)["reason"].endswith("NOT_FOUND: Person not found (vanId)")
    assert "VAN may have it" in _state(driver, timed_out)["reason"]
    assert fake_van.posts[str(f[1].van_id)] == 1  # a lost answer is never sent again

    # VAN down for good: garbage 500s past every retry. The record stays pending.
    down = _record(driver, supporter, f[2], "will_vote", "b2")
    broken = Answer(500, b"<html>Service Unavailable</html>", {"Content-Type": "text/html"})
    fake_van.misbehave("canvass", *([broken] * (settings.van_max_retries + 1)))
    with pytest.raises(VanUnavailable) as raised:
        van_sync.push(driver, settings, job_id=unique("job"), client=_client(settings, []))
    assert "HTTP 500 with no VAN error body" in raised.value.detail
    assert _state(driver, down)["status"] == "pending"
    van_sync.push(driver, settings, job_id=unique("job"), client=_client(settings, []))
    assert _state(driver, down)["status"] == "sent"
    assert len(fake_van.canvass[str(f[2].van_id)]) == 1


def van_error_404(van_id: str) -> Answer:
    body = {"errors": [{"code": "NOT_FOUND", "text": "Person not found", "properties": ["vanId"]}]}
    return Answer(404, body)


def test_a_worker_killed_mid_push_sends_nothing_twice(
    api_url: str, driver: Driver, settings: Settings, tmp_path: Path, fake_van: FakeVan,
    worker: object,
) -> None:  # fmt: skip
    supporter, f = _friends(api_url, driver, settings, tmp_path, 12, with_van=12)
    van_sync.set_mapping(driver, MAPPING, author="test")
    ids = [_record(driver, supporter, friend, "will_vote", f"k{i}") for i, friend in enumerate(f)]
    fake_van.canvass_delay = 0.4
    queue = "outreach-van-kill-test"
    handle = start_worker(settings, concurrency=1, queues=queue)
    try:
        job_id = unique("job")
        create_job(driver, job_id=job_id, kind="van_push", owner="test", params={})
        app.send_task("outreach.van_push", args=[job_id], task_id=job_id, queue=queue)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and sum(fake_van.posts.values()) < 3:
            time.sleep(0.05)
        assert 3 <= sum(fake_van.posts.values()) < 12, "the kill should land mid-batch"
        children = psutil.Process(handle.process.pid).children(recursive=True)
        assert children
        for child in children:
            child.send_signal(signal.SIGKILL)
        fake_van.canvass_delay = 0.0
        job = wait_job(driver, job_id, timeout=180)
    finally:
        handle.stop()
    assert job["status"] == "succeeded", job
    assert all(fake_van.posts[str(friend.van_id)] == 1 for friend in f), dict(fake_van.posts)
    states = [_state(driver, i) for i in ids]
    interrupted = [s for s in states if s["status"] == "failed"]
    assert len(interrupted) <= 1
    assert all("VAN may have it" in s["reason"] for s in interrupted)
    assert sum(s["status"] == "sent" for s in states) + len(interrupted) == 12
    before = dict(fake_van.posts)
    van_sync.push(driver, settings, job_id=unique("job"), client=_client(settings, []))
    assert dict(fake_van.posts) == before


EXPORT = (
    "VanID\tLastName\tFirstName\tMiddleName\tAddress\tCity\tState\tZip5\tCD\tDOB\tPhone\n"
    "{a}\tPull{tag}\tAda\t\t1 Main St\tMadison\tWI\t53703\t2\t1990-04-01\t608-555-{p}1\n"
    "{b}\tPull{tag}\tBo\tJ\t2 Main St\tMadison\tWI\t53703\t2\t\t608-555-{p}2\n"
)


def test_organizers_drive_the_sync_over_the_api(
    api_url: str, driver: Driver, settings: Settings, fake_van: FakeVan
) -> None:
    tag = unique("p")[-6:]
    a, b = random.randint(100_000, 400_000), random.randint(400_001, 900_000)
    fake_van.saved_lists[77] = {"savedListId": 77, "name": "Turf 7", "listCount": 2}
    fake_van.export_csv = EXPORT.format(a=a, b=b, tag=tag, p=random.randint(100, 999))
    with api_client(api_url, settings, unique("org"), role="organizer") as org:
        bad = org.put("/organizer/van/mapping",
                      json={"outcomes": {"will_vote": {"result_code_id": 1,
                                                       "survey_question_id": 2}}})  # fmt: skip
        assert bad.status_code == 422, bad.text
        assert bad.json()["errors"][0]["field"] == "outcomes.will_vote"
        unknown = org.put(
            "/organizer/van/mapping", json={"outcomes": {"maybe": {"result_code_id": 1}}}
        )
        assert (
            unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "outcomes.maybe"
        )
        saved = org.put("/organizer/van/mapping", json=MAPPING)
        assert saved.status_code == 200 and saved.json()["version"] >= 1
        shown = org.get("/organizer/van/mapping").json()["mapping"]["outcomes"]["wrong_person"]
        assert shown["result_code_id"] == 20 and shown["survey_question_id"] is None

        pulled = _job(org, org.post("/organizer/van/pull", json={"saved_list_id": 77}))
        assert pulled["status"] == "succeeded", pulled
        assert pulled["counts"]["van_ids"] == 2
        voters = read(
            driver,
            "MATCH (v:Voter) WHERE v.last_name = $n RETURN v.voter_id AS id, v.van_id AS van, "
            "v.district AS district, v.birth_year AS year ORDER BY v.first_name",
            n=f"Pull{tag}",
        )
        assert voters == [
            {"id": f"van-{a}", "van": str(a), "district": "WI-2", "year": 1990},
            {"id": f"van-{b}", "van": str(b), "district": "WI-2", "year": None},
        ]
        assert len(fake_van.exports) == 1

        missing = _job(org, org.post("/organizer/van/pull", json={"saved_list_id": 404}))
        assert missing["status"] == "failed" and "Saved list not found" in missing["message"]

        pushed = _job(org, org.post("/organizer/van/push"))
        assert pushed["status"] == "succeeded", pushed
        state = org.get("/organizer/van/sync", params={"status": "failed", "limit": 5})
        assert state.status_code == 200 and set(state.json()["counts"]) == {
            "pending",
            "sent",
            "failed",
        }
        wrong = org.get("/organizer/van/sync", params={"status": "lost"})
        assert wrong.status_code == 422
    with api_client(api_url, settings, unique("s"), role="supporter") as supporter:
        assert supporter.post("/organizer/van/push").status_code == 403


def test_an_export_without_the_needed_columns_fails_the_pull_clearly(
    api_url: str, settings: Settings, fake_van: FakeVan
) -> None:
    fake_van.saved_lists[78] = {"savedListId": 78, "name": "Odd", "listCount": 1}
    fake_van.export_csv = "Name,Town\nAda,Madison\n"
    fake_van.misbehave("exportJobs", Answer(429, {"errors": [{"code": "TOO_MANY", "text": "wait"}]},
                                            {"Retry-After": "0"}))  # fmt: skip
    with api_client(api_url, settings, unique("org"), role="organizer") as org:
        job = _job(org, org.post("/organizer/van/pull", json={"saved_list_id": 78}))
    assert job["status"] == "failed"
    assert "lacks columns" in job["message"]
    assert {e["field"] for e in job["errors"]} >= {"VanID", "FirstName", "LastName", "State"}


def _job(client: httpx.Client, accepted: httpx.Response) -> dict[str, Any]:
    assert accepted.status_code == 202, accepted.text
    return wait_job_http(client, accepted.json()["job_id"])


def test_the_cli_remote_mode_pushes_and_shows_the_state(
    api_url: str, settings: Settings, fake_van: FakeVan
) -> None:
    from outreach.core.tokens import issue_token
    from tests.test_client import _outreach

    token = issue_token(settings, subject=unique("org"), role="organizer")
    pushed = _outreach("--api", api_url, "--token", token, "van", "push", "--json")
    assert pushed.returncode == 0, pushed.stderr
    assert json.loads(pushed.stdout)["status"] == "succeeded"
    shown = _outreach("--api", api_url, "--token", token, "van", "status", "--json")
    assert shown.returncode == 0, shown.stderr
    assert set(json.loads(shown.stdout)["counts"]) == {"pending", "sent", "failed"}


def test_a_malformed_answer_is_retried_by_the_task_with_the_same_export(
    api_url: str, driver: Driver, settings: Settings, fake_van: FakeVan
) -> None:
    tag = unique("m")[-6:]
    fake_van.saved_lists[79] = {"savedListId": 79, "name": "Turf 9", "listCount": 1}
    van_id = random.randint(100_000, 900_000)
    fake_van.export_csv = f"VanID,LastName,FirstName,State,Zip5\n{van_id},Mal{tag},Cy,PA,19104\n"
    fake_van.misbehave("exportJob", "malformed")  # a 200 whose body is HTML
    with api_client(api_url, settings, unique("org"), role="organizer") as org:
        job = _job(org, org.post("/organizer/van/pull", json={"saved_list_id": 79}))
    assert job["status"] == "succeeded", job
    assert len(fake_van.exports) == 1  # the retry waited for the export it had started
    assert read(driver, "MATCH (v:Voter {voter_id: $id}) RETURN v.van_id AS van",
                id=f"van-{van_id}") == [{"van": str(van_id)}]  # fmt: skip
