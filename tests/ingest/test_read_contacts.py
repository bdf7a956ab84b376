"""The upload entry point: format detection, size limit, and whole-file refusals."""

from __future__ import annotations

import pytest

from ingest.readers import detect_format, read_contacts
from outreach.core.errors import FileRejected, InvalidInput
from tests.ingest.factories import generic_csv, google_csv, json_friends, vcard


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        (vcard(fn="Ann Lee").encode(), None, "vcf"),
        (vcard(fn="Ann Lee").encode(), "export.txt", "vcf"),
        (json_friends({"friends": []}), None, "json"),
        (json_friends([{"name": "Ann"}]), "friends.json", "json"),
        (google_csv([{"Name": "Ann"}]), "contacts.google.csv", "google"),
        (google_csv([{"First Name": "Ann"}], new=True), None, "google"),
        (generic_csv([{"first_name": "Ann"}]), "contacts.csv", "csv"),
        (generic_csv([{"first_name": "Ann"}]), None, "csv"),
    ],
)
def test_format_is_detected_from_name_and_content(
    data: bytes, filename: str | None, expected: str
) -> None:
    assert read_contacts(data, filename=filename).format == expected


def test_detect_format_on_text() -> None:
    assert detect_format("BEGIN:VCARD\r\n", "x.csv") == "vcf"
    assert detect_format("name\nAnn\n", "x.vcf") == "vcf"


def test_explicit_format_wins_and_unknown_format_is_refused() -> None:
    data = generic_csv([{"first_name": "Ann", "phone": "608-555-0104"}])
    assert read_contacts(data, fmt="csv", filename="x.json").format == "csv"
    with pytest.raises(InvalidInput, match="unknown contact format"):
        read_contacts(data, fmt="xlsx")


def test_oversize_file_names_the_limit() -> None:
    data = generic_csv([{"first_name": "Ann"}] * 100)
    with pytest.raises(FileRejected, match="over the limit of 100 bytes") as caught:
        read_contacts(data, max_bytes=100)
    assert caught.value.extra["limit"] == 100
    assert read_contacts(data, max_bytes=len(data)).rows_read == 100


@pytest.mark.parametrize("data", [b"", b"\n\n", b"\xef\xbb\xbf"])
def test_empty_file_is_refused(data: bytes) -> None:
    with pytest.raises(FileRejected, match="file is empty"):
        read_contacts(data, filename="contacts.csv")


def test_binary_upload_is_refused() -> None:
    with pytest.raises(FileRejected, match="binary"):
        read_contacts(b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 8, filename="c.csv")


def test_header_only_file_reads_nothing() -> None:
    result = read_contacts(b"first_name,phone\n")
    assert (result.records, result.rejected, result.rows_read) == ([], [], 0)


def test_error_problem_document_carries_the_details() -> None:
    with pytest.raises(FileRejected) as caught:
        read_contacts(b"foo,bar\n1,2\n")
    problem = caught.value.problem()
    assert problem["status"] == 422 and problem["found"] == ["foo", "bar"]
