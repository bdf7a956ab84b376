"""Factories for supporters, voter files and contact files used across the tests."""

from __future__ import annotations

import csv
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


def voter(**fields: Any) -> dict[str, Any]:
    """One demo-layout voter row; unspecified fields get plausible values."""
    row = {k: "" for k in VOTER_HEADER}
    row.update(
        voter_id=unique("V"),
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
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.2)
    raise TimeoutError(f"job {job_id} did not finish")


def wait_job_http(client: httpx.Client, job_id: str, timeout: float = 180.0) -> dict[str, Any]:
    """Poll ``GET /jobs/{id}`` until the job ends."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = client.get(f"/jobs/{job_id}")
        response.raise_for_status()
        job: dict[str, Any] = response.json()
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.2)
    raise TimeoutError(f"job {job_id} did not finish")
