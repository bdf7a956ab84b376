"""Reports agree: opt-outs counted, one meaning of "assigned", unknown places refused, flat CSV."""

from __future__ import annotations

import csv
import io
import itertools
import random
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from neo4j import Driver

from outreach.core.settings import Settings
from outreach.usecases import organizer_settings
from tests.factories import (
    api_client,
    consent_and_upload,
    contacts_csv,
    load_voter_rows,
    rank_now,
    unique,
    voter,
    wait_job_http,
)

_DISTRICTS = itertools.count(random.randrange(20, 80))


@pytest.fixture
def analyst(api_url: str, settings: Settings) -> Iterator[httpx.Client]:
    with api_client(api_url, settings, unique("analyst"), role="analyst") as client:
        yield client


def upload_and_rank(client: httpx.Client, supporter: str, rows: list[dict[str, str]]) -> None:
    """Agree, upload, and wait for the load and the re-rank chained to it."""
    consent = client.post(f"/supporters/{supporter}/consent", json={"terms_version": "2026-1"})
    assert consent.status_code == 200, consent.text
    accepted = client.post(
        f"/supporters/{supporter}/uploads",
        files={"file": ("contacts.csv", contacts_csv(rows), "text/csv")},
    ).json()
    assert wait_job_http(client, accepted["job_id"])["status"] == "succeeded"
    assert wait_job_http(client, accepted["rank_job_id"])["status"] == "succeeded"


def _friends_in_a_district_of_their_own(
    driver: Driver, tmp_path: Path, phones: list[str]
) -> tuple[str, list[dict[str, str]]]:
    """Voters in Wisconsin, in a district no other test uses; their contact rows."""
    tag = unique("t")[-6:]
    district = f"WI-{next(_DISTRICTS)}"  # numbers no other test uses (they use WI-1 to WI-8)
    voters = [
        voter(first_name=f"Kim{i}", last_name=f"Ray{tag}", phone=phone, district=district)
        for i, phone in enumerate(phones)
    ]
    load_voter_rows(driver, tmp_path / "voters.csv", voters)
    contacts = [
        {"first_name": f"Kim{i}", "last_name": f"Ray{tag}", "phone": phone}
        for i, phone in enumerate(phones)
    ]
    return district, contacts


def test_an_opt_out_is_counted_in_the_funnel_and_reach(
    api_url: str, driver: Driver, settings: Settings, tmp_path: Path, analyst: httpx.Client
) -> None:
    district, contacts = _friends_in_a_district_of_their_own(driver, tmp_path, ["608-262-4100"])
    supporter = unique("sup")
    with api_client(api_url, settings, supporter) as client:
        upload_and_rank(client, supporter, contacts)
        (item,) = client.get(f"/supporters/{supporter}/targets").json()["items"]
    before = analyst.get("/analytics/funnel", params={"geo": district}).json()["totals"]
    assert (before["assigned"], before["do_not_contact"]) == (1, 0)

    token_path = item["opt_out_url"].split("/opt-out/", 1)[1]
    assert httpx.post(f"{api_url}/opt-out/{token_path}").status_code == 200

    funnel = analyst.get("/analytics/funnel", params={"geo": district}).json()["totals"]
    assert funnel["do_not_contact"] == 1, funnel
    assert (funnel["assigned"], funnel["asked"], funnel["negative"]) == (1, 1, 1)
    (reach,) = analyst.get("/analytics/reach-by-state", params={"geo": district}).json()["rows"]
    assert (reach["reachable"], reach["assigned"], reach["do_not_contact"]) == (1, 1, 1)


def test_assigned_means_friends_in_the_rank_job_and_the_funnel(
    api_url: str, driver: Driver, settings: Settings, tmp_path: Path, analyst: httpx.Client
) -> None:
    phones = ["608-262-4201", "608-262-4202", "608-262-4203"]
    district, contacts = _friends_in_a_district_of_their_own(driver, tmp_path, phones)
    first, second = unique("sup"), unique("sup")
    for supporter, rows in ((first, contacts[:2]), (second, contacts[1:])):
        with api_client(api_url, settings, supporter) as client:
            upload_and_rank(client, supporter, rows)
    before = organizer_settings.current(driver).settings.model_dump(mode="json")
    organizer_settings.change(driver, changes={"k": 2}, author="test")
    try:
        job = rank_now(driver, [first, second])
    finally:
        organizer_settings.change(driver, changes=before, author="test-restore")
    # The shared friend is ranked for both supporters: four asks, three friends.
    assert (job["counts"]["asks"], job["counts"]["assigned"]) == (4, 3), job["counts"]
    funnel = analyst.get("/analytics/funnel", params={"geo": district}).json()["totals"]
    assert funnel["assigned"] == job["counts"]["assigned"]


@pytest.mark.parametrize(
    "path", ["reach-by-state", "bridge-supporters", "funnel", "lift", "holdout"]
)
def test_an_unknown_geography_is_a_clear_problem(analyst: httpx.Client, path: str) -> None:
    response = analyst.get(f"/analytics/{path}", params={"geo": ["WI", "Wisconsin"]})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert "unknown geography 'Wisconsin'" in problem["detail"]
    assert problem["errors"] == [{"field": "geo", "reason": "unknown geography 'Wisconsin'"}]
    lower = analyst.get(f"/analytics/{path}", params={"geo": "wi"})
    assert lower.status_code == 200, "a state code in lower case is still that state"


def test_the_bridge_csv_has_plain_cells(
    api_url: str, driver: Driver, settings: Settings, tmp_path: Path, analyst: httpx.Client
) -> None:
    district, contacts = _friends_in_a_district_of_their_own(driver, tmp_path, ["608-262-4300"])
    supporter = unique("sup")
    with api_client(api_url, settings, supporter) as client:
        consent_and_upload(client, supporter, contacts)
    response = analyst.get(
        "/analytics/bridge-supporters",
        params={"geo": ["WI", district], "format": "csv", "limit": 1000},
    )
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    mine = next(r for r in rows if r["supporter_id"] == supporter)
    assert mine["geos"].split() == sorted(["WI", district])
    assert not any(cell.startswith(("[", "{")) for row in rows for cell in row.values())
