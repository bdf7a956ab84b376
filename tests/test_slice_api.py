"""The vertical slice over HTTP: voters in, consent, upload, link, rank, and the ranked list out."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from neo4j import Driver

from outreach.core.settings import Settings
from outreach.usecases import voter_files
from outreach.usecases.consent import CURRENT_TERMS
from tests.factories import (
    api_client,
    contacts_csv,
    unique,
    voter,
    wait_job,
    wait_job_http,
    write_voters,
)
from workers.queue import CeleryQueue


def load_voters(driver: Driver, tmp_path: Path, rows: list[dict[str, str]]) -> None:
    job = voter_files.submit(
        driver, CeleryQueue(), path=write_voters(tmp_path / "voters.csv", rows), mapping="demo"
    )
    assert wait_job(driver, job)["status"] == "succeeded"


def test_supporter_gets_ranked_friends_with_reasons(
    api_url: str, driver: Driver, settings: Settings, tmp_path: Path
) -> None:
    tag = unique("t")[-6:]
    bob = voter(
        first_name="Robert",
        last_name=f"Smith{tag}",
        phone="608-263-4411",
        state="WI",
        district="WI-2",
        vote_2016g="Y",
        vote_2018g="N",
        vote_2020g="N",
        vote_2022g="N",
        support_score="0.9",
    )
    liz = voter(
        first_name="Elizabeth",
        last_name=f"Jones{tag}",
        email=f"liz.{tag}@example.org",
        state="PA",
        district="PA-7",
        city="Allentown",
        zip="18101",
        support_score="0.7",
    )
    carol = voter(
        first_name="Carol",
        last_name=f"Baker{tag}",
        phone="415-555-0199",
        state="CA",
        district="CA-12",
        city="San Francisco",
        zip="94110",
    )
    load_voters(driver, tmp_path, [bob, liz, carol])

    supporter = unique("sup")
    with api_client(api_url, settings, supporter) as client:
        consent = client.post(
            f"/supporters/{supporter}/consent", json={"terms_version": CURRENT_TERMS}
        )
        assert consent.status_code == 200, consent.text
        upload = contacts_csv(
            [
                {"first_name": "Bob", "last_name": f"Smith{tag}", "phone": "(608) 263-4411"},
                {
                    "first_name": "Liz",
                    "last_name": f"Jones{tag}",
                    "email": f" Liz.{tag}@Example.org ",
                },
                {"first_name": "Carol", "last_name": f"Baker{tag}", "phone": "415.555.0199"},
                {"first_name": "Nobody", "last_name": f"Known{tag}", "phone": "312-555-0142"},
            ]
        )
        accepted = client.post(
            f"/supporters/{supporter}/uploads", files={"file": ("friends.csv", upload, "text/csv")}
        )
        assert accepted.status_code == 202, accepted.text
        job = wait_job_http(client, accepted.json()["job_id"])
        assert job["status"] == "succeeded", job
        assert job["counts"]["read"] == 4
        assert job["counts"]["linked"] == 3

        deadline = time.monotonic() + 120
        body: dict[str, object] = {"items": []}
        while time.monotonic() < deadline and not body["items"]:
            response = client.get(f"/supporters/{supporter}/targets")
            assert response.status_code == 200, response.text
            body = response.json()
            time.sleep(0.3)

    items = body["items"]
    assert isinstance(items, list)
    names = [item["name"] for item in items]
    assert f"Bob Smith{tag}" in names or any(f"Smith{tag}" in str(n) for n in names)
    assert not any(f"Baker{tag}" in str(n) for n in names), "California is not a target"
    assert [item["rank"] for item in items] == list(range(1, len(items) + 1))
    bob_item = next(item for item in items if f"Smith{tag}" in str(item["name"]))
    assert any("Wisconsin" in reason for reason in bob_item["reasons"])
    assert "Bob" in bob_item["suggested_message"]


def test_upload_without_consent_is_refused_as_problem_json(
    api_url: str, settings: Settings
) -> None:
    supporter = unique("sup")
    upload = {"file": ("f.csv", contacts_csv([{"first_name": "A"}]), "text/csv")}
    with api_client(api_url, settings, supporter) as client:
        unknown = client.post(f"/supporters/{supporter}/uploads", files=upload)
        assert unknown.status_code == 404, "an unknown supporter is named, not asked for consent"
        assert f"no supporter with id '{supporter}'" in unknown.json()["detail"]
        agreed = client.post(f"/supporters/{supporter}/consent", json={"terms_version": "2026-1"})
        assert agreed.status_code == 200
        assert client.delete(f"/supporters/{supporter}/consent").status_code == 204
        response = client.post(f"/supporters/{supporter}/uploads", files=upload)
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "terms" in response.json()["detail"]
    assert response.json()["terms_url"] == "/terms"


def test_a_supporter_cannot_read_another_supporters_list(api_url: str, settings: Settings) -> None:
    me, other = unique("sup"), unique("sup")
    with api_client(api_url, settings, me) as client:
        response = client.get(f"/supporters/{other}/targets")
    assert response.status_code == 403
    assert response.json()["status"] == 403


def test_requests_without_a_token_are_unauthorized(api_url: str) -> None:
    response = httpx.get(f"{api_url}/supporters/anyone/targets")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
