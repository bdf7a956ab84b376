"""The splink linker: nicknames and typos, household phones, namesakes, probabilities, quality."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ingest.area_codes import state_of_phone as phone_state
from ingest.keys import phone_key
from ingest.link_eval import (
    candidates_for,
    load_eval,
    score_decisions,
    sweep_exact,
    sweep_splink,
)
from ingest.link_files import LinkReport, read_left, read_voters
from ingest.link_splink import SplinkLinker
from ingest.linking import KeyedContact, LinkDecision, keyed
from ingest.records import ContactRecord
from ingest.splink_model import MODEL_PATH, load_model, swapped_phone_keys
from outreach.demo.linkage import generate_linkage_eval
from tests.ingest.factories import demo_voter, generic_csv, write_demo_voters

SECRET = "test-linkage-secret"

VOTERS = [
    demo_voter(voter_id="WI-1", first_name="Robert", last_name="Smith", phone="(608) 262-4471",
               email="rsmith@example.org", household_id="H1"),
    demo_voter(voter_id="WI-2", first_name="Roberta", last_name="Smith", phone="(608) 262-9915",
               email="", city="Madison", zip="53711", household_id="H2"),
    demo_voter(voter_id="MN-3", first_name="Robert", last_name="Smyth", phone="",
               email="", city="Duluth", state="MN", zip="55802", household_id="H3"),
    # One household, one landline listed by two members, a third lists no phone.
    demo_voter(voter_id="PA-4", first_name="Maria", last_name="Garcia", phone="(215) 731-2200",
               email="", city="Philadelphia", state="PA", zip="19104", household_id="H4"),
    demo_voter(voter_id="PA-5", first_name="Jose", last_name="Garcia", phone="(215) 731-2200",
               email="", city="Philadelphia", state="PA", zip="19104", household_id="H4"),
    demo_voter(voter_id="PA-6", first_name="Ana", last_name="Garcia", phone="",
               email="", city="Philadelphia", state="PA", zip="19104", household_id="H4"),
    demo_voter(voter_id="AZ-7", first_name="James", last_name="Wilson", phone="(602) 555-0142",
               email="", city="Phoenix", state="AZ", zip="85004", household_id="H7"),
]  # fmt: skip


@pytest.fixture(scope="module")
def linker() -> SplinkLinker:
    """One linker with the shipped model, as a worker process would hold it."""
    return SplinkLinker(secret=SECRET)


@pytest.fixture(scope="module")
def voters(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """The candidate voters above, read from a real demo-layout voter file."""
    path = write_demo_voters(tmp_path_factory.mktemp("voters") / "voters.csv", VOTERS)
    return read_voters(path, "demo", secret=SECRET, report=LinkReport(out_csv=path))


@pytest.fixture
def contacts_file(tmp_path: Path) -> Iterator[Any]:
    """Write contacts to a generic CSV and read them back keyed, as an upload would be."""

    def read(*rows: dict[str, str]) -> list[KeyedContact]:
        path = tmp_path / "contacts.csv"
        path.write_bytes(generic_csv(rows))
        _, contacts = read_left(path, None, secret=SECRET, report=LinkReport(out_csv=path))
        return contacts

    yield read


def link_one(linker: SplinkLinker, contact: KeyedContact, voters: list[dict[str, Any]]) -> Any:
    """The decision for a single contact."""
    (decision,) = linker.link([contact], voters)
    return decision


def test_nickname_and_typo_still_link(
    linker: SplinkLinker, voters: list[dict[str, Any]], contacts_file: Any
) -> None:
    (bob,) = contacts_file(
        {"first_name": "Bob", "last_name": "Smtih", "phone": "608-262-4471", "city": "Madison"}
    )
    decision = link_one(linker, bob, voters)
    assert decision.voter_id == "WI-1"
    assert decision.probability >= linker.threshold
    assert decision.method == "splink"


def test_swapped_phone_digits_still_agree(
    linker: SplinkLinker, voters: list[dict[str, Any]], contacts_file: Any
) -> None:
    (rob,) = contacts_file({"first_name": "Rob", "last_name": "Smith", "phone": "608-226-4471"})
    assert link_one(linker, rob, voters).voter_id == "WI-1"
    assert phone_state("+16082264471") == "WI"
    swaps = swapped_phone_keys(SECRET, ["+16082264471"])
    assert phone_key(SECRET, "+16082624471") in swaps
    assert len(swaps) == 7  # nine adjacent pairs, two of them equal digits
    # No surname: only the swapped number pairs him with his voter (the rule explodes
    # both sides' near keys, and a voter row had none, so it paired no one).
    (rob_alone,) = contacts_file({"first_name": "Rob", "phone": "608-226-4471"})
    decision = link_one(linker, rob_alone, voters)
    assert decision.voter_id == "WI-1" or ("WI-1", decision.probability) in decision.candidates
    assert decision.probability > 0.5


def test_keyed_hashes_are_the_keys_the_graph_stores() -> None:
    from ingest.keys import email_key
    from ingest.splink_model import keyed_hashes

    phones, emails = ["+16082264471", "+16085550101"], ["ann@example.com"]
    assert keyed_hashes(SECRET, "phone", phones) == [phone_key(SECRET, p) for p in phones]
    assert keyed_hashes(SECRET, "email", emails) == [email_key(SECRET, emails[0])]
    assert keyed_hashes("another secret", "phone", phones[:1]) != [phone_key(SECRET, phones[0])]


def test_household_landline_links_the_member_named(
    linker: SplinkLinker, voters: list[dict[str, Any]], contacts_file: Any
) -> None:
    jose, ana, maria = contacts_file(
        {"first_name": "Jose", "last_name": "Garcia", "phone": "215-731-2200"},
        {"first_name": "Ana", "last_name": "Garcia", "phone": "(215) 731-2200"},
        {"first_name": "Maria", "last_name": "Garcia", "phone": "2157312200", "state": "PA"},
    )
    decisions = linker.link([jose, ana, maria], voters)
    assert [d.voter_id for d in decisions] == ["PA-5", "PA-6", "PA-4"]


def test_household_landline_without_a_first_name_links_nobody(
    linker: SplinkLinker, voters: list[dict[str, Any]], contacts_file: Any
) -> None:
    (someone,) = contacts_file({"last_name": "Garcia", "phone": "215-731-2200"})
    decision = link_one(linker, someone, voters)
    assert decision.voter_id is None
    assert all(voter_id in {"PA-4", "PA-5"} for voter_id, _ in decision.candidates)


def test_namesake_in_another_state_does_not_link(
    linker: SplinkLinker, voters: list[dict[str, Any]], contacts_file: Any
) -> None:
    (james,) = contacts_file(
        {"first_name": "James", "last_name": "Wilson", "city": "Columbus", "state": "OH"}
    )
    decision = link_one(linker, james, voters)
    assert decision.voter_id is None
    assert decision.probability < linker.threshold


def test_probabilities_are_bounded_and_grow_with_evidence(
    linker: SplinkLinker, voters: list[dict[str, Any]], contacts_file: Any
) -> None:
    # Each step adds evidence without widening the blocked candidates (a state alone would
    # also bring in Roberta Smith, WI, through the surname-and-state block).
    steps = contacts_file(
        {"first_name": "Robert", "last_name": "Smith"},
        {"first_name": "Robert", "last_name": "Smith", "state": "WI", "city": "Madison"},
        {"first_name": "Robert", "last_name": "Smith", "state": "WI", "city": "Madison",
         "zip": "53703"},
        {"first_name": "Robert", "last_name": "Smith", "state": "WI", "city": "Madison",
         "zip": "53703", "email": "RSmith@example.org"},
    )  # fmt: skip
    decisions = linker.link(steps, voters)
    probabilities = [d.probability for d in decisions]
    assert all(0.0 <= p <= 1.0 for p in probabilities)
    assert probabilities == sorted(probabilities)
    assert decisions[-1].voter_id == "WI-1"
    assert decisions[-1].probability > 0.999


def test_doubtful_candidates_are_kept_for_review_not_linked(
    linker: SplinkLinker, voters: list[dict[str, Any]], contacts_file: Any
) -> None:
    (name_only,) = contacts_file({"first_name": "Robert", "last_name": "Smith", "state": "WI"})
    decision = link_one(linker, name_only, voters)
    assert decision.voter_id is None
    assert decision.candidates and decision.candidates[0][0] == "WI-1"
    assert all(p < linker.threshold for _, p in decision.candidates)
    assert len(decision.candidates) <= 3


def test_a_contact_torn_between_two_equal_voters_is_asked_about_both(
    linker: SplinkLinker, contacts_file: Any, tmp_path: Path
) -> None:
    """A father and son of one name, address and landline: neither links, and both are
    kept for review though each has only half the chance."""
    household = {"first_name": "James", "last_name": "Okafor", "address": "40 Elm St",
                 "phone": "(608) 262-7310", "email": "", "household_id": "H9"}  # fmt: skip
    rows = [demo_voter(voter_id="WI-SR", suffix="SR", birth_year="1958", **household),
            demo_voter(voter_id="WI-JR", suffix="JR", birth_year="1990", **household)]  # fmt: skip
    path = write_demo_voters(tmp_path / "household.csv", rows)
    voters = read_voters(path, "demo", secret=SECRET, report=LinkReport(out_csv=path))
    (james,) = contacts_file(
        {"first_name": "James", "last_name": "Okafor", "phone": "608-262-7310", "state": "WI"}
    )
    decision = link_one(linker, james, voters)
    assert decision.voter_id is None
    assert sorted(vid for vid, _ in decision.candidates) == ["WI-JR", "WI-SR"]
    assert all(p < linker.review_floor for _, p in decision.candidates)  # half each, at most


def test_linking_is_deterministic(voters: list[dict[str, Any]], contacts_file: Any) -> None:
    contacts = contacts_file(
        {"first_name": "Bob", "last_name": "Smith", "city": "Madison", "state": "WI"},
        {"first_name": "Ana", "last_name": "Garcia", "phone": "215-731-2200"},
        {"first_name": "Robert", "last_name": "Smyth", "state": "MN"},
        {"first_name": "Nobody", "last_name": "Known"},
    )
    runs: list[list[LinkDecision]] = []
    for _ in range(2):
        linker = SplinkLinker(secret=SECRET)
        runs += [linker.link(contacts, voters), linker.link(contacts, list(reversed(voters)))]
    assert all(run == runs[0] for run in runs)
    assert linker.link([], voters) == []
    assert linker.link(contacts[:1], []) == [LinkDecision(None, 0.0, "none")]


def test_candidates_are_what_the_graph_would_return(
    voters: list[dict[str, Any]], contacts_file: Any
) -> None:
    """Names within the contact's state; surnames, and how they sound, by state and initial
    when the name found no one; phones as given."""
    anywhere, in_wi, typo_wi, in_mn, by_phone, swapped = contacts_file(
        {"first_name": "Robert", "last_name": "Smith"},
        {"first_name": "Rob", "last_name": "Smith", "state": "WI"},
        {"first_name": "Robrt", "last_name": "Smith", "state": "WI"},
        {"first_name": "Robert", "last_name": "Smith", "state": "MN"},
        {"first_name": "Maria", "phone": "215-731-2200"},
        {"first_name": "Maria", "phone": "215-713-2200"},
    )

    def ids(contact: KeyedContact) -> list[str]:
        return [v["voter_id"] for v in candidates_for([contact], voters, secret=SECRET)]

    assert ids(anywhere) == ["WI-1"]
    assert ids(in_wi) == ["WI-1"]  # the full name found him: no surname round
    assert ids(typo_wi) == ["WI-1", "WI-2"]  # Roberta shares the surname, state and initial
    assert ids(in_mn) == ["MN-3"]  # Minnesota's Robert is a Smyth, which sounds the same
    assert ids(by_phone) == ["PA-4", "PA-5"]
    assert ids(swapped) == ["PA-4", "PA-5"]
    assert [v["voter_id"] for v in candidates_for([swapped], voters)] == []


def test_quality_on_a_small_generated_set(tmp_path: Path) -> None:
    evalset = load_eval(*generate_linkage_eval(tmp_path, seed=5, voters=4000, contacts=1000))
    linker = SplinkLinker(secret=evalset.secret)
    loose, default = sweep_splink(linker, evalset, [0.7, linker.threshold])
    assert loose.precision >= 0.95 and loose.recall >= 0.85
    assert default.precision >= 0.98 and default.recall >= 0.78
    (exact,) = sweep_exact(evalset, [0.8])
    assert default.precision > exact.precision and default.recall > exact.recall
    each = SplinkLinker(secret=evalset.secret, one_to_one=False)
    decisions = each.link(evalset.contacts, evalset.voters, place_areas=evalset.place_areas)
    assert score_decisions(evalset, decisions, threshold=linker.threshold) == default
    # One-to-one, as uploads run: each voter once, no less precise, about as many links
    decisions = linker.link(evalset.contacts, evalset.voters, place_areas=evalset.place_areas)
    linked = [d.voter_id for d in decisions if d.voter_id]
    assert len(linked) == len(set(linked))
    paired = score_decisions(evalset, decisions, threshold=linker.threshold)
    assert paired.precision >= default.precision and paired.recall >= default.recall - 0.005


def test_a_first_name_that_disagrees_is_evidence_not_a_veto(linker: SplinkLinker) -> None:
    """The best candidate at a high probability links even when its first name disagrees."""
    # (voter, match weight, first-name level, household weight)
    pairs = [("AZ-7", 12.0, 0, 0.0), ("WI-1", -3.0, 0, 0.0)]
    decision = linker.decide(pairs)
    assert decision.voter_id == "AZ-7" and decision.probability > 0.99


def test_a_housemate_is_evidence_with_a_weight_not_a_veto(linker: SplinkLinker) -> None:
    """A candidate whose first name disagrees, beside one whose first name agrees, loses the
    weight of what the household shares, and nothing more."""
    # Ana gave the household's landline: Jose lists it (14 bits of his 9 are the phone),
    # Ana lists no phone. Ana links, as before.
    named, housemate = ("PA-6", 6.0, 4, 0.0), ("PA-5", 9.0, 0, 14.0)
    decision = linker.decide([named, housemate])
    assert decision.voter_id == "PA-6" and decision.probability > linker.threshold
    # Without it the housemate takes most of the chance, and nobody links.
    assert linker.decide([named, ("PA-5", 9.0, 0, 0.0)]).voter_id is None
    # A housemate with more than the household's evidence (an email too) still links:
    # a rule that struck every candidate whose first name disagrees would link PA-6.
    decision = linker.decide([named, ("PA-5", 30.0, 0, 14.0)])
    assert decision.voter_id == "PA-5" and decision.probability > 0.99
    # The household's weight counts against nobody when no first name agrees.
    alone = linker.decide([("PA-5", 9.0, 0, 14.0)])
    assert alone.voter_id == "PA-5"


def test_a_link_only_the_household_carries_is_kept_for_review(
    linker: SplinkLinker, contacts_file: Any, tmp_path: Path
) -> None:
    """Elena gives the landline and address of Michelle, the one voter of her household:
    she may be Michelle's housemate, whom the voter file lacks, so the supporter is asked.
    Michelle herself, or Elena with an email Michelle lists, links."""
    home = {"last_name": "Villalpando", "address": "4903 Woodland St", "city": "Houston",
            "state": "TX", "zip": "77053", "phone": "(713) 365-1892",
            "email": "mv2000@example.com", "household_id": "H8"}  # fmt: skip
    path = write_demo_voters(tmp_path / "home.csv", [demo_voter(voter_id="TX-8",
                             first_name="Michelle", **home)])  # fmt: skip
    voters = read_voters(path, "demo", secret=SECRET, report=LinkReport(out_csv=path))
    given = {"last_name": "Villalpando", "phone": "7133651892", "address": "4903 Woodland St",
             "city": "Houston", "state": "TX"}  # fmt: skip
    elena, michelle, emailed = contacts_file(
        {"first_name": "Elena", **given},
        {"first_name": "Michelle", **given},
        {"first_name": "Elena", "email": "MV2000@example.com", **given},
    )
    alone = link_one(linker, elena, voters)
    assert alone.voter_id is None and [vid for vid, _ in alone.candidates] == ["TX-8"]
    assert link_one(linker, michelle, voters).voter_id == "TX-8"
    assert link_one(linker, emailed, voters).voter_id == "TX-8"


def test_household_weights_come_from_the_phone_comparison() -> None:
    from ingest.link_splink import household_weights
    from ingest.splink_model import MODEL_PATH, load_model

    weights = household_weights(load_model(MODEL_PATH))
    assert weights[2] > 10.0  # the same number: a strong agreement
    assert weights[0] == 0.0  # a number that disagrees adds nothing


def test_one_voter_links_to_one_contact_of_an_upload() -> None:
    from ingest.link_decide import one_contact_per_voter

    decisions = [
        LinkDecision(voter_id="WI-1", probability=0.95, method="splink"),
        LinkDecision(voter_id="WI-1", probability=0.99, method="splink"),
        LinkDecision(voter_id="WI-2", probability=0.93, method="splink"),
        LinkDecision(voter_id=None, probability=0.2, method="none"),
    ]
    resolved = one_contact_per_voter(decisions)
    assert [d.voter_id for d in resolved] == [None, "WI-1", "WI-2", None]
    assert resolved[0].candidates == [("WI-1", 0.95)]


def test_shipped_area_code_states_match_libphonenumber() -> None:
    """ingest/area_states.json is libphonenumber's data as shipped (rewrite it with
    ``python -m ingest.area_codes --write-area-states`` when libphonenumber changes)."""
    from ingest.area_codes import _area_states, area_states_from_libphonenumber

    assert _area_states() == area_states_from_libphonenumber()
    assert _area_states()["608"] == "WI"


def test_a_full_birth_date_or_a_street_tells_namesakes_apart(linker: SplinkLinker) -> None:
    """Two Robert Lees of one city and one birth year: the day of birth or the street says
    which one a friend means, also with day and month transposed or the suffix spelt out;
    the name alone says neither."""
    same = {"first_name": "Robert", "last_name": "Lee", "state": "GA", "city": "Atlanta",
            "zip": "30310", "birth_year": 1970}  # fmt: skip
    voters = [
        {**same, "voter_id": "GA-1", "birth_date": "1970-03-04", "address": "12 Oak St"},
        {**same, "voter_id": "GA-2", "birth_date": "1970-08-21", "address": "900 Elm Ave Apt 2"},
    ]

    def bob(**fields: Any) -> KeyedContact:
        record = ContactRecord(line=2, display_name="Bob Lee", first_name="Bob", last_name="Lee",
                               state="GA", **fields)  # fmt: skip
        return keyed(record, secret=SECRET)

    contacts = [
        bob(birth_date="1970-08-21"),
        bob(birth_date="1970-04-03"),  # day and month transposed
        bob(address="12 Oak Street"),
        bob(address="900 Elm Avenue #2", birth_year=1970),
        bob(),
    ]
    decisions = [link_one(linker, contact, voters) for contact in contacts]  # one book each
    assert [d.voter_id for d in decisions] == ["GA-2", "GA-1", "GA-1", "GA-2", None]
    assert decisions[-1].probability < 0.5  # shared between the two


def test_one_to_one_strikes_a_surely_linked_voter_from_the_others(linker: SplinkLinker) -> None:
    """Two Ann Turners of Madison on file. The book's Ann with a number is the one who
    has it; once she is linked, the book's other Ann can only be the other voter."""
    same = {"first_name": "Ann", "last_name": "Turner", "state": "WI", "city": "Madison"}
    voters = [
        {**same, "voter_id": "WI-A", "phone_hash": phone_key(SECRET, "+16085550177")},
        {**same, "voter_id": "WI-B"},
    ]

    def ann(line: int, phones: list[str]) -> KeyedContact:
        record = ContactRecord(
            line=line, display_name="Ann Turner", first_name="Ann", last_name="Turner",
            city="Madison", state="WI", phones=phones,
        )  # fmt: skip
        return keyed(record, secret=SECRET)

    contacts = [ann(2, []), ann(3, ["+16085550177"])]
    alone = SplinkLinker(secret=SECRET, one_to_one=False).link(contacts, voters)
    assert [d.voter_id for d in alone] == [None, "WI-A"]  # two namesakes share the first
    assert alone[0].probability < 0.6
    paired = linker.link(contacts, voters)
    assert [d.voter_id for d in paired] == ["WI-B", "WI-A"]
    assert paired[0].probability >= linker.threshold


def test_a_bigger_voter_file_makes_a_chance_agreement_likelier(linker: SplinkLinker) -> None:
    """The model's prior was counted on a file of 20,000 voters. Among fifty times as many
    voters a namesake of the same city is fifty times as likely: a name and a city that
    link on the smaller file do not on the larger, and a phone still links."""
    trained = load_model(MODEL_PATH)["outreach_prior_voters"]
    assert trained == 20_000
    assert linker.prior_shift(None) == 0.0 and linker.prior_shift(trained) == 0.0
    assert linker.prior_shift(trained // 5) == 0.0  # never raised for a smaller file
    assert linker.prior_shift(50 * trained) == pytest.approx(math.log2(1 / 50), abs=0.01)
    voters = [
        {"voter_id": "GA-9", "first_name": "Robert", "last_name": "Lee", "state": "GA",
         "city": "Atlanta", "phone_hash": phone_key(SECRET, "+14045550199")},
    ]  # fmt: skip
    by_name = keyed(
        ContactRecord(line=2, display_name="Bob Lee", first_name="Bob", last_name="Lee",
                      city="Atlanta", state="GA"),
        secret=SECRET,
    )  # fmt: skip
    by_phone = keyed(
        ContactRecord(line=3, display_name="Bob Lee", first_name="Bob", last_name="Lee",
                      phones=["+14045550199"]),
        secret=SECRET,
    )  # fmt: skip
    small = [linker.link([c], voters, voters_on_file=trained)[0] for c in (by_name, by_phone)]
    large = [linker.link([c], voters, voters_on_file=50 * trained)[0] for c in (by_name, by_phone)]
    assert [d.voter_id for d in small] == ["GA-9", "GA-9"]
    assert [d.voter_id for d in large] == [None, "GA-9"]
    assert large[0].probability < 0.5 < linker.threshold <= small[0].probability


def test_a_birth_year_given_alone_speaks_for_the_voter_born_that_year(
    linker: SplinkLinker,
) -> None:
    """A contact with a year alone against a voter's full date: the same year is evidence
    for the pair, another year against it (it was weighed as a slip of a full date)."""
    voters = [{"voter_id": "GA-1", "first_name": "Robert", "last_name": "Lee", "state": "GA",
               "city": "Atlanta", "birth_year": 1970, "birth_date": "1970-03-04"}]  # fmt: skip

    def bob(year: int | None) -> float:
        record = ContactRecord(line=2, display_name="Bob Lee", first_name="Bob",
                               last_name="Lee", state="GA", birth_year=year)  # fmt: skip
        return float(link_one(linker, keyed(record, secret=SECRET), voters).probability)

    assert bob(1970) > bob(None) > bob(1990)
