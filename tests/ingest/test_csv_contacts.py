"""Generic contact CSV: header synonyms, delimiters, encodings, and row errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.readers import read_contacts
from outreach.core.errors import FileRejected, InvalidInput
from tests.ingest.factories import csv_text, generic_csv


def bob(**fields: str) -> dict[str, str]:
    """One generic-CSV contact row."""
    row = {
        "first_name": "Bob",
        "last_name": "Smith",
        "phone": "(608) 555-0101",
        "email": " Bob.Smith@Example.com",
        "city": "Madison",
        "state": "Wisconsin",
        "zip": "53703-1234",
        "favorite": "true",
        "labels": "family;college",
    }
    row.update(fields)
    return row


def test_demo_layout_reads_every_field(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_bytes(generic_csv([bob(), bob(first_name="Ann", phone="", favorite="false")]))
    result = read_contacts(path.read_bytes(), filename=path.name)
    assert result.format == "csv"
    assert result.rows_read == 2 and result.rejected == []
    first = result.records[0]
    assert (first.line, first.display_name, first.first_name, first.last_name) == (
        2,
        "Bob Smith",
        "Bob",
        "Smith",
    )
    assert first.phones == ["+16085550101"]
    assert first.emails == ["bob.smith@example.com"]
    assert (first.city, first.state, first.zip) == ("Madison", "WI", "53703")
    assert first.favorite and first.labels == ["family", "college"]
    assert result.records[1].line == 3 and not result.records[1].favorite


def test_semicolon_delimiter_and_header_synonyms() -> None:
    header = (
        "Given Name",
        "Surname",
        "Mobile",
        "Home Phone",
        "E-mail",
        "Town",
        "Province",
        "Postal Code",
        "Starred",
        "Groups",
        "Closeness",
        "Birthday",
    )
    rows = [
        (
            "Liz",
            "Álvarez",
            "608 555 0102",
            "608-555-0103",
            "liz@ex.org",
            "Erie",
            "PA",
            "16501",
            "yes",
            "Family",
            "0.9",
            "1990-04-01",
        )
    ]
    result = read_contacts(csv_text(header, rows, ";").encode(), filename="x.csv")
    (liz,) = result.records
    assert liz.first_name == "Liz" and liz.last_name == "Álvarez"
    assert liz.phones == ["+16085550102", "+16085550103"]
    assert liz.emails == ["liz@ex.org"] and liz.state == "PA" and liz.zip == "16501"
    assert liz.favorite and liz.labels == ["Family"]
    assert liz.closeness == 0.9 and liz.birth_year == 1990


@pytest.mark.parametrize("delimiter", ["\t", "|", ","])
def test_other_delimiters_are_sniffed(delimiter: str) -> None:
    data = csv_text(("Full Name", "Phone Number"), [("Ann Lee", "608-555-0104")], delimiter)
    (ann,) = read_contacts(data.encode()).records
    assert (ann.first_name, ann.last_name, ann.phones) == ("Ann", "Lee", ["+16085550104"])


def test_full_name_column_is_parsed() -> None:
    data = csv_text(("Name", "Email"), [("Dr. Robert J. Smith Jr.", "r@ex.com")])
    (rob,) = read_contacts(data.encode()).records
    assert (rob.first_name, rob.middle_name, rob.last_name) == ("Robert", "J.", "Smith")
    assert rob.display_name == "Dr. Robert J. Smith Jr."


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "latin-1"])
def test_accented_names_in_bom_utf16_and_latin1_files(encoding: str) -> None:
    text = csv_text(
        ("first_name", "last_name", "city"),
        [("José", "Müller", "Málaga"), ("Zoë", "Ñúñez", "Besançon")],
    )
    result = read_contacts(text.encode(encoding), filename="c.csv")
    assert [(r.first_name, r.last_name, r.city) for r in result.records] == [
        ("José", "Müller", "Málaga"),
        ("Zoë", "Ñúñez", "Besançon"),
    ]


def test_blank_rows_and_rows_without_identity_are_rejected_with_lines() -> None:
    data = generic_csv(
        [bob(), {}, bob(first_name="", last_name="", phone="", email=""), bob(first_name="Ann")]
    )
    result = read_contacts(data + b"\n\n")
    assert [r.line for r in result.records] == [2, 5]
    assert [(e.line, e.field, e.reason) for e in result.rejected] == [
        (3, None, "blank row"),
        (4, None, "row has no name, phone or email"),
    ]
    assert result.rows_read == 4


def test_a_row_with_more_values_than_columns_is_rejected_not_misread() -> None:
    """A comma inside an unquoted value moves the cells after it: Smith, Jr's phone would
    be read as his city. Empty cells past the header (trailing commas) are harmless."""
    data = (
        b"first_name,last_name,phone,city\n"
        b"Ann,Lee,608-262-1212,Madison\n"
        b"Bob,Smith, Jr,608-262-3434,Madison\n"
        b"Cy,Po,608-262-5656,Madison,,\n"
    )
    result = read_contacts(data, filename="c.csv")
    assert [r.first_name for r in result.records] == ["Ann", "Cy"]
    (error,) = result.rejected
    assert error.line == 3 and "5 cells where the header has 4 columns" in error.reason
    assert "Smith" not in error.reason and "608" not in error.reason


def test_row_whose_only_phone_is_invalid_is_rejected() -> None:
    data = generic_csv([bob(first_name="", last_name="", phone="123", email="")])
    (error,) = read_contacts(data).rejected
    assert error.line == 2 and "no valid phone" in error.reason


def test_absurd_birth_year_names_line_and_column() -> None:
    data = csv_text(
        ("name", "phone", "birth_year"),
        [("Ann Lee", "608-555-0104", "1984"), ("Bo Lee", "608-555-0105", "3020")],
    )
    result = read_contacts(data.encode())
    (error,) = result.rejected
    assert (error.line, error.field) == (3, "birth_year")
    assert "3020" in error.reason
    assert [r.birth_year for r in result.records] == [1984]


def test_a_birth_date_column_is_read_beside_a_birth_year_column() -> None:
    data = csv_text(
        ("name", "phone", "birth_year", "birth_date"),
        [("Ann Lee", "608-555-0104", "1984", "1984-03-07"), ("Bo Lee", "608-555-0105", "1990", "")],
    )
    result = read_contacts(data.encode())
    assert result.rejected == []
    assert [(r.birth_year, r.birth_date) for r in result.records] == [
        (1984, "1984-03-07"),
        (1990, None),
    ]


def test_over_long_field_names_line_and_column() -> None:
    data = generic_csv([bob(), bob(last_name="x" * 201), bob(city="y" * 200)])
    result = read_contacts(data)
    (error,) = result.rejected
    assert (error.line, error.field) == (3, "last_name")
    assert "201 characters" in error.reason
    assert len(read_contacts(data, max_field_length=500).rejected) == 0


def test_quoted_multiline_field_keeps_physical_line_numbers() -> None:
    data = b'name,phone,labels\n"Ann Lee",608-555-0104,"a\nb"\n"Bo Lee",1985,x\nCy Lee,,1\n'
    result = read_contacts(data)
    assert [(r.line, r.display_name) for r in result.records] == [
        (2, "Ann Lee"),
        (4, "Bo Lee"),
        (5, "Cy Lee"),
    ]


def test_no_usable_column_lists_expected_and_found() -> None:
    data = csv_text(("company", "notes"), [("Acme", "hi")]).encode()
    with pytest.raises(FileRejected) as caught:
        read_contacts(data)
    error = caught.value
    assert "phone" in error.detail and "company" in error.detail and "notes" in error.detail
    assert error.extra["found"] == ["company", "notes"]
    assert "email" in error.extra["expected"]


def test_explicit_column_mapping() -> None:
    header = ("Vorname", "Nachname", "Handy", "Festnetz")
    data = csv_text(header, [("Jürgen", "Groß", "608-555-0106", "608-555-0107")]).encode()
    columns = {"first_name": "Vorname", "last_name": "Nachname", "phone": "Handy|Festnetz"}
    (juergen,) = read_contacts(data, columns=columns).records
    assert juergen.display_name == "Jürgen Groß"
    assert juergen.phones == ["+16085550106", "+16085550107"]
    with pytest.raises(FileRejected) as caught:
        read_contacts(data, columns={"first_name": "Prénom"})
    assert caught.value.extra["expected"] == ["Prénom"]
    with pytest.raises(InvalidInput, match="unknown contact fields"):
        read_contacts(data, columns={"shoe_size": "Handy"})


def test_outlook_export_compound_headers_prefer_home() -> None:
    header = (
        "First Name",
        "Last Name",
        "Business City",
        "Business Postal Code",
        "Home City",
        "Home State",
        "Home Postal Code",
        "Mobile Phone",
        "Business Phone",
        "E-mail Address",
        "E-mail Type",
        "E-mail Display Name",
        "Categories",
    )
    row = (
        "Ann",
        "Lee",
        "Chicago",
        "60601",
        "Erie",
        "PA",
        "16501",
        "608-555-0104",
        "312-555-0109",
        "ann@lee.org",
        "SMTP",
        "Ann Lee (ann@lee.org)",
        "Friends",
    )
    (ann,) = read_contacts(csv_text(header, [row]).encode()).records
    assert (ann.city, ann.state, ann.zip) == ("Erie", "PA", "16501")
    assert sorted(ann.phones) == ["+13125550109", "+16085550104"]
    assert ann.emails == ["ann@lee.org"] and ann.labels == ["Friends"]
