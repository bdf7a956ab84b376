"""Training the upload linker's model from files (``outreach link`` is test_file_linkage)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ingest.link_files import train_from_files
from ingest.link_splink import SplinkLinker
from ingest.splink_model import load_model
from outreach.demo.linkage import generate_linkage_eval


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


def test_a_level_no_pair_reached_weighs_nothing_and_a_year_alone_counts(
    tmp_path: Path,
) -> None:
    """Trained on a voter file without phones, no place's area codes are known: the place
    levels of a phone's area code are seen in no pair, matching or random, and weigh
    nothing, where a rare m over a u below one in the sample made such a level 13 bits
    of evidence. A birth year given alone that agrees speaks for the pair."""
    voters, contacts, truth = generate_linkage_eval(
        tmp_path / "t", seed=3, voters=3000, contacts=800
    )
    phoneless = tmp_path / "phoneless.csv"
    with voters.open(newline="", encoding="utf-8") as f, phoneless.open("w", newline="") as out:
        reader = csv.DictReader(f)
        writer = csv.DictWriter(out, fieldnames=list(reader.fieldnames or []))
        writer.writeheader()
        writer.writerows({**row, "phone": ""} for row in reader)
    model = load_model(
        train_from_files(phoneless, "demo", contacts, tmp_path / "model.json", truth_csv=truth)
    )
    levels = {
        (c["output_column_name"], lvl["label_for_charts"]): lvl
        for c in model["comparisons"]
        for lvl in c["comparison_levels"]
        if not lvl.get("is_null_level")
    }
    for label in (
        "a phone's area code is one used where the other lives",
        "same state, a phone's area code not one used where the other lives",
    ):
        area = levels[("place", label)]
        assert area["m_probability"] == area["u_probability"], label
    alone = levels[("birth", "same birth year, a year alone")]
    assert alone["m_probability"] > 2 * alone["u_probability"]
    assert model["outreach_prior_voters"] == 3000


def test_training_learns_the_area_code_levels_and_keeps_those_of_states_alone(
    tmp_path: Path,
) -> None:
    """With the voters' phones, a contact's area code used where the voter lives is
    evidence for the pair, one from elsewhere in the state against it; half the places'
    codes are hidden in training, so the levels of states alone, which contacts of a
    voter file without phones fall to, are learnt too and still speak for the pair."""
    voters, contacts, truth = generate_linkage_eval(
        tmp_path / "t", seed=3, voters=3000, contacts=800
    )
    model = load_model(
        train_from_files(voters, "demo", contacts, tmp_path / "model.json", truth_csv=truth)
    )
    place = next(c for c in model["comparisons"] if c["output_column_name"] == "place")
    weight = {
        lvl["label_for_charts"]: lvl["m_probability"] / lvl["u_probability"]
        for lvl in place["comparison_levels"]
        if not lvl.get("is_null_level")
    }
    assert weight["a phone's area code is one used where the other lives"] > 8
    assert weight["same state, a phone's area code not one used where the other lives"] < 1
    assert weight["no state given, a phone's area code in the other's state"] > 2
