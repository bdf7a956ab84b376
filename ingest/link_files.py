"""The upload linker's shipped model, trained from files; files read as its candidate rows.

(``outreach link`` itself, which trains a model on the fields of the two files it is
given, is ``ingest/file_linkage.py``.) :func:`read_left` and :func:`read_voters` read a
contacts file and a voter file into the rows :class:`~ingest.link_splink.SplinkLinker`
takes, with the same keys as the graph path (keyed hashes of phones and emails, name
keys) under a throwaway secret; ``ingest/link_eval.py`` and the linkage benchmark use them.
A left row's id is its ``contact_id`` or ``id`` column when the CSV has one (or the
column named by ``id_column``), its voter id for a voter file, else its line number.

:func:`train_model` estimates the linker's parameters, from labelled contact-voter pairs
when it has them (what ``link_model.json`` ships: the generator's truth for its training
set) or else without labels, and :func:`train_from_files` does it from a voter file and a
contacts file (and, optionally, their truth), for ``outreach link --train``.
"""

from __future__ import annotations

import csv
import logging
import random
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.encoding import decode_bytes
from ingest.keys import email_key, name_key, phone_key
from ingest.link_people import Tables, train
from ingest.linking import KeyedContact, keyed
from ingest.mapping import VoterMapping, load_mapping
from ingest.names import canonical_first_name
from ingest.place_areas import fill_place_areas, known_place_areas, phone_area
from ingest.readers import read_contacts
from ingest.readers.base import ids_by_line
from ingest.readers.voters import iter_voter_chunks
from ingest.records import ContactRecord, VoterRecord
from ingest.splink_model import contact_rows, save_model, voter_rows
from outreach.core.errors import RowError

_ID_HEADERS = ("contactid", "id")


@dataclass
class LinkReport:
    """What a file-to-file link did."""

    out_csv: Path
    left_read: int = 0
    right_read: int = 0
    left_rejected: list[RowError] = field(default_factory=list)
    right_rejected: list[RowError] = field(default_factory=list)
    linked: int = 0
    review: int = 0
    unmatched: int = 0
    seconds: float = 0.0


def train_from_files(
    voters_csv: Path,
    voter_mapping: str | Path,
    contacts_csv: Path,
    out_json: Path,
    *,
    contacts_mapping: str | Path | None = None,
    seed: int = 1,
    truth_csv: Path | None = None,
) -> Path:
    """Estimate the linkage model from a voter file and a contacts file; write it as JSON.

    With ``truth_csv`` (``contact_id,voter_id``, as ``generate_linkage_eval`` writes it),
    m is counted on the labelled pairs rather than estimated without labels.
    """
    secret = secrets.token_hex(16)
    report = LinkReport(out_csv=Path(out_json))
    ids, contacts = read_left(Path(contacts_csv), contacts_mapping, secret=secret, report=report)
    voters = read_voters(Path(voters_csv), voter_mapping, secret=secret, report=report)
    labels = _labels(ids, Path(truth_csv)) if truth_csv else []
    model = train_model(
        contact_rows(contacts, secret=secret), voter_rows(voters), seed=seed, labels=labels
    )
    save_model(model, Path(out_json))
    return Path(out_json)


def _labels(ids: list[str], truth_csv: Path) -> list[tuple[str, str]]:
    """(contact row id, voter id) for each contact whose voter the truth file names."""
    with truth_csv.open(newline="", encoding="utf-8") as f:
        truth = {row["contact_id"]: row["voter_id"] for row in csv.DictReader(f)}
    return [(str(i), truth[cid]) for i, cid in enumerate(ids) if truth.get(cid)]


def read_left(
    path: Path,
    mapping: str | Path | None,
    *,
    secret: str,
    report: LinkReport,
    id_column: str | None = None,
    region: str = "US",
) -> tuple[list[str], list[KeyedContact]]:
    """The left rows' ids and keyed contacts: a contact file, or a voter file given a mapping."""
    if mapping is not None:
        records, ids = [], []
        for voter in _voters(
            path, load_mapping(mapping), report=report, side="left", region=region
        ):
            ids.append(voter.voter_id)
            records.append(_as_contact(voter))
        return ids, [keyed(record, secret=secret) for record in records]
    data = path.read_bytes()
    parsed = read_contacts(data, filename=path.name, region=region)
    report.left_read = parsed.rows_read
    report.left_rejected = parsed.rejected
    by_line = _ids_by_line(data, id_column) if parsed.format == "csv" else {}
    ids = [by_line.get(record.line) or str(record.line) for record in parsed.records]
    return ids, [keyed(record, secret=secret) for record in parsed.records]


def read_voters(
    path: Path,
    mapping: str | Path,
    *,
    secret: str,
    report: LinkReport,
    region: str = "US",
) -> list[dict[str, Any]]:
    """Every voter in a voter file as a candidate row, shaped like the graph's voter rows."""
    column_map = load_mapping(mapping)
    return [
        voter_candidate(voter, secret=secret)
        for voter in _voters(path, column_map, report=report, side="right", region=region)
    ]


def voter_candidate(voter: VoterRecord, *, secret: str) -> dict[str, Any]:
    """A voter record as a candidate row, as the graph returns it: public fields plus keyed
    hashes."""
    canonical = canonical_first_name(voter.first_name) if voter.first_name else ""
    row = {
        "voter_id": voter.voter_id,
        "first_name": voter.first_name,
        "middle_name": voter.middle_name,
        "last_name": voter.last_name,
        "birth_year": voter.birth_year,
        "birth_date": voter.birth_date,
        "address": voter.address,
        "city": voter.city,
        "zip": voter.zip,
        "state": voter.state,
        "phone_hash": phone_key(secret, voter.phone) if voter.phone else None,
        "email_hash": email_key(secret, voter.email) if voter.email else None,
        "household_id": voter.household_id,
        "name_key": name_key(canonical, voter.last_name),
        "phone_area": phone_area(voter.phone),
    }
    return row


def _voters(
    path: Path, mapping: VoterMapping, *, report: LinkReport, side: str, region: str
) -> Iterable[VoterRecord]:
    """Stream a voter file's records, counting rows and rejections on ``side``."""
    for chunk in iter_voter_chunks(path, mapping, chunk_size=20_000, region=region):
        if side == "left":
            report.left_read += chunk.rows_read
            report.left_rejected.extend(chunk.rejected)
        else:
            report.right_read += chunk.rows_read
            report.right_rejected.extend(chunk.rejected)
        yield from chunk.records


def _as_contact(voter: VoterRecord) -> ContactRecord:
    """A voter record seen as a contact, to link one voter file against another."""
    return ContactRecord(
        line=voter.line,
        display_name=" ".join(p for p in (voter.first_name, voter.last_name) if p),
        first_name=voter.first_name or None,
        last_name=voter.last_name or None,
        middle_name=voter.middle_name,
        phones=[voter.phone] if voter.phone else [],
        emails=[voter.email] if voter.email else [],
        city=voter.city,
        state=voter.state,
        zip=voter.zip,
        birth_year=voter.birth_year,
    )


def _ids_by_line(data: bytes, id_column: str | None) -> dict[int, str]:
    """Line number -> the row's id cell, when the CSV has an id column."""
    return ids_by_line(decode_bytes(data), id_column, default_headers=_ID_HEADERS, required=False)


# The share of places whose area codes training pretends not to know (see train_model).
UNKNOWN_PLACES = 0.5


def train_model(
    contacts: list[dict[str, Any]],
    voters: list[dict[str, Any]],
    *,
    seed: int = 1,
    u_max_pairs: float = 1e7,
    labels: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    """Estimate the upload model's parameters from contact rows and voter rows.

    ``ingest.link_people.train`` on every field, names without term frequencies, place
    areas learnt from the voters' phones alone, as the graph learns them (see
    ``ingest/splink_model.py``), and forgotten for a random :data:`UNKNOWN_PLACES` of the
    places, so that the levels of places whose codes are unknown (a voter file without
    phones) are learnt too: u from random contact-voter pairs;
    given ``labels`` (contact row id, voter id) for the contacts known to be voters, m is
    counted on those pairs and the prior is their share of all pairs, else m comes from
    expectation maximisation.
    """
    known = known_place_areas(voters)
    hidden = set(random.Random(seed).sample(sorted(known), k=round(UNKNOWN_PLACES * len(known))))
    known = {place: areas for place, areas in known.items() if place not in hidden}
    fill_place_areas(contacts, known)
    fill_place_areas(voters, known)
    tables = Tables(contacts, voters, place_areas=False)
    model = train(
        contacts, voters, labels=labels, seed=seed, u_max_pairs=u_max_pairs,
        name_frequencies=False, tables=tables,
    )  # fmt: skip
    model.pop("outreach_present_fields", None)
    model.pop("outreach_households", None)
    model["outreach_prior_voters"] = len(voters)  # the file the prior was counted on
    logging.getLogger(__name__).info(
        "trained a linkage model on %d contacts (%d labelled) and %d voters",
        len(contacts), len(labels), len(voters),
    )  # fmt: skip
    return model
