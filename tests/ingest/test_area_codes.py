"""Placing a contact by their phone's area code, from libphonenumber's offline data."""

from __future__ import annotations

import pytest

from ingest.area_codes import ADDRESS, AREA_CODE, placement, state_of_phone


@pytest.mark.parametrize(
    ("phone", "state"),
    [
        ("+14142863311", "WI"),  # Milwaukee: the data names "Milwaukee, WI"
        ("+16085551234", "WI"),  # the data names "Wisconsin"
        ("+17045556000", "NC"),
        ("+12025550123", "DC"),
        ("+18005551212", None),  # toll-free: nowhere
        ("+14165550199", None),  # Toronto: not a US state
        ("+447911123456", None),
        ("+1414", None),
    ],
)
def test_a_numbers_area_code_names_its_state(phone: str, state: str | None) -> None:
    assert state_of_phone(phone) == state


def test_an_address_wins_over_the_area_code_and_the_first_placing_phone_counts() -> None:
    assert placement("OH", ["+17045556000"]) == ("OH", ADDRESS)
    assert placement(None, ["+18005551212", "+17045556000", "+14142863311"]) == ("NC", AREA_CODE)
    assert placement(None, ["+18005551212"]) == (None, None)
    assert placement(None, []) == (None, None)
