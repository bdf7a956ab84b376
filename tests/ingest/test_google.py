"""Google Contacts CSV exports, old and new header layouts."""

from __future__ import annotations

from ingest.readers import read_contacts
from tests.ingest.factories import google_csv


def test_old_export_with_groups_starred_and_several_values() -> None:
    row = {
        "Name": "José Álvarez",
        "Given Name": "José",
        "Family Name": "Álvarez",
        "Birthday": "1985-05-12",
        "Group Membership": "* myContacts ::: * starred ::: Family",
        "E-mail 1 - Type": "* Home",
        "E-mail 1 - Value": "Jose@Example.com ::: jose2@ex.org",
        "Phone 1 - Type": "Mobile",
        "Phone 1 - Value": "(608) 555-0102",
        "Phone 2 - Type": "Home",
        "Phone 2 - Value": "+1 608 555 0103",
        "Address 1 - City": "Madison",
        "Address 1 - Region": "WI",
        "Address 1 - Postal Code": "53703",
    }
    result = read_contacts(google_csv([row]), filename="contacts.csv")
    assert result.format == "google"
    (jose,) = result.records
    assert (jose.line, jose.display_name, jose.first_name, jose.last_name) == (
        2,
        "José Álvarez",
        "José",
        "Álvarez",
    )
    assert jose.emails == ["jose@example.com", "jose2@ex.org"]
    assert jose.phones == ["+16085550102", "+16085550103"]
    assert (jose.city, jose.state, jose.zip, jose.birth_year) == ("Madison", "WI", "53703", 1985)
    assert jose.favorite and jose.labels == ["Family"]


def test_new_export_with_labels_and_label_columns() -> None:
    row = {
        "First Name": "Elizabeth",
        "Middle Name": "Ann",
        "Last Name": "Ng",
        "Labels": "* myContacts ::: Book Club",
        "E-mail 1 - Label": "Work",
        "E-mail 1 - Value": "liz@ng.org",
        "Phone 1 - Label": "Mobile",
        "Phone 1 - Value": "414-555-0108",
        "Address 1 - City": "Milwaukee",
        "Address 1 - Region": "Wisconsin",
        "Address 1 - Postal Code": "53202",
        "Birthday": "--04-01",
    }
    result = read_contacts(google_csv([row], new=True))
    assert result.format == "google"
    (liz,) = result.records
    assert (liz.first_name, liz.middle_name, liz.last_name) == ("Elizabeth", "Ann", "Ng")
    assert liz.display_name == "Elizabeth Ann Ng"
    assert liz.phones == ["+14145550108"] and liz.emails == ["liz@ng.org"]
    assert liz.state == "WI" and liz.birth_year is None
    assert not liz.favorite and liz.labels == ["Book Club"]


def test_utf16_export_and_row_errors() -> None:
    rows = [
        {"Name": "Ann Lee", "Phone 1 - Value": "608-555-0104"},
        {},
        {"Name": "Bo Lee", "Birthday": "3020-01-01"},
        {"Group Membership": "* myContacts"},
    ]
    result = read_contacts(google_csv(rows, encoding="utf-16"))
    assert result.format == "google"
    assert [r.display_name for r in result.records] == ["Ann Lee"]
    assert [(e.line, e.field) for e in result.rejected] == [(3, None), (4, "Birthday"), (5, None)]
