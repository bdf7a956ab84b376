"""Name parsing, accent folding and nickname canonical forms."""

from __future__ import annotations

import pytest

from ingest.names import (
    ParsedName,
    canonical_first_name,
    fold,
    full_name_key,
    name_variants,
    parse_name,
)


@pytest.mark.parametrize(
    ("nickname", "canonical"),
    [
        ("Bob", "robert"),
        ("Bobby", "robert"),
        ("Robert", "robert"),
        ("ROB", "robert"),
        ("Liz", "elizabeth"),
        ("Beth", "elizabeth"),
        ("Elizabeth", "elizabeth"),
        ("Bill", "william"),
        ("Billy", "william"),
        ("Will", "william"),
        ("William", "william"),
        ("Jim", "james"),
        ("Peggy", "margaret"),
        ("Dick", "richard"),
        ("Tony", "anthony"),
        ("Kathy", "katherine"),
        ("Chris", "christopher"),
        ("John", "john"),
        ("Mary", "mary"),
    ],
)
def test_nicknames_map_to_one_canonical_name(nickname: str, canonical: str) -> None:
    assert canonical_first_name(nickname) == canonical


def test_canonical_names_are_accent_folded_and_lowercase() -> None:
    assert canonical_first_name("José") == "jose"
    assert canonical_first_name("  ZOË ") == "zoe"
    assert canonical_first_name("Jürgen") == "jurgen"
    assert canonical_first_name("Mary-Jane") == "mary"
    assert canonical_first_name("") == ""


def test_unknown_names_are_their_own_canonical_form() -> None:
    assert canonical_first_name("Xochitl") == "xochitl"


def test_canonical_choice_is_deterministic() -> None:
    assert {canonical_first_name("Al") for _ in range(5)} == {"albert"}


def test_variants_cover_both_directions() -> None:
    variants = name_variants("Bob")
    assert {"bob", "robert", "rob", "bobby"} <= variants
    assert "bob" in name_variants("Robert")
    assert name_variants("") == set()


def test_parse_name_handles_titles_suffixes_and_last_first() -> None:
    assert parse_name("Dr. Robert Smith Jr.") == ParsedName("Robert", None, "Smith", "Jr.")
    assert parse_name("Smith, John A.") == ParsedName("John", "A.", "Smith", None)
    assert parse_name("Mary Ann  van der Berg") == ParsedName("Mary", "Ann", "van der Berg", None)
    assert parse_name("Cher") == ParsedName("Cher", None, None, None)


def test_fold_and_full_name_key() -> None:
    assert fold("Ñúñez-García, Ana") == "nunez garcia ana"
    assert fold("Strauß") == "strauss"
    assert full_name_key("Bob", "Smith") == full_name_key("Robert", "SMITH") == "robert smith"
    assert full_name_key(None, None, "Liz Álvarez") == "elizabeth alvarez"
