"""The Python client: retries and backoff against a scripted server, then the real API.

The retry tests run the client against a local stub that answers 429 with
``Retry-After``, 503s and garbage, and record the waits the client chose. The rest drive
the real API over HTTP and check the exceptions built from its problem+json bodies, and
the CLI's remote mode (``outreach --api URL``) as a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from neo4j import Driver

from outreach.client import (
    ApiUnreachable,
    BadRequest,
    ConsentRequired,
    Forbidden,
    Invalid,
    NotFound,
    OutreachClient,
    RateLimited,
    ServerError,
    Unauthorized,
)
from outreach.core.errors import OutreachError
from outreach.core.settings import Settings
from outreach.core.tokens import issue_token
from tests.factories import contacts_csv, load_voter_rows, unique, voter
from tests.http_stub import Answer, Received, serve

PROBLEM = {"Content-Type": "application/problem+json"}


def _client(url: str, waits: list[float], **kwargs: object) -> OutreachClient:
    return OutreachClient(url, "t0ken", sleep=waits.append, **kwargs)  # type: ignore[arg-type]


def test_a_429_is_retried_after_the_servers_retry_after() -> None:
    answers = iter(
        [
            Answer(429, {"title": "Too many requests", "status": 429}, {"Retry-After": "7"}),
            Answer(200, {"job_id": "job-1", "status_url": "/jobs/job-1"}),
        ]
    )
    waits: list[float] = []
    with serve(lambda _: next(answers)) as stub, _client(stub.url, waits) as api:
        accepted = api.rerank()
    assert accepted["job_id"] == "job-1"
    assert waits == [7.0]
    assert [r.path for r in stub.received] == ["/organizer/rerank"] * 2
    assert stub.received[0].headers["authorization"] == "Bearer t0ken"


def test_5xx_is_retried_with_exponential_backoff_then_raised_from_the_problem() -> None:
    problem = {"title": "Graph database unavailable", "status": 503, "detail": "bolt is down",
               "type": "https://outreach.invalid/problems/graph-unavailable"}  # fmt: skip
    waits: list[float] = []
    with (
        serve(lambda _: Answer(503, problem, PROBLEM)) as stub,
        _client(stub.url, waits, max_retries=3, backoff=0.25) as api,
        pytest.raises(ServerError) as raised,
    ):
        api.settings()
    assert len(stub.received) == 4
    assert waits == [0.25, 0.5, 1.0]
    assert raised.value.status == 503
    assert raised.value.detail == "bolt is down"
    assert raised.value.type_slug == "graph-unavailable"


def test_the_same_outcome_id_is_sent_on_every_retry() -> None:
    answers = iter(
        [Answer(502, b"<html>bad gateway</html>"), Answer(201, {"id": "x", "duplicate": False})]
    )
    waits: list[float] = []
    with serve(lambda _: next(answers)) as stub, _client(stub.url, waits) as api:
        api.record_outcome("sup-1", "f-1", "will_vote")
    first, second = (r.json() for r in stub.received)
    assert first == second
    assert first["client_id"]


def test_a_body_that_is_not_json_still_gives_a_clear_error() -> None:
    waits: list[float] = []
    with (
        serve(lambda _: Answer(500, b"Internal Server Error: oops")) as stub,
        _client(stub.url, waits, max_retries=1) as api,
        pytest.raises(ServerError) as raised,
    ):
        api.job("job-1")
    assert "oops" in raised.value.detail
    assert len(stub.received) == 2


def test_rate_limited_after_every_retry_says_when_to_come_back() -> None:
    waits: list[float] = []
    limited = Answer(
        429, {"title": "Too many requests", "detail": "slow down"}, {"Retry-After": "3"}
    )
    with (
        serve(lambda _: limited) as stub,
        _client(stub.url, waits, max_retries=2) as api,
        pytest.raises(RateLimited) as raised,
    ):
        api.rerank()
    assert raised.value.retry_after == 3.0
    assert waits == [3.0, 3.0]


def test_a_time_out_is_retried_then_reported_as_unreachable() -> None:
    def slow(_: Received) -> Answer:
        return Answer(200, {"version": 1}, delay=2.0)

    waits: list[float] = []
    with (
        serve(slow) as stub,
        _client(stub.url, waits, max_retries=1, timeout=0.3) as api,
        pytest.raises(ApiUnreachable),
    ):
        api.settings()
    assert len(stub.received) == 2


# --- Against the real API ------------------------------------------------------------------


def _token(settings: Settings, subject: str, role: str) -> str:
    return issue_token(settings, subject=subject, role=role)


def test_the_client_drives_the_real_api_and_maps_its_problems(
    api_url: str, driver: Driver, settings: Settings, tmp_path: Path
) -> None:
    tag = unique("c")[-6:]
    load_voter_rows(
        driver,
        tmp_path / "v.csv",
        [voter(first_name="Cora", last_name=f"Lin{tag}", phone="414-555-0142", state="WI")],
    )
    supporter = unique("supc")
    contacts = contacts_csv(
        [{"first_name": "Cora", "last_name": f"Lin{tag}", "phone": "414-555-0142"}]
    )
    with OutreachClient(api_url, _token(settings, supporter, "supporter")) as api:
        with pytest.raises(NotFound):
            api.upload(supporter, contacts, filename="c.csv")  # not on the roster yet
        api.give_consent(supporter)
        job = api.upload_and_wait(supporter, contacts, filename="c.csv")
        assert job["status"] == "succeeded"
        page = api.targets(supporter)
        assert page.total == 1 and page.items[0]["name"]
        friend = page.items[0]["friend_id"]
        first = api.record_outcome(supporter, friend, "will_vote", client_id="c-1")
        again = api.record_outcome(supporter, friend, "will_vote", client_id="c-1")
        assert not first["duplicate"] and again["duplicate"]
        with pytest.raises(Invalid) as invalid:
            api.record_outcome(supporter, friend, "maybe")
        assert any(e["field"] == "outcome" for e in invalid.value.errors)
        with pytest.raises(Forbidden):
            api.settings()
        with pytest.raises(NotFound):
            api.job("job-does-not-exist")
        api.withdraw_consent(supporter)
        with pytest.raises(ConsentRequired):
            api.upload(supporter, contacts, filename="c.csv")

    with OutreachClient(api_url, _token(settings, unique("org"), "organizer")) as api:
        now = api.settings()
        changed = api.change_settings({"k": now["settings"]["k"]})
        assert changed["version"] == now["version"] and not changed["changed"]
        assert api.expected_votes()["settings_version"] >= 1
    with OutreachClient(api_url, _token(settings, unique("an"), "analyst")) as api:
        result = api.query(
            "MATCH (v:Voter {last_name: $n}) RETURN count(v) AS n", {"n": f"Lin{tag}"}
        )
        assert result["rows"] == [[1]]
        with pytest.raises(BadRequest):
            api.query("MATCH (v:Voter) DETACH DELETE v")
    with OutreachClient(api_url, "not-a-token") as api, pytest.raises(Unauthorized):
        api.me()


def _outreach(*args: str, token: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("OUTREACH_API_TOKEN", None)
    if token:
        env["OUTREACH_API_TOKEN"] = token
    command = [sys.executable, "-c", "from outreach.cli.main import main; main()", *args]
    return subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_the_cli_remote_mode_runs_commands_on_the_server(api_url: str, settings: Settings) -> None:
    token = _token(settings, unique("org"), "organizer")
    shown = _outreach("--api", api_url, "--token", token, "settings", "show", "--json")
    assert shown.returncode == 0, shown.stderr
    document = json.loads(shown.stdout)
    assert document["version"] >= 1 and "targets" in document["settings"]

    refused = _outreach("--api", api_url, "settings", "set", "k=0", token=token)
    assert refused.returncode == 1
    assert "Invalid settings" in refused.stderr and "k" in refused.stderr

    supporter = _outreach("--api", api_url, "--token", _token(settings, "s-1", "supporter"), "rank")
    assert supporter.returncode == 1
    assert "Forbidden" in supporter.stderr and "organizer" in supporter.stderr
    assert "Traceback" not in supporter.stderr


def test_unreachable_server_is_one_clear_line() -> None:
    with serve(lambda _: Answer(200)) as stub:
        url = stub.url
    gone = _outreach("--api", url, "--token", "t", "job", "job-1")
    assert gone.returncode == 1
    assert "API unreachable" in gone.stderr and "Traceback" not in gone.stderr


def test_client_errors_are_the_projects_errors() -> None:
    assert issubclass(ServerError, OutreachError) and issubclass(ApiUnreachable, OutreachError)


def test_the_cli_remote_mode_uploads_and_prints_the_list(
    api_url: str, driver: Driver, settings: Settings, tmp_path: Path
) -> None:
    tag = unique("r")[-6:]
    load_voter_rows(
        driver,
        tmp_path / "v.csv",
        [voter(first_name="Remy", last_name=f"Far{tag}", phone="920-555-0188", state="WI")],
    )
    contacts = tmp_path / "contacts.csv"
    contacts.write_bytes(
        contacts_csv([{"first_name": "Remy", "last_name": f"Far{tag}", "phone": "920-555-0188"}])
    )
    supporter = unique("supr")
    admin = ("--api", api_url, "--token", _token(settings, unique("adm"), "admin"))
    consented = _outreach(*admin, "supporters", "consent", supporter)
    assert consented.returncode == 0, consented.stderr
    loaded = _outreach(*admin, "ingest", "contacts", str(contacts), "--supporter", supporter)
    assert loaded.returncode == 0, loaded.stderr
    assert "succeeded" in loaded.stdout
    listed = _outreach(*admin, "supporters", "targets", supporter, "--json")
    assert listed.returncode == 0, listed.stderr
    items = json.loads(listed.stdout)["items"]
    assert len(items) == 1 and items[0]["name"].startswith("Remy")
