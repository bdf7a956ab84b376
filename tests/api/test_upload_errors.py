"""Bad uploads: clear errors naming line and field, the rest loads, nothing stored is lost."""

from __future__ import annotations

from pathlib import Path

from neo4j import Driver

from graph.contacts import supporter_counts
from outreach.core.settings import Settings
from tests.factories import api_client, consent_and_upload, unique, wait_job_http


def test_bad_rows_are_reported_and_the_rest_loads(api_url: str, settings: Settings) -> None:
    supporter = unique("sup")
    rows = [
        {"first_name": "Good", "last_name": "One", "phone": "608-261-1000"},
        {"first_name": "", "last_name": "", "phone": "", "email": ""},
        {"first_name": "X" * 300, "last_name": "Long", "phone": "608-261-1001"},
        {"first_name": "Good", "last_name": "Two", "email": "two@example.org"},
    ]
    with api_client(api_url, settings, supporter) as client:
        job = consent_and_upload(client, supporter, rows)
    assert job["counts"]["read"] == 4
    assert job["counts"]["written"] == 2
    errors = {e["line"]: e for e in job["errors"]}
    assert set(errors) == {3, 4}, job["errors"]
    assert errors[4]["field"] == "first_name"


def test_a_refused_file_names_the_columns_and_loses_nothing(
    api_url: str, driver: Driver, settings: Settings, tmp_path: Path
) -> None:
    supporter = unique("sup")
    with api_client(api_url, settings, supporter) as client:
        consent_and_upload(
            client,
            supporter,
            [{"first_name": "Kept", "last_name": "Friend", "phone": "608-261-2000"}],
        )
        before = supporter_counts(driver, supporter)
        wrong = b"colour;size\nred;10\n"
        accepted = client.post(
            f"/supporters/{supporter}/uploads", files={"file": ("odd.csv", wrong, "text/csv")}
        )
        assert accepted.status_code == 202
        job = wait_job_http(client, accepted.json()["job_id"])
        assert job["status"] == "failed"
        assert "phone" in job["message"] and "email" in job["message"]
        empty = client.post(
            f"/supporters/{supporter}/uploads", files={"file": ("empty.csv", b"", "text/csv")}
        )
        assert empty.status_code == 422
        assert empty.headers["content-type"].startswith("application/problem+json")
    assert supporter_counts(driver, supporter) == before


def test_uploads_over_the_size_limit_are_refused(api_url: str, settings: Settings) -> None:
    supporter = unique("sup")
    big = b"first_name,phone\n" + b"A,608-261-3000\n" * (settings.upload_max_bytes // 15 + 10)
    with api_client(api_url, settings, supporter) as client:
        consent_and_upload(client, supporter, [{"first_name": "A", "phone": "608-261-3001"}])
        response = client.post(
            f"/supporters/{supporter}/uploads", files={"file": ("big.csv", big, "text/csv")}
        )
    assert response.status_code == 422
    assert str(settings.upload_max_bytes) in response.json()["detail"]
