"""Voter files through their mappings: demo, North Carolina, Ohio and Florida layouts."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.mapping import load_mapping
from ingest.readers.voters import VoterChunk, iter_voter_chunks
from outreach.core.errors import FileRejected
from tests.ingest.factories import (
    DEMO_VOTER_HEADER,
    csv_text,
    demo_voter,
    write_demo_voters,
    write_nc_voters,
    write_oh_voters,
)


def read_all(path: Path, mapping: str, chunk_size: int = 5000) -> VoterChunk:
    """Every chunk of a file merged into one."""
    merged = VoterChunk()
    for chunk in iter_voter_chunks(path, load_mapping(mapping), chunk_size=chunk_size):
        merged.records.extend(chunk.records)
        merged.rejected.extend(chunk.rejected)
        merged.rows_read += chunk.rows_read
    return merged


def test_demo_file_is_normalized(tmp_path: Path) -> None:
    rows = [
        demo_voter(),
        demo_voter(
            voter_id="ME-7",
            first_name="Liz",
            state="ME",
            district="ME-2",
            zip="4101",
            phone="",
            email="",
            registration_status="inactive",
            vote_2016g="",
            vote_2018g="",
            vote_2020g="",
            vote_2022g="",
            support_score="",
        ),
    ]
    result = read_all(write_demo_voters(tmp_path / "voters.csv", rows), "demo")
    assert result.rejected == [] and result.rows_read == 2
    rob, liz = result.records
    assert (rob.voter_id, rob.first_name, rob.middle_name, rob.last_name) == (
        "WI-000001",
        "Robert",
        "J",
        "Smith",
    )
    assert (rob.state, rob.zip, rob.phone, rob.email) == (
        "WI",
        "53703",
        "+16085550101",
        "rob.smith@example.com",
    )
    assert rob.vote_history == [True, True, False, True]  # 2022, 2020, 2018, 2016
    assert rob.turnout_score == 0.75 and rob.support_score == 0.7
    assert (rob.registration_status, rob.household_id, rob.birth_year, rob.line) == (
        "active",
        "H1",
        1980,
        2,
    )
    assert (liz.state, liz.district, liz.zip, liz.phone) == ("ME", "ME-2", "04101", None)
    assert liz.registration_status == "inactive"
    assert liz.vote_history == [False] * 4 and liz.support_score is None


def test_bad_rows_are_reported_and_the_rest_loads(tmp_path: Path) -> None:
    rows = [
        demo_voter(voter_id="A1"),
        demo_voter(voter_id="A2", birth_year="3020"),
        demo_voter(voter_id=""),
        demo_voter(voter_id="A4", address="x" * 201),
        demo_voter(voter_id="A5", support_score="7"),
        demo_voter(voter_id="A6", registration_status="pending"),
        demo_voter(voter_id="A7", state="Narnia"),
        demo_voter(voter_id="A8", first_name="", last_name=""),
        demo_voter(voter_id="A9"),
    ]
    path = write_demo_voters(tmp_path / "voters.csv", rows)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(",,,,,,,,,,,,,,,,,,,\nB1,too,few\n" + ",".join(demo_voter(voter_id="B3").values()))
        fh.write("\n\n\n")
    result = read_all(path, "demo", chunk_size=4)
    assert [r.voter_id for r in result.records] == ["A1", "A9", "B3"]
    assert [(e.line, e.field) for e in result.rejected] == [
        (3, "birth_year"),
        (4, "voter_id"),
        (5, "address"),
        (6, "support_score"),
        (7, "registration_status"),
        (8, "state"),
        (9, "last_name"),
        (11, None),
        (12, None),
    ]
    assert "3020" in result.rejected[0].reason
    assert "201 characters" in result.rejected[2].reason
    assert result.rejected[7].reason == "blank row"
    assert result.rows_read == 12


def test_linkage_reads_who_voters_are_and_rejects_no_row_for_the_rest(tmp_path: Path) -> None:
    """Reading for ``outreach link`` (identity_only), a bad score or an unknown status code is
    not a reason to lose a person; a bad birth year, a blank id or name still are."""
    rows = [
        demo_voter(voter_id="A1", support_score="7", turnout_score="x"),
        demo_voter(voter_id="A2", registration_status="pending"),
        demo_voter(voter_id="A3", birth_year="3020"),
        demo_voter(voter_id="A4", first_name="", last_name=""),
        demo_voter(voter_id="A5", first_name="Ana", city="Madison", phone="608-226-4471"),
    ]
    path = write_demo_voters(tmp_path / "voters.csv", rows)
    chunks = list(
        iter_voter_chunks(path, load_mapping("demo"), any_country=True, identity_only=True)
    )
    records = [r for c in chunks for r in c.records]
    rejected = [(e.line, e.field) for c in chunks for e in c.rejected]
    assert [r.voter_id for r in records] == ["A1", "A2", "A5"]
    assert rejected == [(4, "birth_year"), (5, "last_name")]
    ana = records[-1]
    assert (ana.first_name, ana.city, ana.phone) == ("Ana", "Madison", "+16082264471")
    assert ana.vote_history == [] and ana.turnout_score is None and ana.party is None
    full = read_all(path, "demo")  # voter-file ingest checks every field
    assert [r.voter_id for r in full.records] == ["A5"]


def test_chunks_hold_chunk_size_rows(tmp_path: Path) -> None:
    rows = [demo_voter(voter_id=f"V{i}") for i in range(10)]
    path = write_demo_voters(tmp_path / "voters.csv", rows)
    chunks = list(iter_voter_chunks(path, load_mapping("demo"), chunk_size=4))
    assert [c.rows_read for c in chunks] == [4, 4, 2]
    assert [r.line for r in chunks[1].records] == [6, 7, 8, 9]


def test_missing_columns_are_named_before_any_row(tmp_path: Path) -> None:
    header = [h for h in DEMO_VOTER_HEADER if h not in ("voter_id", "state")]
    path = tmp_path / "voters.csv"
    path.write_text(csv_text(header, [["x"] * len(header)]), encoding="utf-8")
    chunks = iter_voter_chunks(path, load_mapping("demo"))
    with pytest.raises(FileRejected, match="voter_id, state") as caught:
        next(chunks)
    assert caught.value.extra["found"] == header
    assert "voter_id" in caught.value.extra["expected"]


def test_wrong_delimiter_is_named(tmp_path: Path) -> None:
    path = tmp_path / "voters.csv"
    path.write_text(csv_text(DEMO_VOTER_HEADER, [demo_voter().values()], ";"), encoding="utf-8")
    with pytest.raises(FileRejected, match=r"wrong delimiter.*semicolon.*comma"):
        next(iter_voter_chunks(path, load_mapping("demo")))


def test_empty_voter_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "voters.csv"
    path.write_bytes(b"")
    with pytest.raises(FileRejected, match="file is empty"):
        next(iter_voter_chunks(path, load_mapping("demo")))


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "cp1252"])
def test_voter_file_encodings(tmp_path: Path, encoding: str) -> None:
    rows = [demo_voter(first_name="José", last_name="Núñez"), demo_voter(voter_id="2")]
    path = tmp_path / "voters.csv"
    text = csv_text(DEMO_VOTER_HEADER, [r.values() for r in rows])
    path.write_bytes(text.encode(encoding))
    result = read_all(path, "demo")
    assert [(r.first_name, r.last_name) for r in result.records] == [
        ("José", "Núñez"),
        ("Robert", "Smith"),
    ]


def test_stray_latin1_line_in_a_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "voters.csv"
    head = csv_text(DEMO_VOTER_HEADER, [demo_voter(voter_id=str(i)).values() for i in range(3000)])
    tail = csv_text(DEMO_VOTER_HEADER, [demo_voter(voter_id="Z", first_name="Zoë").values()])
    path.write_bytes(head.encode() + tail.split("\n", 1)[1].encode("latin-1"))
    result = read_all(path, "demo")
    assert result.records[-1].first_name == "Zoë" and result.rejected == []


def test_north_carolina_layout(tmp_path: Path) -> None:
    rows = [
        {
            "county_id": "92",
            "county_desc": "WAKE",
            "voter_reg_num": "000012345",
            "ncid": "AA123456",
            "last_name": "SMITH",
            "first_name": "ROBERT",
            "middle_name": "JAMES",
            "name_suffix_lbl": "JR",
            "status_cd": "A",
            "voter_status_desc": "ACTIVE",
            "res_street_address": "12  OAK ST  ",
            "res_city_desc": "RALEIGH",
            "state_cd": "NC",
            "zip_code": "27601",
            "full_phone_number": "9195550123",
            "birth_year": "1975",
            "cong_dist_abbrv": "2",
            "party_cd": "DEM",
        },
        {
            "ncid": "BB1",
            "last_name": "LEE",
            "first_name": "ANN",
            "status_cd": "R",
            "birth_year": "1999",
            "zip_code": "27601",
        },
        {"ncid": "CC1", "last_name": "NG", "first_name": "BO", "status_cd": "Q"},
    ]
    result = read_all(write_nc_voters(tmp_path / "ncvoter92.txt", rows), "nc_ncvoter")
    rob, ann = result.records
    assert (rob.voter_id, rob.first_name, rob.last_name, rob.suffix) == (
        "AA123456",
        "ROBERT",
        "SMITH",
        "JR",
    )
    assert (rob.state, rob.district, rob.city) == ("NC", "NC-2", "RALEIGH")
    assert rob.address == "12 OAK ST"
    assert (rob.phone, rob.birth_year, rob.registration_status) == ("+19195550123", 1975, "active")
    assert rob.vote_history == [] and rob.turnout_score is None
    assert (rob.party, ann.party) == ("DEM", None)
    assert ann.registration_status == "unregistered"
    assert [(e.line, e.field) for e in result.rejected] == [(4, "status_cd")]


def test_ohio_layout_history_from_general_columns(tmp_path: Path) -> None:
    rows = [
        {
            "SOS_VOTERID": "OH0012345678",
            "COUNTY_NUMBER": "25",
            "LAST_NAME": "SMITH",
            "FIRST_NAME": "ROBERT",
            "MIDDLE_NAME": "J",
            "DATE_OF_BIRTH": "1970-02-03",
            "VOTER_STATUS": "ACTIVE",
            "RESIDENTIAL_ADDRESS1": "12 OAK ST",
            "RESIDENTIAL_SECONDARY_ADDR": "APT 4",
            "RESIDENTIAL_CITY": "COLUMBUS",
            "RESIDENTIAL_STATE": "OH",
            "RESIDENTIAL_ZIP": "43215",
            "CONGRESSIONAL_DISTRICT": "03",
            "PRIMARY-03/17/2020": "R",
            "PRIMARY-05/03/2022": "X",
            "GENERAL-11/08/2022": "X",
            "GENERAL-11/02/2021": "",
            "GENERAL-11/03/2020": "X",
            "GENERAL-11/06/2018": "",
        },
        {
            "SOS_VOTERID": "OH2",
            "LAST_NAME": "LEE",
            "FIRST_NAME": "ANN",
            "DATE_OF_BIRTH": "1899-12-31",
            "VOTER_STATUS": "CONFIRMATION",
        },
        {
            "SOS_VOTERID": "OH3",
            "LAST_NAME": "NG",
            "FIRST_NAME": "BO",
            "VOTER_STATUS": "CONFIRMATION",
            "PRIMARY-05/08/2018": "R",
            "PRIMARY-05/03/2022": "D",
        },
    ]
    rows.append(
        {
            "SOS_VOTERID": "OH4",
            "LAST_NAME": "NEW",
            "FIRST_NAME": "CY",
            "VOTER_STATUS": "ACTIVE",
            "REGISTRATION_DATE": "2021-01-15",
            "GENERAL-11/08/2022": "X",
        }
    )
    result = read_all(write_oh_voters(tmp_path / "SWVF_1_22.txt", rows), "oh_swvf")
    rob, bo, cy = result.records
    # registered in 2021: the 2020 and 2018 generals were not theirs to vote in
    assert cy.vote_history == [True, False] and cy.turnout_score == 0.5
    assert (rob.voter_id, rob.state, rob.district, rob.birth_year) == (
        "OH0012345678",
        "OH",
        "OH-3",
        1970,
    )
    assert rob.address == "12 OAK ST APT 4"
    assert rob.vote_history == [True, False, True, False]  # 2022, 2021, 2020, 2018 generals
    assert rob.turnout_score == 0.5
    assert (rob.party, bo.party) == ("R", "D")  # the last primary ballot naming a party
    assert bo.registration_status == "inactive" and bo.turnout_score == 0.0
    assert [(e.line, e.field) for e in result.rejected] == [(3, "DATE_OF_BIRTH")]


def test_florida_layout_without_header(tmp_path: Path) -> None:
    mapping = load_mapping("fl_voter_extract")
    cells = {name: "" for name in mapping.column_names}
    cells.update(
        {
            "county_code": "ALA",
            "voter_id": "123456789",
            "name_last": "Álvarez",
            "name_first": "José",
            "residence_city": "Gainesville",
            "residence_zipcode": "326011234",
            "birth_date": "05/12/1985",
            "voter_status": "ACT",
            "congressional_district": "3",
            "party_affiliation": "NPA",
            "daytime_area_code": "352",
            "daytime_phone_number": "5550199",
            "email": "Jose@Example.com",
        }
    )
    path = tmp_path / "ALA_20240109.txt"
    path.write_text("\t".join(cells.values()) + "\n", encoding="utf-8")
    (jose,) = read_all(path, "fl_voter_extract").records
    assert jose.party == "NPA"
    assert (jose.voter_id, jose.first_name, jose.state, jose.zip) == (
        "123456789",
        "José",
        "FL",
        "32601",
    )
    assert (jose.phone, jose.email, jose.district, jose.birth_year, jose.line) == (
        "+13525550199",
        "jose@example.com",
        "FL-3",
        1985,
        1,
    )


def test_ohio_party_letters_count_as_votes_and_gzip_is_read(tmp_path: Path) -> None:
    import gzip

    base = {"LAST_NAME": "SMITH", "FIRST_NAME": "ROBERT", "VOTER_STATUS": "ACTIVE"}
    letters = ["C", "D", "E", "G", "L", "N", "R", "S", "X"]
    rows = [
        {**base, "SOS_VOTERID": f"OH{i}", "GENERAL-11/08/2022": letter}
        for i, letter in enumerate(letters)
    ]
    rows.append({**base, "SOS_VOTERID": "OH-none", "GENERAL-11/08/2022": ""})
    plain = write_oh_voters(tmp_path / "SWVF_1_22.txt", rows)
    packed = tmp_path / "SWVF_1_22.txt.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    result = read_all(packed, "oh_swvf")
    assert [r.vote_history[0] for r in result.records] == [True] * len(letters) + [False]
    assert not result.rejected


def test_a_zip_archive_of_one_file_is_read_and_of_several_refused(tmp_path: Path) -> None:
    import zipfile

    plain = write_nc_voters(
        tmp_path / "ncvoter1.txt",
        [{"ncid": "AA1", "first_name": "ANN", "last_name": "LEE", "status_cd": "A"}],
    )
    one = tmp_path / "ncvoter1.zip"
    with zipfile.ZipFile(one, "w") as archive:
        archive.write(plain, "ncvoter1.txt")
    assert [r.voter_id for r in read_all(one, "nc_ncvoter").records] == ["AA1"]
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as archive:
        archive.write(plain, "a.txt")
        archive.write(plain, "b.txt")
    with pytest.raises(FileRejected, match="holds one file"):
        read_all(two, "nc_ncvoter")


def test_florida_unquoted_exempt_rows_and_every_status(tmp_path: Path) -> None:
    mapping = load_mapping("fl_voter_extract")

    def row(voter_id: str, **cells: str) -> str:
        values = dict.fromkeys(mapping.column_names, "")
        values.update(county_code="ALA", voter_id=voter_id, name_last="Lee", name_first="Ann",
                      voter_status="ACT", public_records_exemption="N")  # fmt: skip
        values.update(cells)
        return "\t".join(values.values())

    lines = [
        row("1", name_first='Ann "Nan'),  # a stray quote: data, not the start of a quote
        row("2", voter_status="INA"),
        row("3", public_records_exemption="Y", name_last="", name_first=""),
        row("4", voter_status="PRE"),
        row("5", voter_status="XYZ"),
        row("6"),
    ]
    path = tmp_path / "ALA_20240109.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    chunks = list(iter_voter_chunks(path, mapping))
    records = [r for c in chunks for r in c.records]
    assert [r.voter_id for r in records] == ["1", "2", "4", "5", "6"]
    assert records[0].first_name == 'Ann "Nan'
    statuses = [r.registration_status for r in records]
    assert statuses == ["active", "inactive", "unregistered", "inactive", "active"]
    assert sum(c.skipped for c in chunks) == 1 and not [e for c in chunks for e in c.rejected]


def test_the_demo_mapping_reads_a_file_without_its_optional_columns(tmp_path: Path) -> None:
    path = tmp_path / "voters.csv"
    path.write_text("voter_id,first_name,last_name,state\nWI-1,Ann,Lee,WI\n", encoding="utf-8")
    (ann,) = read_all(path, "demo").records
    assert (ann.voter_id, ann.state, ann.registration_status, ann.vote_history) == (
        "WI-1", "WI", "active", []
    )  # fmt: skip


def test_elections_before_a_voter_could_vote_or_registered_do_not_count(tmp_path: Path) -> None:
    mapping = tmp_path / "county.yaml"
    mapping.write_text(
        "state: WI\ncolumns: {voter_id: id, first_name: fn, last_name: ln, birth_year: by,"
        " registration_date: reg}\noptional: [birth_year, registration_date]\n"
        "vote_history:\n  columns: [g24, g22, g20, g18]\n"
        "  dates: [2024-11-05, 2022-11-08, 2020-11-03, 2018-11-06]\n  voted_values: [Y]\n",
        encoding="utf-8",
    )
    path = tmp_path / "voters.csv"
    path.write_text(
        "id,fn,ln,by,reg,g24,g22,g20,g18\n"
        "1,Ann,Lee,1970,,Y,N,Y,N\n"  # every election counts
        "2,Bo,Lee,2003,,Y,Y,N,N\n"  # 18 in 2021: 2018 and 2020 were before they could vote
        "3,Cy,Lee,1980,2022-03-01,Y,Y,N,N\n"  # registered in 2022
        "4,Di,Lee,,,N,N,N,Y\n",  # nothing to go by: every election counts
        encoding="utf-8",
    )
    records = [r for c in iter_voter_chunks(path, load_mapping(str(mapping))) for r in c.records]
    history = {r.voter_id: r.vote_history for r in records}
    assert history == {
        "1": [True, False, True, False],
        "2": [True, True],
        "3": [True, True],
        "4": [False, False, False, True],
    }
    turnout = {r.voter_id: r.turnout_score for r in records}
    assert turnout["2"] == 1.0 and turnout["3"] == 1.0  # not 0.5: they missed no election


def test_a_birth_date_beside_a_year_is_checked_too(tmp_path: Path) -> None:
    """A row with a plausible birth year and a birth date of 1800 is rejected on its date,
    as a contact's would be, rather than kept with a date no one alive has."""
    rows = [dict(demo_voter(voter_id="D1"), birth_date="1980-05-06"),
            dict(demo_voter(voter_id="D2"), birth_date="1800-01-01")]  # fmt: skip
    path = tmp_path / "voters.csv"
    path.write_text(csv_text(list(rows[0]), [list(r.values()) for r in rows]), encoding="utf-8")
    result = read_all(path, "demo", chunk_size=10)
    assert [r.voter_id for r in result.records] == ["D1"]
    assert [(e.line, e.field) for e in result.rejected] == [(3, "birth_date")]
