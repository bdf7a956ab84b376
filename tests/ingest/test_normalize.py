"""Field normalization: phones, emails, ZIP codes, states, districts, years, lengths."""

from __future__ import annotations

import datetime as dt

import pytest

from ingest.normalize import (
    check_birth_year,
    check_length,
    check_score,
    normalize_district,
    normalize_email,
    normalize_phone,
    normalize_state,
    normalize_zip,
    parse_flag,
    split_labels,
)


@pytest.mark.parametrize(
    "raw",
    [
        "(608) 555-0101",
        "608-555-0101",
        "6085550101",
        "+1 608 555 0101",
        "1-608-555-0101",
        "608.555.0101",
        "tel:+1-608-555-0101",
        " +16085550101 ",
        "001 608 555 0101",
    ],
)
def test_us_phone_layouts_all_give_the_same_e164(raw: str) -> None:
    assert normalize_phone(raw) == "+16085550101"


def test_foreign_phone_keeps_its_country_and_region_applies_to_local_numbers() -> None:
    assert normalize_phone("+44 20 7946 0958") == "+442079460958"
    assert normalize_phone("020 7946 0958", region="GB") == "+442079460958"


@pytest.mark.parametrize("raw", ["", "   ", "555-1234", "123", "(414) 123-4567", "n/a", None])
def test_impossible_or_invalid_phones_are_none(raw: str | None) -> None:
    assert normalize_phone(raw) is None


def test_email_is_trimmed_and_lowercased() -> None:
    assert normalize_email("  Bob.Smith@Example.COM ") == "bob.smith@example.com"
    assert normalize_email("mailto:ann@ex.org") == "ann@ex.org"
    assert normalize_email("<ann@ex.org>") == "ann@ex.org"


@pytest.mark.parametrize(
    "raw", ["bob", "bob@", "@ex.com", "bob@ex", "a b@ex.com", "a..b@ex.com", ""]
)
def test_implausible_emails_are_none(raw: str) -> None:
    assert normalize_email(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("53703", "53703"),
        ("53703-1234", "53703"),
        ("537031234", "53703"),
        ("02134", "02134"),
        ("2134", "02134"),
        ("021341234", "02134"),
        (" 10001 ", "10001"),
        ("1234567890", None),
        ("ABCDE", None),
        ("", None),
        (None, None),
    ],
)
def test_zip_is_five_digits_with_leading_zeros(raw: str | None, expected: str | None) -> None:
    assert normalize_zip(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("WI", "WI"),
        ("wi", "WI"),
        ("Wisconsin", "WI"),
        ("NORTH CAROLINA", "NC"),
        ("new  hampshire", "NH"),
        ("District of Columbia", "DC"),
        ("Washington, D.C.", "DC"),
        ("Puerto Rico", "PR"),
        ("Ontario", None),
        ("XX", None),
        ("", None),
    ],
)
def test_state_from_code_or_name(raw: str, expected: str | None) -> None:
    assert normalize_state(raw) == expected


@pytest.mark.parametrize(
    ("raw", "state", "expected"),
    [
        ("ME-2", None, "ME-2"),
        ("me 02", None, "ME-2"),
        ("NE-1", None, "NE-1"),
        ("2", "ME", "ME-2"),
        ("09", "OH", "OH-9"),
        ("CD 3", "Nebraska", "NE-3"),
        ("AL", "AK", "AK-AL"),
        ("00", "WY", "WY-AL"),
        ("2", None, None),
        ("ZZ-1", None, None),
        ("", "ME", None),
        ("precinct 7", "ME", None),
    ],
)
def test_district_codes(raw: str, state: str | None, expected: str | None) -> None:
    assert normalize_district(raw, state) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1985", 1985),
        (1985, 1985),
        ("1985-05-12", 1985),
        ("05/12/1985", 1985),
        ("19850512", 1985),
        ("--0512", None),
        ("05/12", None),
        ("", None),
        (None, None),
    ],
)
def test_birth_year_from_years_and_dates(raw: str | None, expected: int | None) -> None:
    assert check_birth_year(raw) == expected


@pytest.mark.parametrize("raw", ["3020", "1899", "1850-01-01", "sometime", "12345"])
def test_absurd_birth_years_raise(raw: str) -> None:
    with pytest.raises(ValueError):
        check_birth_year(raw, today=dt.date(2024, 6, 1))


def test_birth_year_upper_bound_is_the_current_year() -> None:
    assert check_birth_year("2024", today=dt.date(2024, 1, 1)) == 2024
    with pytest.raises(ValueError, match="2025"):
        check_birth_year("2025", today=dt.date(2024, 12, 31))


def test_length_limit_is_configurable() -> None:
    check_length("x" * 200)
    with pytest.raises(ValueError, match="201 characters"):
        check_length("x" * 201)
    with pytest.raises(ValueError, match="limit is 10"):
        check_length("x" * 11, 10)


def test_scores_flags_and_labels() -> None:
    assert check_score("0.25") == 0.25
    assert check_score(" ") is None
    with pytest.raises(ValueError):
        check_score("1.5")
    with pytest.raises(ValueError):
        check_score("high")
    assert parse_flag("TRUE") and parse_flag("1") and parse_flag("yes")
    assert not parse_flag("false") and not parse_flag("") and not parse_flag(None)
    assert split_labels("family; work|Family ,college") == ["family", "work", "Family", "college"]


def test_north_american_numbers_get_libphonenumbers_answer_without_parsing() -> None:
    """The fast path for plain North American layouts agrees with libphonenumber itself,
    on valid and invalid numbers, in every layout and North American region."""
    import random

    import phonenumbers

    def by_libphonenumber(text: str, region: str) -> str | None:
        number = phonenumbers.parse(text, region)
        if not phonenumbers.is_valid_number(number):
            return None
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    layouts = ("({a}) {e}-{l}", "{a}-{e}-{l}", "{a}{e}{l}", "+1 {a} {e} {l}", "+1{a}{e}{l}",
               "{a}.{e}.{l}", "1-{a}-{e}-{l}", "{a} {e} {l}", "1 ({a}) {e}-{l}")  # fmt: skip
    rnd = random.Random(7)
    numbers = [str(rnd.randrange(2_000_000_000, 10_000_000_000)) for _ in range(3000)]
    for region in phonenumbers.COUNTRY_CODE_TO_REGION_CODE[1]:  # each region's own example
        example = phonenumbers.example_number(region)
        if example is not None:
            numbers.append(str(example.national_number))
    valid = 0
    for i, digits in enumerate(numbers):
        text = layouts[i % len(layouts)].format(a=digits[:3], e=digits[3:6], l=digits[6:])
        for region in ("US", "CA", "PR"):
            want = by_libphonenumber(text, region)
            assert normalize_phone(text, region) == want, (text, region)
            valid += want is not None
    assert 0 < valid < 3 * len(numbers)  # both answers were tested
