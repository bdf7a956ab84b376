"""The upload linker's model: the fields model of ``ingest/link_fields.py``, on graph rows.

Uploads link with the comparisons ``outreach link`` uses (``ingest.link_fields``), every
field taken as present: first and last name (nicknames, swapped names, typos), full birth
date (transposed, one part off, year), street address, place (postcode, city, state, the
state of the phone's area code), phone (also two adjacent digits swapped) and email. A
field that either side lacks is splink's null level and weighs nothing, so a contact of
a name and a phone is compared on those alone. Blocking (:func:`blocking_rules`) is
``ingest.link_fields``'s union of rules; it runs within the candidates that the graph
returned for the upload's keys (``ingest/blocking.py``).

What differs from ``outreach link``:

- names carry no term-frequency adjustment. Uploads are scored against the few voters
  the graph returns, whose frequencies say nothing of the file's; and contacts who carry
  a voter's exact name without being that voter (namesakes) carry rare names as often as
  the voters themselves do: with frequencies from the training voter file, an exact rare
  name became a near-certain link and recall at 98% precision fell (0.81 to 0.77);
- place areas (the area codes a place's phones use, ``ingest/place_areas.py``) are
  learnt from the voter file alone: the graph keeps each voter's area code, never the
  number, and each place's codes (``:VoterPlace``); a supporter's contacts never add to
  them. Where a place's codes are unknown (a voter file without phones, or one loaded
  before they were kept), its pairs fall to the levels of states alone, trained on the
  places whose codes training hid (``ingest.link_files.train_model``).

:func:`contact_rows` and :func:`voter_rows` turn keyed contacts and graph voter rows into
rows of :data:`SCHEMA`.

The parameters ship in ``link_model.json``, trained by ``ingest.link_files.train_model``
on a generated voter file and contacts with their truth (seed 7, 20,000 of each;
``python -m bench.linkage_quality --train-model ingest/link_model.json``): m counted on
the labelled contact-voter pairs, u from random pairs (less the matches among them), the
prior from the labelled pairs' share of all pairs, place areas from the voters' phones
alone. The generated contacts include stale voter-file phones and emails, so a phone
that disagrees is learned as weak evidence against a match, not as a veto.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from splink import DuckDBAPI

from ingest import link_fields
from ingest.link_fields import FIELD_COLUMNS, person_row
from ingest.linking import KeyedContact
from ingest.records import VoterRecord
from outreach.core.errors import InvalidInput
from outreach.core.hashing import keyed_hash

MODEL_PATH = Path(__file__).with_name("link_model.json")
SCHEMA = link_fields.SCHEMA
UPLOAD_FIELDS = frozenset(FIELD_COLUMNS)  # every field: a missing one is a null level


def comparisons() -> list[Any]:
    """The model's comparisons: ``ingest.link_fields``'s, on every field, names without
    term frequencies."""
    return link_fields.comparisons(UPLOAD_FIELDS, name_frequencies=False)


def blocking_rules() -> list[Any]:
    """Which of an upload's contact-candidate pairs are scored: ``ingest.link_fields``'s union."""
    return link_fields.blocking_rules(UPLOAD_FIELDS)


def contact_rows(
    contacts: Sequence[KeyedContact], *, secret: str | None = None
) -> list[dict[str, Any]]:
    """Model rows for contacts; each row's id is the contact's position.

    With the hashing ``secret``, a contact's phones also get the keys of every number
    one swap of adjacent digits away, so that a mistyped number can still agree.
    """
    return [
        person_row(
            str(i),
            contact.record,
            phone_keys=contact.phone_keys,
            phone_near_keys=swapped_phone_keys(secret, contact.record.phones) if secret else (),
            email_keys=contact.email_keys,
        )
        for i, contact in enumerate(contacts)
    ]


def voter_rows(voters: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Model rows for candidate voters (graph rows: ``graph.voters`` ``_VOTER_FIELDS``), each
    voter once. Graph rows carry keyed hashes of the phone and email, never the raw ones,
    and the phone's area code."""
    rows, seen = [], set()
    for voter in voters:
        voter_id = str(voter["voter_id"])
        if voter_id in seen:
            continue
        seen.add(voter_id)
        record = VoterRecord(
            voter_id=voter_id,
            first_name=voter.get("first_name") or "",
            last_name=voter.get("last_name") or "",
            state=voter.get("state") or "",
            middle_name=voter.get("middle_name"),
            birth_year=voter.get("birth_year"),
            birth_date=voter.get("birth_date"),
            address=voter.get("address"),
            city=voter.get("city"),
            zip=voter.get("zip"),
        )
        phone, email = voter.get("phone_hash"), voter.get("email_hash")
        row = person_row(
            voter_id,
            record,
            phone_keys=[phone] if phone else (),
            email_keys=[email] if email else (),
            phones=(),
        )
        row["phone_areas"] = [voter["phone_area"]] if voter.get("phone_area") else None
        rows.append(row)
    return rows


def swapped_phone_keys(secret: str, phones: Sequence[str]) -> list[str]:
    """Keyed hashes of each phone with one pair of adjacent digits swapped (E.164 in)."""
    return sorted(keyed_hashes(secret, "phone", swapped_phones(phones)))


def swapped_phones(phones: Sequence[str]) -> set[str]:
    """Each phone with one pair of adjacent (different) digits swapped (E.164 in and out)."""
    swaps: set[str] = set()
    for phone in phones:
        prefix, digits = (
            (phone[:2], phone[2:]) if phone.startswith("+1") else (phone[:1], phone[1:])
        )
        for i in range(len(digits) - 1):
            if digits[i] != digits[i + 1]:
                swaps.add(prefix + digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :])
    return swaps


def keyed_hashes(secret: str, kind: str, values: Iterable[str]) -> list[str]:
    """``outreach.core.hashing.keyed_hash(secret, kind, v)`` of each value, in order."""
    return [keyed_hash(secret, kind, value) for value in values]


def load_model(path: Path = MODEL_PATH) -> dict[str, Any]:
    """A trained model's settings, as saved by :func:`save_model`; InvalidInput if unreadable."""
    try:
        model = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"cannot read the linkage model {path}: {exc}") from exc
    if not isinstance(model, dict) or "comparisons" not in model:
        raise InvalidInput(f"{path} is not a saved linkage model")
    return model


def splink_settings(model: dict[str, Any]) -> dict[str, Any]:
    """A saved model's splink settings: without the keys of our own (``outreach_*``, such as
    ``outreach_prior_voters``, the size of the voter file the prior was counted on)."""
    return {key: value for key, value in model.items() if not key.startswith("outreach_")}


def save_model(model: dict[str, Any], path: Path) -> None:
    """Write a trained model's settings as JSON."""
    Path(path).write_text(json.dumps(model, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def duckdb_api() -> DuckDBAPI:
    """An in-memory DuckDB for splink, quiet (no progress bar)."""
    db = DuckDBAPI()
    db.duckdb_con.execute("SET enable_progress_bar = false")
    return db
