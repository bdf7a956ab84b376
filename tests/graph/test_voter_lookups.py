"""Candidate look-ups for linkage: every blocking key in one query, each voter once."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from neo4j import Driver

from graph.voters import BlockingKeys, find_candidates, upsert_voters
from ingest.blocking import candidate_voters
from ingest.keys import fold, name_key, name_state_key, phone_key, surname_key
from ingest.linking import KeyedContact, keyed
from ingest.records import ContactRecord, VoterRecord
from ingest.voters_job import voter_row

SECRET = "test-lookup-secret"


@pytest.fixture
def tag() -> str:
    """A surname no other test uses, so the shared graph holds only these voters by it."""
    return "Zq" + uuid.uuid4().hex[:10]


def voter(tag: str, n: int, first: str, state: str, phone: str | None = None) -> VoterRecord:
    return VoterRecord(
        voter_id=f"{tag}-{n}", first_name=first, last_name=tag, state=state, city="Town",
        zip="53703", phone=phone,
    )  # fmt: skip


@pytest.fixture
def loaded(driver: Driver, tag: str) -> list[VoterRecord]:
    records = [
        voter(tag, 1, "Robert", "WI", phone="+16085550101"),
        voter(tag, 2, "Robert", "MN"),
        voter(tag, 3, "Rachel", "WI"),
        voter(tag, 4, "Susan", "WI"),
    ]
    upsert_voters(driver, [voter_row(r, secret=SECRET) for r in records], batch_size=100)
    return records


def ids(rows: list[dict[str, object]]) -> list[str]:
    return sorted(str(r["voter_id"]) for r in rows)


def test_each_voter_comes_back_once_whatever_keys_find_it(
    driver: Driver, tag: str, loaded: list[VoterRecord]
) -> None:
    keys = BlockingKeys(
        phones={phone_key(SECRET, "+16085550101")},
        names_in_state={name_state_key(name_key("robert", tag) or "", "WI")},
        surnames={surname_key(tag, "WI", "robert") or ""},
    )
    found = find_candidates(driver, keys)
    assert ids(found) == [f"{tag}-1", f"{tag}-3"]  # Rachel shares the surname block
    robert = next(row for row in found if row["voter_id"] == f"{tag}-1")
    assert (robert["first_name"], robert["state"], robert["zip"]) == ("Robert", "WI", "53703")


def test_a_name_with_a_state_looks_only_in_that_state(
    driver: Driver, tag: str, loaded: list[VoterRecord]
) -> None:
    robert = name_key("robert", tag) or ""
    in_mn = BlockingKeys(names_in_state={name_state_key(robert, "MN")})
    assert ids(find_candidates(driver, in_mn)) == [f"{tag}-2"]
    nationwide = find_candidates(driver, BlockingKeys(names={robert}))
    assert ids(nationwide) == [f"{tag}-1", f"{tag}-2"]


def test_surname_block_is_narrowed_by_first_initial(
    driver: Driver, tag: str, loaded: list[VoterRecord]
) -> None:
    """Bob -> robert -> "r": Robert and Rachel in Wisconsin, not Susan, not Minnesota's Robert."""
    keys = BlockingKeys(surnames={surname_key(tag, "WI", "robert") or ""})
    assert ids(find_candidates(driver, keys)) == [f"{tag}-1", f"{tag}-3"]


def test_no_keys_no_query(driver: Driver) -> None:
    assert find_candidates(driver, BlockingKeys()) == []


def contact(line: int, first: str, last: str, phone: str) -> KeyedContact:
    record = ContactRecord(
        line=line, display_name=f"{first} {last}", first_name=first, last_name=last, phones=[phone]
    )
    return keyed(record, secret=SECRET)


def test_a_name_is_looked_up_only_for_contacts_their_phone_did_not_find(
    driver: Driver, tag: str
) -> None:
    """Ada's phone finds her: her namesake elsewhere is not read. Ben's number is not on
    the file, so his name is looked up. Cleo's phone finds only a housemate (the family's
    landline under another name), so hers is too."""
    records = [
        voter(tag, 1, "Ada", "WI", phone="+16085550111"),
        voter(tag, 2, "Ada", "MI"),  # Ada's namesake, no phone
        voter(tag, 3, "Ben", "WI"),
        voter(tag, 4, "Dora", "WI", phone="+16085550144"),  # the landline
        voter(tag, 5, "Cleo", "WI"),  # Dora's housemate, who lists no phone
    ]
    upsert_voters(driver, [voter_row(r, secret=SECRET) for r in records], batch_size=100)
    sent: list[BlockingKeys] = []

    def find(keys: BlockingKeys) -> list[dict[str, Any]]:
        sent.append(keys)
        return find_candidates(driver, keys)

    contacts = [
        contact(2, "Ada", tag, "+16085550111"),
        contact(3, "Ben", tag, "+16085550133"),
        contact(4, "Cleo", tag, "+16085550144"),
    ]
    found = candidate_voters(find, contacts, secret=SECRET)
    assert ids(found) == [f"{tag}-{n}" for n in (1, 3, 4, 5)]  # not Ada's namesake
    assert len(found) == len({row["voter_id"] for row in found})
    assert not sent[0].names and not sent[0].names_in_state  # round 1: phones and emails
    # Ben's and Cleo's names, as written and with first and last name swapped
    assert sent[1].names == {key for c in contacts[1:] for key in (c.name_key, c.swapped_name_key)}
    assert contacts[1].swapped_name_key == name_key(tag, "Ben")

    alone = candidate_voters(find, [contact(2, "Ada", tag, "+16085550199")], secret=SECRET)
    assert ids(alone) == [f"{tag}-1", f"{tag}-2"]  # a number not on file: both Adas


def test_a_birth_date_a_street_or_a_swapped_name_finds_what_the_name_does_not(
    driver: Driver, tag: str
) -> None:
    """Contacts whose surname is missing or mistyped, or written first, and who give no
    phone or email on file: a full birth date (with the first initial), a street (number
    and street, however the suffix is written) or the name swapped finds the voter."""
    quinta = VoterRecord(
        voter_id=f"{tag}-1", first_name="Quinta", last_name=tag, state="WI",
        birth_date="1911-11-11", address=f"12 {tag} Street Apt 3",
    )  # fmt: skip
    quentin = VoterRecord(
        voter_id=f"{tag}-2", first_name="Quentin", last_name=tag + "x", state="WI",
        address=f"7 {tag} Avenue",
    )  # fmt: skip
    upsert_voters(driver, [voter_row(r, secret=SECRET) for r in (quinta, quentin)], batch_size=10)
    sent: list[BlockingKeys] = []

    def find(keys: BlockingKeys) -> list[dict[str, Any]]:
        sent.append(keys)
        return find_candidates(driver, keys)

    def one(**fields: Any) -> list[str]:
        record = ContactRecord(line=2, display_name="a friend", **fields)
        return ids(candidate_voters(find, [keyed(record, secret=SECRET)], secret=SECRET))

    assert one(first_name="Quinta", birth_date="1911-11-11") == [f"{tag}-1"]
    assert sent[0].births == {f"1911-11-11|{fold('quinta')[:1]}"}
    assert one(first_name="Quentin", last_name="Smtih", address=f"7 {tag} Ave") == [f"{tag}-2"]
    assert one(first_name=tag, last_name="Quinta", state="WI") == [f"{tag}-1"]
    assert one(first_name="Quinta", birth_date="1911-11-12") == []  # a date is looked up exactly
    found = find_candidates(driver, BlockingKeys(births={f"1911-11-11|{fold('quinta')[:1]}"}))
    assert found[0]["birth_date"] == "1911-11-11"
    assert found[0]["address"] == f"12 {tag} Street Apt 3"  # the street line, for comparing


def test_a_surname_that_sounds_the_same_is_found_in_the_state_of_the_phone(
    driver: Driver, tag: str
) -> None:
    """A surname mistyped with its sound kept (-son, -sen) is found within the state and
    first initial; a contact that gives no state is looked up in its phone's state."""
    record = VoterRecord(voter_id=f"{tag}-1", first_name="Quentin", last_name=f"{tag}son",
                         state="WI", city="Madison")  # fmt: skip
    upsert_voters(driver, [voter_row(record, secret=SECRET)], batch_size=10)

    def found(**fields: Any) -> list[str]:
        contact = ContactRecord(line=2, display_name="a friend", first_name="Quentin", **fields)
        keyed_contact = keyed(contact, secret=SECRET)
        return ids(candidate_voters(lambda k: find_candidates(driver, k), [keyed_contact],
                                    secret=SECRET))  # fmt: skip

    assert found(last_name=f"{tag}sen", state="WI") == [f"{tag}-1"]
    assert found(last_name=f"{tag}sen", phones=["+16085550123"]) == [f"{tag}-1"]  # a WI number
    assert found(last_name=f"{tag}sen", state="MN") == []
    assert found(last_name=f"{tag}sen", phones=["+16125550123"]) == []  # a MN number
