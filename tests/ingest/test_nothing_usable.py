"""A file none of whose rows gives a usable record fails, saying why; it never "succeeds" empty.

The case found: a header separated by commas above rows separated by semicolons read as
one name per row, linked to nothing, wrote nothing, and the job said "succeeded".
"""

from __future__ import annotations

from pathlib import Path

import pytest
from neo4j import Driver

from graph.contacts import supporter_counts
from graph.voters import count_voters
from ingest.history_job import ingest_history
from ingest.readers import read_contacts
from ingest.voters_job import ingest_voters
from outreach.core.errors import FileRejected
from outreach.core.settings import Settings
from tests.factories import api_client, consent_and_upload, unique, wait_job_http
from tests.ingest.factories import DEMO_VOTER_HEADER, demo_voter

MIXED_CONTACTS = (
    b"first_name,last_name,phone,email\n"
    b"Ann;Lee;608-261-4000;ann@example.org\n"
    b"Bob;Roe;608-261-4001;bob@example.org\n"
)


@pytest.mark.parametrize(
    ("data", "delimiters"),
    [
        (MIXED_CONTACTS, ("commas", "semicolons")),
        (b"name;phone\nAnn Lee|6082614000\nBob Roe|6082614001\n", ("semicolons", "pipes")),
        (
            b"Name,Given Name,Family Name,Phone 1 - Type,Phone 1 - Value\n"
            b"Ann Lee;Ann;Lee;Mobile;608-261-4000\n",
            ("commas", "semicolons"),
        ),
    ],
    ids=["csv-comma-semicolon", "csv-semicolon-pipe", "google-comma-semicolon"],
)
def test_rows_with_another_delimiter_than_the_header_are_refused(
    data: bytes, delimiters: tuple[str, str]
) -> None:
    with pytest.raises(FileRejected) as refused:
        read_contacts(data, filename="contacts.csv")
    detail = refused.value.detail
    assert detail.startswith("line 2:"), detail
    assert f"header is separated by {delimiters[0]} but the rows by {delimiters[1]}" in detail


def test_a_few_odd_rows_do_not_refuse_the_file() -> None:
    data = b"name,phone\n" + b"Ann Lee,6082614000\n" * 3 + b"Lee; Ann\n"
    result = read_contacts(data, filename="contacts.csv")
    assert len(result.records) == 4


def test_mixed_delimiter_upload_fails_its_job_and_writes_nothing(
    api_url: str, driver: Driver, settings: Settings
) -> None:
    supporter = unique("sup")
    with api_client(api_url, settings, supporter) as client:
        consent_and_upload(
            client, supporter, [{"first_name": "Kept", "last_name": "One", "phone": "6082614100"}]
        )
        before = supporter_counts(driver, supporter)
        accepted = client.post(
            f"/supporters/{supporter}/uploads",
            files={"file": ("mixed.csv", MIXED_CONTACTS, "text/csv")},
        )
        assert accepted.status_code == 202
        job = wait_job_http(client, accepted.json()["job_id"])
    assert job["status"] == "failed", job
    assert "separated by commas but the rows by semicolons" in job["message"]
    assert supporter_counts(driver, supporter) == before


def test_an_upload_of_names_only_fails_instead_of_writing_nothing(
    api_url: str, driver: Driver, settings: Settings
) -> None:
    supporter = unique("sup")
    names_only = b"first_name,last_name\nZzyzx,Qwertyuiop\nXylo,Phonequux\n"
    with api_client(api_url, settings, supporter) as client:
        consent_and_upload(
            client, supporter, [{"first_name": "Kept", "last_name": "Two", "phone": "6082614101"}]
        )
        before = supporter_counts(driver, supporter)
        accepted = client.post(
            f"/supporters/{supporter}/uploads",
            files={"file": ("names.csv", names_only, "text/csv")},
        )
        job = wait_job_http(client, accepted.json()["job_id"])
    assert job["status"] == "failed", job
    assert "none of the 2 contacts can be kept" in job["message"]
    assert supporter_counts(driver, supporter) == before


def test_a_voter_file_with_no_usable_row_fails(
    tmp_path: Path, driver: Driver, settings: Settings
) -> None:
    header = ",".join(DEMO_VOTER_HEADER)
    rows = [
        ";".join(demo_voter(voter_id=f"MIX-{i}")[h] for h in DEMO_VOTER_HEADER) for i in range(3)
    ]
    path = tmp_path / "voters.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    before = count_voters(driver)
    with pytest.raises(FileRejected) as refused:
        ingest_voters(driver, path=path, mapping="demo", settings=settings)
    detail = refused.value.detail
    assert "no row of the file gave a voter (3 rows read, 3 rejected)" in detail
    assert "line 2: the row is separated by semicolons, the header by commas" in detail
    assert [e["line"] for e in refused.value.extra["errors"]] == [2, 3, 4]
    assert count_voters(driver) == before


def test_a_history_file_with_no_usable_row_fails(
    tmp_path: Path, driver: Driver, settings: Settings
) -> None:
    path = tmp_path / "ncvhis.txt"
    path.write_text(
        '"county_id"\t"voter_reg_num"\t"election_lbl"\t"election_desc"\t"voting_method"\t'
        '"voted_party_cd"\t"ncid"\n'
        '"1"\t"1"\t"not a date"\t"11/08/2022 GENERAL"\t"IN-PERSON"\t"DEM"\t"AA1"\n',
        encoding="utf-8",
    )
    with pytest.raises(FileRejected, match=r"no row of the file gave a vote \(1 rows read"):
        ingest_history(driver, path=path, mapping="nc_ncvhis", settings=settings)
