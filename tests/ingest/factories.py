"""Factories for the files the ingest tests read: contact exports and voter files."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

GENERIC_HEADER = (
    "first_name",
    "last_name",
    "phone",
    "email",
    "city",
    "state",
    "zip",
    "favorite",
    "labels",
)
GOOGLE_OLD_HEADER = (
    "Name",
    "Given Name",
    "Additional Name",
    "Family Name",
    "Name Suffix",
    "Nickname",
    "Birthday",
    "Notes",
    "Group Membership",
    "E-mail 1 - Type",
    "E-mail 1 - Value",
    "E-mail 2 - Type",
    "E-mail 2 - Value",
    "Phone 1 - Type",
    "Phone 1 - Value",
    "Phone 2 - Type",
    "Phone 2 - Value",
    "Address 1 - Type",
    "Address 1 - Formatted",
    "Address 1 - City",
    "Address 1 - Region",
    "Address 1 - Postal Code",
    "Address 1 - Country",
)
GOOGLE_NEW_HEADER = (
    "First Name",
    "Middle Name",
    "Last Name",
    "Phonetic First Name",
    "Name Prefix",
    "Name Suffix",
    "Nickname",
    "File As",
    "Organization Name",
    "Birthday",
    "Notes",
    "Labels",
    "E-mail 1 - Label",
    "E-mail 1 - Value",
    "Phone 1 - Label",
    "Phone 1 - Value",
    "Phone 2 - Label",
    "Phone 2 - Value",
    "Address 1 - Label",
    "Address 1 - City",
    "Address 1 - Region",
    "Address 1 - Postal Code",
    "Address 1 - Country",
)
DEMO_VOTER_HEADER = (
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
)
NC_HEADER = (
    "county_id",
    "county_desc",
    "voter_reg_num",
    "ncid",
    "last_name",
    "first_name",
    "middle_name",
    "name_suffix_lbl",
    "status_cd",
    "voter_status_desc",
    "reason_cd",
    "voter_status_reason_desc",
    "res_street_address",
    "res_city_desc",
    "state_cd",
    "zip_code",
    "mail_addr1",
    "mail_city",
    "mail_state",
    "mail_zipcode",
    "full_phone_number",
    "confidential_ind",
    "registr_dt",
    "race_code",
    "ethnic_code",
    "party_cd",
    "gender_code",
    "birth_year",
    "age_at_year_end",
    "birth_state",
    "precinct_abbrv",
    "cong_dist_abbrv",
    "nc_senate_abbrv",
    "nc_house_abbrv",
)
OH_HEADER = (
    "SOS_VOTERID",
    "COUNTY_NUMBER",
    "COUNTY_ID",
    "LAST_NAME",
    "FIRST_NAME",
    "MIDDLE_NAME",
    "SUFFIX",
    "DATE_OF_BIRTH",
    "REGISTRATION_DATE",
    "VOTER_STATUS",
    "PARTY_AFFILIATION",
    "RESIDENTIAL_ADDRESS1",
    "RESIDENTIAL_SECONDARY_ADDR",
    "RESIDENTIAL_CITY",
    "RESIDENTIAL_STATE",
    "RESIDENTIAL_ZIP",
    "RESIDENTIAL_ZIP_PLUS4",
    "CONGRESSIONAL_DISTRICT",
    "PRECINCT_NAME",
    "PRIMARY-05/08/2018",
    "GENERAL-11/06/2018",
    "PRIMARY-03/17/2020",
    "GENERAL-11/03/2020",
    "GENERAL-11/02/2021",
    "PRIMARY-05/03/2022",
    "GENERAL-11/08/2022",
)


def csv_text(header: Iterable[str], rows: Iterable[Iterable[str]], delimiter: str = ",") -> str:
    """A CSV text with ``header`` and ``rows``, quoted where needed, LF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def generic_csv(
    rows: Iterable[dict[str, str]], *, delimiter: str = ",", header: Sequence[str] = GENERIC_HEADER
) -> bytes:
    """A generic contact CSV in UTF-8, one dict per contact keyed by header."""
    return csv_text(header, ([r.get(h, "") for h in header] for r in rows), delimiter).encode()


def google_csv(
    rows: Iterable[dict[str, str]], *, new: bool = False, encoding: str = "utf-8"
) -> bytes:
    """A Google Contacts export in the old (default) or new header layout."""
    header = GOOGLE_NEW_HEADER if new else GOOGLE_OLD_HEADER
    return csv_text(header, ([r.get(h, "") for h in header] for r in rows)).encode(encoding)


def vcard(
    *,
    version: str = "3.0",
    fn: str,
    n: str | None = None,
    tels: Sequence[str] = (),
    emails: Sequence[str] = (),
    adr: str | None = None,
    extra: Sequence[str] = (),
) -> str:
    """One vCard as text with CRLF line ends; ``extra`` lines are added before END."""
    lines = ["BEGIN:VCARD", f"VERSION:{version}", f"FN:{fn}"]
    if n is not None:
        lines.append(f"N:{n}")
    lines.extend(f"TEL;TYPE=cell:{t}" for t in tels)
    lines.extend(f"EMAIL;TYPE=INTERNET:{e}" for e in emails)
    if adr is not None:
        lines.append(f"ADR;TYPE=HOME:{adr}")
    lines.extend(extra)
    lines.append("END:VCARD")
    return "".join(line + "\r\n" for line in lines)


def fold(line: str, width: int = 30) -> str:
    """A content line folded every ``width`` characters, as RFC 6350 allows."""
    parts = [line[i : i + width] for i in range(0, len(line), width)]
    return "\r\n ".join(parts)


def json_friends(document: Any) -> bytes:
    """A JSON friend-list export, pretty-printed like real exports."""
    return json.dumps(document, indent=2, ensure_ascii=False).encode()


def demo_voter(**fields: str) -> dict[str, str]:
    """One demo voter-file row with plausible defaults, overridden by ``fields``."""
    row = {
        "voter_id": "WI-000001",
        "first_name": "Robert",
        "middle_name": "J",
        "last_name": "Smith",
        "suffix": "",
        "birth_year": "1980",
        "address": "12 Oak St",
        "city": "Madison",
        "zip": "53703",
        "state": "WI",
        "district": "",
        "phone": "(608) 555-0101",
        "email": "Rob.Smith@Example.com",
        "household_id": "H1",
        "registration_status": "active",
        "vote_2016g": "Y",
        "vote_2018g": "N",
        "vote_2020g": "Y",
        "vote_2022g": "Y",
        "support_score": "0.7",
    }
    row.update(fields)
    return row


def write_demo_voters(path: Path, rows: Iterable[dict[str, str]]) -> Path:
    """Write a demo-layout voter file at ``path``."""
    path.write_text(
        csv_text(DEMO_VOTER_HEADER, ([r[h] for h in DEMO_VOTER_HEADER] for r in rows)),
        encoding="utf-8",
    )
    return path


def write_nc_voters(path: Path, rows: Iterable[dict[str, str]]) -> Path:
    """Write an NCSBE ncvoter-layout file (tab-delimited, every value quoted)."""
    lines = ["\t".join(f'"{h}"' for h in NC_HEADER)]
    lines.extend("\t".join(f'"{r.get(h, "")}"' for h in NC_HEADER) for r in rows)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_oh_voters(path: Path, rows: Iterable[dict[str, str]]) -> Path:
    """Write an Ohio SWVF-layout file (comma-delimited, quoted)."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(OH_HEADER)
    writer.writerows([r.get(h, "") for h in OH_HEADER] for r in rows)
    path.write_text(out.getvalue(), encoding="utf-8", newline="")
    return path


def write_big_demo_voters(path: Path, count: int) -> Path:
    """A demo voter file of ``count`` rows, written in a stream."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(DEMO_VOTER_HEADER) + "\n")
        for i in range(count):
            fh.write(
                f"V{i:07d},Ann,,Lee{i % 997},,{1940 + i % 60},{i} Main St,Erie,16501,PA,,,,"
                f"H{i // 3},active,Y,N,,Y,0.{i % 10}\n"
            )
    return path
