"""Voter-file column mappings: the shipped layouts and validation of custom ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.mapping import available_mappings, load_mapping
from outreach.core.errors import InvalidInput
from tests.ingest.factories import DEMO_VOTER_HEADER, NC_HEADER, OH_HEADER


def test_shipped_mappings_load() -> None:
    assert {"demo", "nc_ncvoter", "oh_swvf", "fl_voter_extract"} <= set(available_mappings())
    for name in available_mappings():
        assert load_mapping(name).name == name


def test_demo_mapping_needs_only_ids_names_and_state() -> None:
    mapping = load_mapping("demo")
    assert mapping.required_columns() == ["voter_id", "first_name", "last_name", "state"]
    mapped = {c for refs in mapping.columns.values() for c in refs}
    # birth_date: the column the linkage test bed (outreach/demo/linkage.py) adds
    assert mapped <= set(DEMO_VOTER_HEADER) | {"birth_date"}
    assert "birth_date" in mapping.optional
    assert mapping.vote_history is not None
    assert mapping.vote_history.columns == ["vote_2022g", "vote_2020g", "vote_2018g", "vote_2016g"]


def test_state_layouts_name_real_columns() -> None:
    nc = load_mapping("nc_ncvoter")
    assert nc.delimiter == "\t" and nc.state == "NC" and nc.vote_history is None
    assert set(nc.required_columns()) <= set(NC_HEADER)
    assert nc.registration_status is not None
    assert nc.registration_status.lookup("R") == "unregistered"
    oh = load_mapping("oh_swvf")
    assert oh.delimiter == "," and oh.state == "OH"
    assert set(oh.required_columns()) <= set(OH_HEADER)
    assert oh.registration_status is not None
    assert oh.registration_status.lookup("confirmation") == "inactive"


def test_custom_mapping_from_path(tmp_path: Path) -> None:
    path = tmp_path / "county.yml"
    path.write_text(
        "delimiter: pipe\nstate: Wisconsin\ncolumns:\n  voter_id: ID\n  first_name: FN\n"
        "  last_name: LN\n  address: [HOUSE, STREET]\n"
        "registration_status:\n  column: ST\n  values: {A: active, X: Removed}\n",
        encoding="utf-8",
    )
    mapping = load_mapping(str(path))
    assert (mapping.name, mapping.delimiter, mapping.state) == ("county", "|", "WI")
    assert mapping.columns["address"] == ["HOUSE", "STREET"]
    assert mapping.registration_status is not None
    assert mapping.registration_status.values["X"] == "unregistered"


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("columns: {voter_id: a, first_name: b}\nstate: OH\n", "last_name"),
        ("columns: {voter_id: a, first_name: b, last_name: c}\n", "fixed state"),
        ("state: Narnia\ncolumns: {voter_id: a, first_name: b, last_name: c}\n", "Narnia"),
        ("state: OH\ncolumns: {voter_id: a, first_name: b, last_name: c, shoe: d}\n", "shoe"),
        (
            "state: OH\ndelimiter: ';;'\ncolumns: {voter_id: a, first_name: b, last_name: c}\n",
            "one character",
        ),
        (
            "state: OH\ncolumns: {voter_id: a, first_name: b, last_name: c}\n"
            "registration_status: {column: s, values: {A: maybe}}\n",
            "registration_status",
        ),
        ("- just\n- a list\n", "YAML mapping"),
        ("state: [unclosed\n", "not valid YAML"),
        (
            "state: OH\ncolumns: {voter_id: a, first_name: b, last_name: c}\n"
            "vote_history: {columns: [g22, g20], dates: [2022-11-08]}\n",
            "2 columns but 1 dates",
        ),
    ],
)
def test_bad_mappings_are_refused(tmp_path: Path, yaml_text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(InvalidInput, match=message):
        load_mapping(path)


def test_unknown_shipped_name_lists_the_known_ones() -> None:
    with pytest.raises(InvalidInput, match="nc_ncvoter"):
        load_mapping("texas")
