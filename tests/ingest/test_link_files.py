"""Linking two files with no graph, and training a model from files."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ingest.link_files import OUTPUT_HEADER, link_files, train_from_files
from ingest.link_splink import SplinkLinker
from ingest.splink_model import load_model
from outreach.core.errors import InvalidInput
from outreach.demo.linkage import generate_linkage_eval
from tests.ingest.factories import csv_text, demo_voter, generic_csv, write_demo_voters

VOTERS = [
    demo_voter(voter_id="WI-1", first_name="Robert", last_name="Smith", phone="(608) 262-4471",
               email="rsmith@example.org"),
    demo_voter(voter_id="WI-2", first_name="Karen", last_name="Olson", phone="(414) 286-3311",
               email="", city="Milwaukee", zip="53202"),
    demo_voter(voter_id="GA-3", first_name="Katherine", last_name="Jenkins", phone="",
               email="kjenkins@example.net", city="Atlanta", state="GA", zip="30303"),
    demo_voter(voter_id="GA-4", first_name="Katherine", last_name="Jenkins", phone="(404) 522-8100",
               email="", city="Savannah", state="GA", zip="31401"),
]  # fmt: skip
CONTACT_HEADER = ("contact_id", "first_name", "last_name", "phone", "email", "city", "state")
CONTACTS = [
    ("c1", "Bob", "Smith", "608.262.4471", "", "Madison", "WI"),
    ("c2", "Karen", "Olsen", "", "", "Milwaukee", "WI"),
    ("c3", "Katie", "Jenkins", "", "KJenkins@example.net", "", ""),
    ("c4", "Robert", "Smith", "", "", "", "WI"),
    ("c5", "Someone", "Else", "312-555-0199", "", "Chicago", "IL"),
    ("c6", "Katherine", "Jenkins", "", "", "", "GA"),
]


def read_output(path: Path) -> list[dict[str, str]]:
    """The rows of a link_files output."""
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert tuple(reader.fieldnames or ()) == OUTPUT_HEADER
        return list(reader)


def test_contacts_against_a_voter_file(tmp_path: Path) -> None:
    voters = write_demo_voters(tmp_path / "voters.csv", VOTERS)
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(csv_text(CONTACT_HEADER, CONTACTS), encoding="utf-8")
    out = tmp_path / "links.csv"
    report = link_files(contacts, None, voters, "demo", out, threshold=0.9, secret="s3cret")
    rows = read_output(out)
    links = {(r["left_id"], r["right_id"]) for r in rows if r["decision"] == "link"}
    assert links == {("c1", "WI-1"), ("c2", "WI-2"), ("c3", "GA-3")}
    review = [r for r in rows if r["decision"] == "review"]
    assert [(r["left_id"], r["right_id"]) for r in review] == [("c4", "WI-1")]
    assert "c6" not in {r["left_id"] for r in rows}  # two voters of that name in GA
    assert all(0.0 <= float(r["probability"]) <= 1.0 for r in rows)
    assert (report.left_read, report.right_read) == (6, 4)
    assert (report.linked, report.review, report.unmatched) == (3, 1, 2)
    assert report.out_csv == out


def test_left_rows_without_an_id_column_are_named_by_line(tmp_path: Path) -> None:
    voters = write_demo_voters(tmp_path / "voters.csv", VOTERS)
    contacts = tmp_path / "contacts.csv"
    contacts.write_bytes(
        generic_csv(
            [
                {"first_name": "Nobody", "last_name": "Here"},
                {"first_name": "Robert", "last_name": "Smith", "phone": "6082624471"},
            ]
        )
    )
    out = tmp_path / "links.csv"
    link_files(contacts, None, voters, "demo", out, threshold=0.9, secret="s3cret")
    assert [(r["left_id"], r["right_id"]) for r in read_output(out)] == [("3", "WI-1")]


def test_a_voter_file_against_another_and_rejected_rows(tmp_path: Path) -> None:
    right = write_demo_voters(tmp_path / "right.csv", [*VOTERS, demo_voter(voter_id="")])
    moved = [
        demo_voter(voter_id="NEW-9", first_name="Robert", last_name="Smith", email="",
                   phone="608-262-4471", city="Madison", zip="53703"),
    ]  # fmt: skip
    left = write_demo_voters(tmp_path / "left.csv", moved)
    out = tmp_path / "links.csv"
    report = link_files(left, "demo", right, "demo", out, threshold=0.9, secret="s3cret")
    assert [(r["left_id"], r["right_id"], r["decision"]) for r in read_output(out)] == [
        ("NEW-9", "WI-1", "link")
    ]
    assert [e.field for e in report.right_rejected] == ["voter_id"]


def test_train_from_files_writes_a_model_that_links(tmp_path: Path) -> None:
    voters, contacts, _ = generate_linkage_eval(tmp_path / "t", seed=3, voters=3000, contacts=800)
    model_path = train_from_files(voters, "demo", contacts, tmp_path / "model.json")
    model = load_model(model_path)
    assert model["link_type"] == "link_only"
    levels = [lvl for c in model["comparisons"] for lvl in c["comparison_levels"]]
    assert all(
        0.0 < lvl["m_probability"] <= 1.0 and 0.0 < lvl["u_probability"] <= 1.0
        for lvl in levels
        if not lvl.get("is_null_level")
    )
    left, right = tmp_path / "contacts.csv", tmp_path / "voters.csv"
    left.write_text(csv_text(CONTACT_HEADER, CONTACTS), encoding="utf-8")
    write_demo_voters(right, VOTERS)
    out = tmp_path / "links.csv"
    link_files(left, None, right, "demo", out, threshold=0.9, secret="s", model=model_path)
    assert ("c1", "WI-1") in {(r["left_id"], r["right_id"]) for r in read_output(out)}
    assert SplinkLinker(model=model).threshold == 0.9


def test_training_with_the_truth_counts_m_on_the_labelled_pairs(tmp_path: Path) -> None:
    voters, contacts, truth = generate_linkage_eval(
        tmp_path / "t", seed=3, voters=3000, contacts=800
    )
    model = load_model(
        train_from_files(voters, "demo", contacts, tmp_path / "model.json", truth_csv=truth)
    )
    with truth.open(newline="", encoding="utf-8") as f:
        labelled = sum(1 for row in csv.DictReader(f) if row["voter_id"])
    assert model["probability_two_random_records_match"] == pytest.approx(
        labelled / (800 * 3000), rel=1e-6
    )
    phone = next(c for c in model["comparisons"] if c["output_column_name"] == "phone")
    same, swapped, other = (
        lvl["m_probability"] for lvl in phone["comparison_levels"] if not lvl.get("is_null_level")
    )
    # Among true pairs where both sides have a phone, the generator gives the file's
    # number (sometimes a housemate's, the same landline), that number with two digits
    # swapped (7 in 65), or another number when the file's is stale (12 in 77).
    assert same > 0.6 and 0.02 < swapped < 0.2 and 0.05 < other < 0.3
    assert same + swapped + other == pytest.approx(1.0)


def test_bad_threshold_or_model_is_refused_clearly(tmp_path: Path) -> None:
    voters = write_demo_voters(tmp_path / "voters.csv", VOTERS)
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(csv_text(CONTACT_HEADER, CONTACTS), encoding="utf-8")
    out = tmp_path / "links.csv"
    with pytest.raises(InvalidInput, match="threshold"):
        link_files(contacts, None, voters, "demo", out, threshold=1.5)
    (tmp_path / "model.json").write_text("{}", encoding="utf-8")
    for model in (tmp_path / "missing.json", tmp_path / "model.json"):
        with pytest.raises(InvalidInput, match="linkage model"):
            link_files(contacts, None, voters, "demo", out, model=model)
