"""Place areas: the area codes a place's voters' phones use, kept as the voter file loads,
and what they do to an upload's links.

A voter file's phones are counted per place (area codes only) into ``:VoterPlace`` nodes;
loading again gives the same codes; a supporter's contacts never add to them. An upload's
contact who gives a name and a phone the voter file lacks is then placed by the phone's
area code: nearer the voter who lives where that code is used than one in the same state
whose place uses other codes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from neo4j import Driver

from graph.db.run import read
from graph.supporters import record_consent
from graph.voters import place_areas
from ingest.contacts_job import ingest_upload, link_in_chunks
from ingest.link_fields import person_row
from ingest.link_files import voter_candidate
from ingest.link_splink import SplinkLinker
from ingest.linking import keyed
from ingest.place_areas import areas_from_counts, phone_area, place_key, row_place_key
from ingest.records import ContactRecord, VoterRecord
from ingest.voters_job import ingest_voters, voter_row
from outreach.core.partition import partition_of
from outreach.core.settings import Settings
from outreach.usecases.consent import CURRENT_TERMS
from tests.factories import askable_voter_id, contacts_csv, unique, voter, write_voters


def test_a_voter_is_placed_on_loading_where_the_linker_looks_for_it() -> None:
    record = VoterRecord(
        voter_id="V1", first_name="Ana", last_name="Ruiz", state="ID", city="Coeur d'Alene",
        zip="83814", phone="+12085550123",
    )  # fmt: skip
    loaded = voter_row(record, secret="s")["props"]
    assert loaded["phone_area"] == "208" and "phone" not in loaded
    assert loaded["place_key"] == "ID|coeurdalene"
    assert row_place_key(person_row("V1", record)) == loaded["place_key"]
    assert row_place_key(voter_candidate(record, secret="s")) == loaded["place_key"]
    contact = ContactRecord(
        line=2, display_name="Ana Ruiz", first_name="Ana", last_name="Ruiz",
        city="COEUR D'ALENE", state="ID",
    )  # fmt: skip
    assert row_place_key(person_row("0", contact)) == loaded["place_key"]
    assert place_key("WI", None, "53703") == "WI|#53703"  # a postcode stands in for a city
    assert place_key(None, "Reno", None) == "|reno" and place_key("NV", None, None) is None


def test_only_north_american_numbers_have_an_area_code() -> None:
    assert phone_area("+16085550123") == "608"
    assert phone_area("+442079460958") is None and phone_area(None) is None


def test_a_place_uses_the_codes_of_at_least_one_phone_in_twenty() -> None:
    assert areas_from_counts({"608": 4}) is None  # too few phones to say
    assert areas_from_counts({"608": 20, "715": 1}) == ["608"]  # 1 in 21
    assert areas_from_counts({"608": 19, "715": 1}) == ["608", "715"]  # 1 in 20
    assert areas_from_counts({"608": 20, "414": 3, "715": 1}) == ["414", "608"]


def _town(tag: str) -> str:
    """A city name no other test uses."""
    return "Placeton " + "".join(c for c in tag if c.isalpha())


def _numbers(tag: str, count: int, area: str, *, first: int = 0) -> list[str]:
    """``count`` numbers of this test's own in ``area``."""
    exchange = 200 + int(tag[-6:], 16) % 700
    return [f"{area}{exchange}{i:04d}" for i in range(first, first + count)]


def _load(driver: Driver, settings: Settings, path: Path, rows: list[dict[str, Any]]) -> Any:
    return ingest_voters(driver, path=write_voters(path, rows), mapping="demo", settings=settings)


def test_loading_a_voter_file_keeps_each_places_area_codes_and_again_the_same(
    driver: Driver, settings: Settings, tmp_path: Path
) -> None:
    tag = unique("pl")
    town, hamlet = _town(tag), _town(tag) + " Falls"
    phones = _numbers(tag, 20, "608") + _numbers(tag, 3, "414") + _numbers(tag, 1, "715")
    rows = [voter(voter_id=askable_voter_id(), city=town, phone=p) for p in phones]
    rows += [voter(voter_id=askable_voter_id(), city=town) for _ in range(5)]  # no phone
    rows += [voter(voter_id=askable_voter_id(), city=hamlet, phone=p)
             for p in _numbers(tag, 3, "920")]  # fmt: skip
    keys = [place_key("WI", town, None), place_key("WI", hamlet, None)]
    assert all(keys)

    first = _load(driver, settings, tmp_path / "voters.csv", rows)
    assert first["places"] == 1  # the hamlet's three phones are too few to say
    assert place_areas(driver, [k for k in keys if k]) == {keys[0]: ["414", "608"]}
    nodes = read(
        driver,
        "MATCH (v:Voter) WHERE v.voter_id IN $ids RETURN v.phone_area AS area, v.phone AS phone",
        ids=[r["voter_id"] for r in rows],
    )
    every = phones + _numbers(tag, 3, "920")
    assert sorted(str(n["area"]) for n in nodes if n["area"]) == sorted(p[:3] for p in every)
    assert all(n["phone"] is None for n in nodes)  # the code is kept, never the number

    again = _load(driver, settings, tmp_path / "again.csv", rows)
    assert again["places"] == 1
    assert place_areas(driver, [k for k in keys if k]) == {keys[0]: ["414", "608"]}

    # The 414 voters change their numbers: the town's codes are counted again.
    moved = [dict(r, phone=r["phone"].replace("414", "608", 1)) if r["phone"].startswith("414")
             else r for r in rows]  # fmt: skip
    _load(driver, settings, tmp_path / "moved.csv", moved)
    assert place_areas(driver, [k for k in keys if k]) == {keys[0]: ["608"]}


def test_voters_who_move_away_no_longer_count_where_they_lived(
    driver: Driver, settings: Settings, tmp_path: Path
) -> None:
    tag = unique("mv")
    town, city = _town(tag), _town(tag) + " City"
    locals_ = [voter(voter_id=askable_voter_id(), city=town, phone=p)
               for p in _numbers(tag, 20, "608")]  # fmt: skip
    movers = [voter(voter_id=askable_voter_id(), city=town, phone=p)
              for p in _numbers(tag, 3, "414", first=100)]  # fmt: skip
    _load(driver, settings, tmp_path / "voters.csv", locals_ + movers)
    key = place_key("WI", town, None)
    assert key is not None and place_areas(driver, [key]) == {key: ["414", "608"]}

    # A file of the movers alone, now living in the city: the town is counted again too.
    gone = _load(driver, settings, tmp_path / "moved.csv", [dict(r, city=city) for r in movers])
    assert gone["places"] == 1  # the town; the city's three phones are too few to say
    assert place_areas(driver, [key]) == {key: ["608"]}


def _decision(driver: Driver, settings: Settings, contact: ContactRecord) -> tuple[Any, float]:
    """The voter a contact links to, or its likeliest candidate, and the probability."""
    secret = settings.secret_key.get_secret_value()
    linker = SplinkLinker(secret=secret)
    (decision,) = link_in_chunks(
        driver, [keyed(contact, secret=secret)], linker, secret=secret, chunk_size=100
    )
    best = decision.voter_id or (decision.candidates[0][0] if decision.candidates else None)
    return best, decision.probability


def test_a_contacts_area_code_places_them_near_the_voter_who_lives_where_it_is_used(
    driver: Driver, settings: Settings, tmp_path: Path
) -> None:
    """A name and a phone the voter file lacks; the voter's town's phones use 608. The
    contact with a 608 number is likelier that voter than one with a Wisconsin number of
    another code (715). An upload's numbers add nothing to the town's codes."""
    tag = unique("pa")
    town = _town(tag)
    surname = "Areal" + "".join(c for c in tag if c.isalpha())
    neighbours = [
        voter(voter_id=askable_voter_id(), first_name="Nell", last_name=f"N{i}{surname}",
              city=town, phone=number)
        for i, number in enumerate(_numbers(tag, 12, "608"))
    ]  # fmt: skip
    quinn = askable_voter_id()
    rows = [*neighbours, voter(voter_id=quinn, first_name="Quinn", last_name=surname, city=town)]
    _load(driver, settings, tmp_path / "voters.csv", rows)
    key = place_key("WI", town, None)
    assert key is not None and place_areas(driver, [key]) == {key: ["608"]}

    def quinn_with(number: str) -> ContactRecord:
        return ContactRecord(line=2, display_name="Quinn", first_name="Quinn",
                             last_name=surname, phones=["+1" + number])  # fmt: skip

    local, local_p = _decision(driver, settings, quinn_with(_numbers(tag, 1, "608", first=9999)[0]))
    far, far_p = _decision(driver, settings, quinn_with(_numbers(tag, 1, "715", first=9999)[0]))
    assert local == quinn and far == quinn
    assert local_p > far_p + 0.1, (local_p, far_p)

    supporter = unique("supArea")
    record_consent(
        driver, supporter_id=supporter, version=CURRENT_TERMS, partition=partition_of(supporter)
    )
    upload = [{"first_name": f"F{i}", "last_name": surname, "city": town, "state": "WI",
               "phone": number} for i, number in enumerate(_numbers(tag, 30, "715"))]  # fmt: skip
    result = ingest_upload(
        driver, supporter_id=supporter, upload_id=unique("upl"), data=contacts_csv(upload),
        consent=CURRENT_TERMS, filename="contacts.csv", settings=settings,
    )  # fmt: skip
    assert result.counts["read"] == 30
    assert place_areas(driver, [key]) == {key: ["608"]}
