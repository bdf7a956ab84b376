"""Linking an upload: in chunks, as if all at once; at the configured threshold and floor."""

from __future__ import annotations

from typing import Any

import pytest
from neo4j import Driver
from pydantic import ValidationError

from graph.contacts import snapshot_friends
from graph.supporters import record_consent
from graph.voters import upsert_voters
from ingest.contacts_job import ingest_upload
from ingest.records import VoterRecord
from ingest.voters_job import voter_row
from outreach.core.partition import partition_of
from outreach.core.settings import Settings
from outreach.usecases.consent import CURRENT_TERMS
from tests.factories import askable_voter_id, contacts_csv, unique


def comparable(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """A supporter's friends without what differs by supporter (ids, timestamps)."""
    return sorted((r["key"], r["name"], tuple(r["voters"]), tuple(r["sources"])) for r in rows)


def probabilities(rows: list[dict[str, Any]]) -> dict[str, list[float]]:
    return {r["key"]: r["probabilities"] for r in rows}


FIRST_NAMES = [
    "Alice",
    "Brenda",
    "Carlos",
    "Dmitri",
    "Eleanor",
    "Farah",
    "Gideon",
    "Hiroshi",
    "Imogen",
    "Jasper",
    "Kwame",
    "Lorenzo",
    "Marisol",
    "Nikolai",
    "Octavia",
    "Priyanka",
    "Quentin",
    "Rosalind",
    "Santiago",
    "Thaddeus",
    "Ursula",
    "Valentina",
    "Wilhelmina",
    "Xiomara",
    "Yusuf",
    "Zenobia",
    "Anselm",
    "Beatrix",
    "Cornelius",
    "Delphine",
    "Evander",
    "Florentina",
    "Gunnar",
    "Henrietta",
    "Ignatius",
    "Juniper",
    "Kasimir",
    "Leopold",
    "Mireille",
    "Nathaniel",
    "Ottilie",
    "Percival",
    "Rafferty",
    "Seraphina",
    "Tobias",
    "Ulysses",
    "Vivienne",
    "Winifred",
    "Xavier",
    "Yolanda",
    "Zebulon",
    "Amadeus",
    "Bartholomew",
    "Clementine",
    "Desmond",
    "Esperanza",
    "Fitzgerald",
    "Guinevere",
    "Horatio",
    "Isadora",
]


def first(i: int) -> str:
    """Sixty given names far apart from one another."""
    return FIRST_NAMES[i]


@pytest.fixture
def upload(driver: Driver, settings: Settings) -> bytes:
    """Forty voters sharing a rare surname, and sixty contacts, a third in no voter file."""
    secret = settings.secret_key.get_secret_value()
    tag = unique("x")
    surname = "Chunk" + "".join(c for c in tag if c.isalpha())
    # Numbers of this fixture's own: voters of another test with one phone and one first
    # name would be doubtful candidates for these contacts, not links.
    exchange = 200 + int(tag[-6:], 16) % 700
    voters = [
        VoterRecord(
            voter_id=askable_voter_id(), first_name=first(i), last_name=surname, state="WI",
            city="Madison", zip="53703", phone=f"+1608{exchange}{i:04d}" if i % 2 else None,
        )
        for i in range(40)
    ]  # fmt: skip
    upsert_voters(driver, [voter_row(v, secret=secret) for v in voters], batch_size=100)
    rows = [
        {"first_name": first(i), "last_name": surname, "state": "WI", "city": "Madison",
         "phone": f"(608) {exchange}-{i:04d}" if i % 3 else ""}
        for i in range(60)
    ]  # fmt: skip
    return contacts_csv(rows)


def load(driver: Driver, settings: Settings, data: bytes, **changes: Any) -> tuple[str, Any]:
    """One new supporter's upload of ``data`` with these settings changed."""
    supporter = unique("supLink")
    record_consent(
        driver, supporter_id=supporter, version=CURRENT_TERMS, partition=partition_of(supporter)
    )
    result = ingest_upload(
        driver, supporter_id=supporter, upload_id=unique("upl"), data=data, consent=CURRENT_TERMS,
        filename="contacts.csv", settings=settings.model_copy(update=changes),
    )  # fmt: skip
    return supporter, result


def test_chunked_linking_matches_linking_all_at_once(
    driver: Driver, settings: Settings, upload: bytes
) -> None:
    snapshots = []
    for chunk_size in (1000, 7):
        supporter, result = load(driver, settings, upload, link_chunk_size=chunk_size)
        assert result.counts["read"] == 60 and result.counts["rejected"] == 0
        # The 13 whose phone is the voter file's link; others may, on name and place.
        assert 13 <= result.counts["linked"] <= 40, result.counts
        snapshots.append(snapshot_friends(driver, supporter))
    whole, chunked = snapshots
    assert len(whole) >= 40  # every contact with a phone, and every linked one
    assert comparable(chunked) == comparable(whole)
    # A contact's probability is its share of the odds of the candidates it was compared
    # with, and a smaller chunk can bring back fewer voters who share its surname.
    for key, ps in probabilities(whole).items():
        assert probabilities(chunked)[key] == pytest.approx(ps, abs=0.02)


def test_threshold_and_review_floor_come_from_the_settings(
    driver: Driver, settings: Settings, upload: bytes
) -> None:
    _, default = load(driver, settings, upload)
    _, strict = load(driver, settings, upload, link_threshold=0.99999999, link_review_floor=0.5)
    _, lenient = load(driver, settings, upload, link_threshold=0.5, link_review_floor=0.5)
    assert strict.counts["linked"] < default.counts["linked"] <= lenient.counts["linked"]
    # What no longer links at the strict threshold is kept for review instead.
    assert strict.counts["candidates"] > default.counts["candidates"]


def test_review_floor_above_threshold_is_refused() -> None:
    with pytest.raises(ValidationError, match="LINK_REVIEW_FLOOR"):
        Settings(link_threshold=0.6, link_review_floor=0.8)
