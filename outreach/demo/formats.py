"""Writers for the contact-file formats a supporter might upload.

Each writer takes a list of :class:`~outreach.demo.contacts.Contact` and returns, for each
contact, where it sits in the file: the 1-based line for CSV layouts (the header is line
1, and no field spans lines) or the 1-based position for vCard and JSON.

- ``csv``: the generic layout, ``first_name,last_name,phone,email,city,state,zip,favorite,labels``.
- ``google``: the Google Contacts CSV export, with its real column names.
- ``vcf``: vCard 3.0, CRLF line ends, long lines folded at 75 octets (RFC 6350 3.2).
- ``json``: a social-network friend list, ``{"friends": [{"name", "location"}]}``;
  ``location`` (``city``, full ``state`` name, either may be empty) only when known.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Sequence
from pathlib import Path

from outreach.demo.contacts import Contact
from outreach.demo.geo import STATE_NAMES

CONTACT_HEADER: tuple[str, ...] = (
    "first_name", "last_name", "phone", "email", "city", "state", "zip", "favorite", "labels",
)  # fmt: skip
GOOGLE_HEADER: tuple[str, ...] = (
    "Name", "Given Name", "Additional Name", "Family Name", "Yomi Name", "Given Name Yomi",
    "Additional Name Yomi", "Family Name Yomi", "Name Prefix", "Name Suffix", "Initials",
    "Nickname", "Short Name", "Maiden Name", "Birthday", "Gender", "Location",
    "Billing Information", "Directory Server", "Mileage", "Occupation", "Hobby",
    "Sensitivity", "Priority", "Subject", "Notes", "Language", "Photo", "Group Membership",
    "E-mail 1 - Type", "E-mail 1 - Value", "E-mail 2 - Type", "E-mail 2 - Value",
    "Phone 1 - Type", "Phone 1 - Value", "Phone 2 - Type", "Phone 2 - Value",
    "Address 1 - Type", "Address 1 - Formatted", "Address 1 - Street", "Address 1 - City",
    "Address 1 - PO Box", "Address 1 - Region", "Address 1 - Postal Code",
    "Address 1 - Country", "Address 1 - Extended Address", "Organization 1 - Type",
    "Organization 1 - Name", "Organization 1 - Yomi Name", "Organization 1 - Title",
    "Organization 1 - Department", "Organization 1 - Symbol", "Organization 1 - Location",
    "Organization 1 - Job Description", "Website 1 - Type", "Website 1 - Value",
)  # fmt: skip
FORMATS: tuple[str, ...] = ("csv", "google", "vcf", "json")
SUFFIX: dict[str, str] = {"csv": ".csv", "google": ".google.csv", "vcf": ".vcf", "json": ".json"}

_GOOGLE_PHONE = {"cell": "Mobile", "home": "Home", "work": "Work"}
_VCARD_PHONE = {"cell": "CELL", "home": "HOME", "work": "WORK"}
_GOOGLE_COLUMN = {name: i for i, name in enumerate(GOOGLE_HEADER)}


def full_name(c: Contact) -> str:
    """The name as an address book displays it."""
    return " ".join(part for part in (c.first, c.middle, c.last) if part)


def write_csv(path: Path, contacts: Sequence[Contact]) -> list[int]:
    """Write the generic contact CSV; return each contact's line."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(CONTACT_HEADER)
        writer.writerows(
            (
                c.first,
                c.last,
                c.phones[0][1] if c.phones else "",
                c.emails[0] if c.emails else "",
                c.city,
                c.state,
                c.zip,
                "true" if c.favorite else "false",
                ";".join(c.labels),
            )
            for c in contacts
        )
    return list(range(2, len(contacts) + 2))


def write_google(path: Path, contacts: Sequence[Contact]) -> list[int]:
    """Write a Google Contacts CSV export; return each contact's line."""
    col = _GOOGLE_COLUMN
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(GOOGLE_HEADER)
        for c in contacts:
            row = [""] * len(GOOGLE_HEADER)
            row[col["Name"]] = full_name(c)
            row[col["Given Name"]] = c.first
            row[col["Additional Name"]] = c.middle
            row[col["Family Name"]] = c.last
            groups = ["* myContacts"]
            if c.favorite:
                groups.append("* starred")
            groups.extend(label.title() for label in c.labels)
            row[col["Group Membership"]] = " ::: ".join(groups)
            for n, email in enumerate(c.emails[:2], start=1):
                row[col[f"E-mail {n} - Type"]] = "* Home" if n == 1 else "Other"
                row[col[f"E-mail {n} - Value"]] = email
            for n, (kind, text) in enumerate(c.phones[:2], start=1):
                row[col[f"Phone {n} - Type"]] = _GOOGLE_PHONE[kind]
                row[col[f"Phone {n} - Value"]] = text
            if c.city or c.state or c.zip:
                region = c.state
                row[col["Address 1 - Type"]] = "Home"
                row[col["Address 1 - Formatted"]] = " ".join(
                    part for part in (f"{c.city}," if c.city else "", region, c.zip) if part
                ).rstrip(",")
                row[col["Address 1 - City"]] = c.city
                row[col["Address 1 - Region"]] = region
                row[col["Address 1 - Postal Code"]] = c.zip
                row[col["Address 1 - Country"]] = "US"
            writer.writerow(row)
    return list(range(2, len(contacts) + 2))


def _vtext(value: str) -> str:
    """Escape a vCard 3.0 text value."""
    return value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line at 75 octets, never inside a UTF-8 sequence (RFC 6350 3.2)."""
    if len(line.encode("utf-8")) <= 75:
        return line
    parts: list[str] = []
    current, size, limit = "", 0, 75
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size, limit = "", 0, 74  # continuation lines start with a space
        current += ch
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def write_vcf(path: Path, contacts: Sequence[Contact]) -> list[int]:
    """Write one vCard 3.0 per contact; return each contact's 1-based position."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        for c in contacts:
            lines = [
                "BEGIN:VCARD",
                "VERSION:3.0",
                f"FN:{_vtext(full_name(c))}",
                f"N:{_vtext(c.last)};{_vtext(c.first)};{_vtext(c.middle)};;",
            ]
            lines.extend(f"TEL;TYPE={_VCARD_PHONE[kind]}:{text}" for kind, text in c.phones)
            lines.extend(
                f"EMAIL;TYPE=INTERNET{';TYPE=PREF' if n == 0 else ''}:{email.strip()}"
                for n, email in enumerate(c.emails)
            )
            if c.city or c.state or c.zip:
                adr = ";".join(_vtext(v) for v in ("", "", "", c.city, c.state, c.zip, "USA"))
                lines.append(f"ADR;TYPE=HOME:{adr}")
            if c.labels:
                lines.append("CATEGORIES:" + ",".join(_vtext(label) for label in c.labels))
            lines.append("END:VCARD")
            fh.write("".join(fold(line) + "\r\n" for line in lines))
    return list(range(1, len(contacts) + 1))


def write_json(path: Path, contacts: Sequence[Contact]) -> list[int]:
    """Write a JSON friend-list export (names and location); return 1-based positions."""
    friends: list[dict[str, object]] = []
    for c in contacts:
        friend: dict[str, object] = {"name": " ".join(p for p in (c.first, c.last) if p)}
        if c.city or c.state:
            state = STATE_NAMES.get(c.state, c.state)
            friend["location"] = {"city": c.city, "state": state}
        friends.append(friend)
    with path.open("w", encoding="utf-8") as fh:
        json.dump({"friends": friends}, fh, ensure_ascii=False, indent=1)
        fh.write("\n")
    return list(range(1, len(contacts) + 1))


WRITERS: dict[str, Callable[[Path, Sequence[Contact]], list[int]]] = {
    "csv": write_csv,
    "google": write_google,
    "vcf": write_vcf,
    "json": write_json,
}


def write_contacts(
    fmt: str, folder: Path, owner: str, contacts: Sequence[Contact]
) -> tuple[Path, list[int]]:
    """Write ``owner``'s contacts in ``fmt`` under ``folder``; return the file and positions."""
    path = folder / f"{owner}{SUFFIX[fmt]}"
    return path, WRITERS[fmt](path, contacts)
