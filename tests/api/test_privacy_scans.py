"""Privacy shown by scans: of the whole graph, of the data folder, of what analysts can read.

* After a supporter deletes their data, no node or relationship property and no file in
  the data folder holds their id, their phone or email, or the names, phones and emails of
  friends nobody else uploaded (nor their own name for a friend someone else also knows).
* Through the analyst route, the supporter's own copy of a friend's phone and email is
  ciphertext: no query returns it readable.
* An opted-out friend is nowhere a later upload could put them: on no list, linked to no
  new supporter, their new name stored nowhere.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from neo4j import Driver

from graph.db.run import read
from ingest.supporters_job import ingest_roster
from outreach.core.sealing import unseal
from outreach.core.settings import Settings
from outreach.usecases import accounts
from tests.factories import (
    api_client,
    consent_and_upload,
    load_voter_rows,
    rank_now,
    unique,
    voter,
)

ALL_NODES = "MATCH (n) RETURN labels(n) AS labels, properties(n) AS props"
ALL_RELATIONSHIPS = "MATCH ()-[r]->() RETURN type(r) AS type, properties(r) AS props"


def phone_forms(digits: str) -> list[str]:
    """The ways a ten-digit US number is written in files, the graph and logs."""
    a, b, c = digits[:3], digits[3:6], digits[6:]
    return [digits, f"+1{digits}", f"{a}-{b}-{c}", f"({a}) {b}-{c}", f"{a} {b} {c}", f"{a}.{b}.{c}"]


def graph_hits(driver: Driver, needles: list[str]) -> list[str]:
    """Every node or relationship property holding one of ``needles`` (case-insensitive)."""
    hits = []
    lowered = [n.lower() for n in needles]
    for query, kind in ((ALL_NODES, "labels"), (ALL_RELATIONSHIPS, "type")):
        for row in read(driver, query):
            text = json.dumps(row["props"], default=str).lower()
            for needle in lowered:
                if needle in text:
                    hits.append(f"{row[kind]} holds {needle!r}")
    return hits


def file_hits(folder: Path, needles: list[str]) -> list[str]:
    """Every file under ``folder`` (but the graph server's own store) holding a needle."""
    hits = []
    encoded = [n.lower().encode() for n in needles]
    for path in folder.rglob("*"):
        if not path.is_file() or "graph" in path.relative_to(folder).parts[:1]:
            continue
        data = path.read_bytes().lower()
        hits.extend(f"{path} holds {n!r}" for n in encoded if n in data)
    return hits


def test_after_deletion_no_scan_finds_anything_of_the_supporter(
    api_url: str,
    driver: Driver,
    settings: Settings,
    worker: subprocess.Popen[bytes],
    tmp_path: Path,
) -> None:
    tag = unique("x")[-6:]
    shared = {"first_name": "Robert", "last_name": f"Shared{tag}", "phone": "6084417100"}
    load_voter_rows(driver, tmp_path / "v.csv", [voter(**shared, state="WI")])
    gone, stays = unique("supGone"), unique("supStay")
    # The supporter is on the roster with their own phone and email, and has an account.
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "supporter_id,first_name,last_name,state,email,phone\n"
        f"{gone},Quincy{tag},Gone{tag},WI,quincy.{tag}@example.com,608-441-7199\n"
    )
    ingest_roster(driver, path=roster, secret=settings.secret_key.get_secret_value(), batch_size=10)
    accounts.create(driver, settings, user_id=gone, role="supporter", name=f"Quincy Gone{tag}")
    only_theirs = [
        {
            "first_name": f"Uma{i}",
            "last_name": f"Only{tag}",
            "phone": f"608441{7110 + i}",
            "email": f"uma{i}.{tag}@example.net",
        }
        for i in range(4)
    ]
    nickname = {**shared, "first_name": f"Bobby{tag}", "last_name": "", "email": f"bob.{tag}@x.org"}
    with api_client(api_url, settings, stays) as client:
        consent_and_upload(client, stays, [shared])
    with api_client(api_url, settings, gone) as client:
        consent_and_upload(client, gone, [nickname, *only_theirs])
        rank_now(driver, [gone, stays])
        items = client.get(f"/supporters/{gone}/targets").json()["items"]
        for item in items:
            body = {"friend_id": item["friend_id"], "channel": "text", "outcome": "asked"}
            assert client.post(f"/supporters/{gone}/outcomes", json=body).status_code == 201
        client.get(f"/supporters/{gone}/friends").raise_for_status()
        needles = [gone, f"Quincy{tag}", f"Gone{tag}", f"quincy.{tag}@example.com"]
        needles += phone_forms("6084417199")
        needles += [f"Only{tag}", f"Bobby{tag}", f"bob.{tag}@x.org"]
        for friend in only_theirs:
            needles += [friend["first_name"] + f" Only{tag}", friend["email"]]
            needles += phone_forms(friend["phone"])
        # Before: the scans find what the supporter gave (so they can find it).
        assert graph_hits(driver, [gone, f"Only{tag}", f"Bobby{tag}"])
        assert client.delete(f"/supporters/{gone}").status_code == 200

    assert graph_hits(driver, needles) == []
    assert file_hits(settings.data_dir, needles) == []
    # What the other supporter gave stays.
    assert graph_hits(driver, [stays, f"Shared{tag}"])


def test_the_supporters_copy_of_contact_details_is_ciphertext_to_analysts(
    api_url: str,
    driver: Driver,
    settings: Settings,
    worker: subprocess.Popen[bytes],
) -> None:
    tag = unique("c")[-6:]
    supporter = unique("sup")
    friend = {"first_name": "Cleo", "last_name": f"Sealed{tag}", "phone": "6084417300",
              "email": f"cleo.{tag}@example.com"}  # fmt: skip
    with api_client(api_url, settings, supporter) as client:
        consent_and_upload(client, supporter, [friend])
    needles = [*phone_forms("6084417300"), friend["email"]]
    queries = [
        "MATCH (s:Supporter {id: $id})-[k:KNOWS]->(p:Person) RETURN s, k, p",
        "MATCH (s:Supporter {id: $id})-[k:KNOWS]->(p:Person) RETURN properties(k) AS props",
        "MATCH (s:Supporter {id: $id})-[k:KNOWS]->(p:Person) RETURN k.contact AS contact, "
        "toString(k.contact) AS text, keys(k) AS keys",
        "MATCH p = (s:Supporter {id: $id})-[:KNOWS]->(:Person) RETURN p",
        "MATCH (s:Supporter {id: $id})-[k]-(n) RETURN collect(k) AS ks, collect(n) AS ns",
    ]
    sealed: list[Any] = []
    with api_client(api_url, settings, unique("analyst"), role="analyst") as analyst:
        for query in queries:
            for fmt in ("json", "csv"):
                response = analyst.post(
                    "/analytics/cypher",
                    json={"query": query, "parameters": {"id": supporter}, "format": fmt},
                )
                assert response.status_code == 200, response.text
                text = response.text.lower()
                assert not [n for n in needles if n.lower() in text], (query, fmt)
                if fmt == "json" and "contact" in query:
                    sealed += [row.get("contact") for row in _rows(response.json())]
    assert sealed and all(isinstance(s, str) and s for s in sealed), "the ciphertext is there"
    # It is the friend's details, readable only with the engine's key.
    assert unseal(settings, str(sealed[0]))["phones"] == ["+16084417300"]


def _rows(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(zip(body["columns"], row, strict=True)) for row in body["rows"]]


@pytest.mark.parametrize("how", ["their own link", "a refusal the supporter records"])
def test_an_opted_out_friend_appears_nowhere_after_a_later_upload(
    how: str,
    api_url: str,
    driver: Driver,
    settings: Settings,
    worker: subprocess.Popen[bytes],
    tmp_path: Path,
) -> None:
    tag = unique("o")[-6:]
    phone = f"608442{int(tag, 16) % 10000:04d}"  # blocked for good once opted out: a fresh one
    friend = {"first_name": "Ola", "last_name": f"Optout{tag}", "phone": phone}
    load_voter_rows(driver, tmp_path / "v.csv", [voter(**friend, state="WI")])
    first, later = unique("sup"), unique("sup")
    with api_client(api_url, settings, first) as client:
        consent_and_upload(client, first, [friend])
        rank_now(driver, [first])
        (item,) = client.get(f"/supporters/{first}/targets").json()["items"]
        if how == "their own link":
            assert httpx.post(item["opt_out_url"]).status_code == 200
        else:
            body = {"friend_id": item["friend_id"], "channel": "call", "outcome": "do_not_contact"}
            assert client.post(f"/supporters/{first}/outcomes", json=body).status_code == 201

    # Someone else uploads them later, under another name and with an email as well.
    again = {**friend, "first_name": f"Olly{tag}", "email": f"olly.{tag}@example.com"}
    with api_client(api_url, settings, later) as client:
        job = consent_and_upload(client, later, [again])
        rank_now(driver, [first, later])
        responses = [
            client.get(f"/supporters/{later}/targets"),
            client.get(f"/supporters/{later}/matches"),
            client.get(f"/supporters/{later}/friends"),
            client.get(f"/jobs/{job['id']}"),
        ]
    with api_client(api_url, settings, first) as client:
        responses.append(client.get(f"/supporters/{first}/targets"))
    needles = [f"Olly{tag}", f"olly.{tag}@example.com", *phone_forms(phone)]
    for response in responses:
        assert response.status_code == 200, response.text
        assert not [n for n in needles if n.lower() in response.text.lower()], response.text
    assert responses[0].json()["items"] == [] and responses[-1].json()["items"] == []
    assert graph_hits(driver, needles) == []
    nowhere = read(
        driver,
        "MATCH (d:DoNotContact) MATCH (p:Person {key: d.key}) "
        "OPTIONAL MATCH (p)<-[r:SHOULD_ASK]-() "
        "OPTIONAL MATCH (p)<-[k:KNOWS]-(:Supporter {id: $later}) "
        "OPTIONAL MATCH (p)-[c:CANDIDATE {supporter_id: $later}]->() "
        "RETURN count(r) AS asks, count(k) AS links, count(c) AS candidates",
        later=later,
    )
    assert nowhere == [{"asks": 0, "links": 0, "candidates": 0}]
