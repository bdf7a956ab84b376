"""Merging duplicates within one upload, and the household-landline rule."""

from __future__ import annotations

from typing import Any

from ingest.dedupe import household_keys, merge_duplicates
from ingest.records import ContactRecord


def contact(
    line: int,
    name: str,
    *,
    phones: list[str] | None = None,
    emails: list[str] | None = None,
    **fields: Any,
) -> ContactRecord:
    """A normalized contact with ``name`` split on its first space."""
    first, _, last = name.partition(" ")
    return ContactRecord(
        line=line,
        display_name=name,
        first_name=first or None,
        last_name=last or None,
        phones=phones or [],
        emails=emails or [],
        **fields,
    )


def test_shared_phone_or_email_merges_transitively() -> None:
    records = [
        contact(5, "Bob Smith", phones=["+16085550101"], labels=["work"]),
        contact(2, "Robert Smith", emails=["bob@ex.com"], city="Madison"),
        contact(
            9,
            "Bobby Smith",
            phones=["+16085550101"],
            emails=["bob@ex.com"],
            favorite=True,
            closeness=0.8,
            labels=["family", "work"],
        ),
        contact(3, "Ann Lee", phones=["+16085550104"]),
    ]
    merged = merge_duplicates(records)
    assert [r.line for r in merged] == [2, 3]
    bob = merged[0]
    assert bob.display_name == "Robert Smith" and bob.city == "Madison"
    assert bob.phones == ["+16085550101"] and bob.emails == ["bob@ex.com"]
    assert bob.labels == ["work", "family"]
    assert bob.favorite and bob.closeness == 0.8


def test_household_landline_does_not_merge_different_people() -> None:
    landline = "+16085550100"
    records = [
        contact(2, "John Smith", phones=[landline, "+16085550111"]),
        contact(3, "Mary Smith", phones=[landline]),
        contact(4, "Johnny Smith", phones=["+16085550111"]),
        contact(5, "Mary Smith", phones=[landline], emails=["mary@ex.com"]),
    ]
    assert household_keys(records) == {f"tel:{landline}"}
    merged = merge_duplicates(records)
    assert [(r.line, r.display_name) for r in merged] == [(2, "John Smith"), (3, "Mary Smith")]
    assert merged[0].phones == [landline, "+16085550111"]
    assert merged[1].emails == ["mary@ex.com"]


def test_same_name_merges_unless_keys_conflict() -> None:
    records = [
        contact(2, "José Álvarez", phones=["+16085550101"]),
        contact(3, "jose alvarez", emails=["jose@ex.com"]),
        contact(4, "John Doe", phones=["+16085550102"]),
        contact(5, "John Doe", phones=["+16085550103"]),
        contact(6, "Ann Lee"),
        contact(7, "Ann Lee"),
    ]
    merged = merge_duplicates(records)
    assert [r.line for r in merged] == [2, 4, 5, 6]
    assert merged[0].emails == ["jose@ex.com"] and merged[0].display_name == "José Álvarez"


def test_nameless_contacts_merge_by_key_and_keep_the_name() -> None:
    records = [
        contact(2, "+16085550101", phones=["+16085550101"]),
        contact(8, "Ann Lee", phones=["+16085550101"]),
        contact(9, "Bo Lee", phones=["+16085550102"]),
    ]
    records[0].first_name = records[0].last_name = None
    merged = merge_duplicates(records)
    assert [(r.line, r.display_name) for r in merged] == [(2, "Ann Lee"), (9, "Bo Lee")]


def test_merge_is_deterministic_and_idempotent() -> None:
    records = [contact(i, f"P{i % 3} X", phones=[f"+1608555{i % 4:04d}"]) for i in range(2, 14)]
    once = merge_duplicates(records)
    assert once == merge_duplicates(list(reversed(records)))
    assert merge_duplicates(once) == once
