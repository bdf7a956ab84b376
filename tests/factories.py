"""Factories for supporters, voter files and contact files used across the tests."""

from __future__ import annotations

import csv
import dataclasses
import io
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from neo4j import Driver

from graph.jobs import get_job

VOTER_HEADER = [
    "voter_id",
    "first_name",
    "middle_name",
    "last_name",
    "suffix",
    "birth_year",
    "address",
    "city",
    "zip",
    "state",
    "district",
    "phone",
    "email",
    "household_id",
    "registration_status",
    "vote_2016g",
    "vote_2018g",
    "vote_2020g",
    "vote_2022g",
    "support_score",
]
CONTACT_HEADER = [
    "first_name",
    "last_name",
    "phone",
    "email",
    "city",
    "state",
    "zip",
    "favorite",
    "labels",
]


def unique(prefix: str) -> str:
    """A fresh id so tests sharing one graph never collide."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def askable_voter_id(*, held_out: bool = False) -> str:
    """A fresh voter id whose friend key falls outside (or, if asked, inside) the holdout."""
    from ingest.keys import voter_key
    from outreach.core.settings import get_settings
    from outreach.matching.holdout import is_held_out
    from outreach.matching.matcher_settings import MatcherSettings

    defaults = MatcherSettings()
    secret = get_settings().secret_key.get_secret_value()
    while True:
        candidate = unique("V")
        key = voter_key(secret, candidate)
        if is_held_out(key, share=defaults.holdout_share, seed=defaults.holdout_seed) == held_out:
            return candidate


def voter(**fields: Any) -> dict[str, Any]:
    """One demo-layout voter row, never held out; unspecified fields get plausible values."""
    row = {k: "" for k in VOTER_HEADER}
    row.update(
        voter_id=askable_voter_id(),
        first_name="Pat",
        last_name="Doe",
        birth_year="1980",
        city="Madison",
        zip="53703",
        state="WI",
        district="WI-2",
        registration_status="active",
        vote_2016g="Y",
        vote_2018g="N",
        vote_2020g="Y",
        vote_2022g="N",
        support_score="0.8",
    )
    row.update({k: str(v) for k, v in fields.items()})
    return row


def write_voters(path: Path, rows: list[dict[str, Any]]) -> Path:
    """Write a demo-layout voter file."""
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=VOTER_HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


def contacts_csv(rows: list[dict[str, Any]]) -> bytes:
    """A generic contacts CSV in the demo layout."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CONTACT_HEADER, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: row.get(k, "") for k in CONTACT_HEADER})
    return buffer.getvalue().encode()


def wait_job(driver: Driver, job_id: str, timeout: float = 180.0) -> dict[str, Any]:
    """Poll the job record until it ends."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = get_job(driver, job_id)
        if job.finished:
            return dataclasses.asdict(job)
        time.sleep(0.2)
    raise TimeoutError(f"job {job_id} did not finish")


def wait_job_http(client: httpx.Client, job_id: str, timeout: float = 180.0) -> dict[str, Any]:
    """Follow ``GET /jobs/{id}`` with long polls until the job ends."""
    deadline = time.monotonic() + timeout
    seen: str | None = None
    while time.monotonic() < deadline:
        params: dict[str, Any] = {"wait": 10} | ({"seen": seen} if seen else {})
        response = client.get(f"/jobs/{job_id}", params=params)
        response.raise_for_status()
        job: dict[str, Any] = response.json()
        if job["status"] in ("succeeded", "failed", "skipped"):
            return job
        seen = job.get("updated_at")
    raise TimeoutError(f"job {job_id} did not finish")


def api_client(api_url: str, settings: Any, subject: str, role: str = "supporter") -> httpx.Client:
    """An HTTP client on the real API carrying a token for ``subject`` acting as ``role``."""
    from outreach.core.tokens import issue_token

    token = issue_token(settings, subject=subject, role=role)
    return httpx.Client(base_url=api_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def load_voter_rows(driver: Driver, path: Path, rows: list[dict[str, Any]]) -> None:
    """Load voter rows through the real queue and wait for the job."""
    from outreach.usecases import voter_files
    from workers.queue import CeleryQueue

    job = voter_files.submit(driver, CeleryQueue(), path=write_voters(path, rows), mapping="demo")
    assert wait_job(driver, job)["status"] == "succeeded"


def consent_and_upload(
    client: httpx.Client, supporter: str, rows: list[dict[str, Any]]
) -> dict[str, Any]:
    """Agree to the terms and upload contacts over HTTP; return the finished job.

    Like the supporter's page, it also waits for the re-rank chained to the upload, so
    that a test's own re-rank or reads never race it.
    """
    from outreach.usecases.consent import CURRENT_TERMS

    consent = client.post(f"/supporters/{supporter}/consent", json={"terms_version": CURRENT_TERMS})
    assert consent.status_code == 200, consent.text
    accepted = client.post(
        f"/supporters/{supporter}/uploads",
        files={"file": ("contacts.csv", contacts_csv(rows), "text/csv")},
    )
    assert accepted.status_code == 202, accepted.text
    job = wait_job_http(client, accepted.json()["job_id"])
    assert job["status"] == "succeeded", job
    if accepted.json().get("rank_job_id"):
        ranked = wait_job_http(client, accepted.json()["rank_job_id"])
        assert ranked["status"] == "succeeded", ranked
    return job


def rank_now(driver: Driver, supporter_ids: list[str]) -> dict[str, Any]:
    """Re-rank the given supporters through the queue and wait."""
    from outreach.core.settings import get_settings
    from outreach.usecases import rerank
    from workers.queue import CeleryQueue

    requested = rerank.request(driver, CeleryQueue(), get_settings(), supporter_ids=supporter_ids)
    job = wait_job(driver, requested)
    assert job["status"] == "succeeded", job
    return job
