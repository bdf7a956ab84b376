"""A big upload is looked up and linked in chunks: the graph ends up as if it were one."""

from __future__ import annotations

from typing import Any

import pytest
from neo4j import Driver

from graph.contacts import snapshot_friends
from graph.supporters import record_consent
from graph.voters import upsert_voters
from ingest.contacts_job import CURRENT_TERMS, ingest_upload
from ingest.records import VoterRecord
from ingest.voters_job import voter_row
from outreach.partition import partition_of
from outreach.settings import Settings
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


def test_chunked_linking_matches_linking_all_at_once(driver: Driver, settings: Settings) -> None:
    secret = settings.secret_key.get_secret_value()
    surname = "Chunk" + "".join(c for c in unique("x") if c.isalpha())
    voters = [
        VoterRecord(
            voter_id=askable_voter_id(), first_name=first(i), last_name=surname, state="WI",
            city="Madison", zip="53703", phone=f"+1608555{i:04d}" if i % 2 else None,
        )
        for i in range(40)
    ]  # fmt: skip
    upsert_voters(driver, [voter_row(v, secret=secret) for v in voters], batch_size=100)
    rows = [
        {"first_name": first(i), "last_name": surname, "state": "WI", "city": "Madison",
         "phone": f"(608) 555-{i:04d}" if i % 3 else ""}
        for i in range(60)  # a third are in no voter file
    ]  # fmt: skip
    data = contacts_csv(rows)

    snapshots = []
    for chunk_size in (1000, 7):
        supporter = unique("supChunk")
        record_consent(
            driver, supporter_id=supporter, version=CURRENT_TERMS,
            partition=partition_of(supporter),
        )  # fmt: skip
        result = ingest_upload(
            driver, supporter_id=supporter, upload_id=unique("upl"), data=data,
            filename="contacts.csv",
            settings=settings.model_copy(update={"link_chunk_size": chunk_size}),
        )  # fmt: skip
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
