"""Normalization of single field values: phones, emails, ZIP codes, states, districts,
birth years, flags and lengths.

Functions named ``normalize_*`` return the canonical form or None when the value is blank
or unusable; a bad phone or email is dropped, not fatal. Functions named ``check_*`` raise
``ValueError`` with a reason for a value that must reject its whole row; the readers turn
that into a ``RowError`` naming the line and the field.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import phonenumbers
from phonenumbers.phonemetadata import PhoneMetadata

# Postcodes, states, districts and birth dates repeat from row to row in a large file, so
# their normalizations are kept per value; typed, since an int and an equal float (2134 and
# 2134.0) read differently.
_repeated = lru_cache(maxsize=65536, typed=True)

DEFAULT_MAX_FIELD_LENGTH = 200
MIN_BIRTH_YEAR = 1900

US_STATES: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan",
    "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
    "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey",
    "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota",
    "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee",
    "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
    "AS": "American Samoa", "GU": "Guam", "MP": "Northern Mariana Islands",
    "PR": "Puerto Rico", "VI": "U.S. Virgin Islands",
}  # fmt: skip

_STATE_ALIASES = {
    "washington dc": "DC", "washington d c": "DC", "d c": "DC", "dist of columbia": "DC",
    "virgin islands": "VI", "us virgin islands": "VI", "united states virgin islands": "VI",
    "n carolina": "NC", "s carolina": "SC", "n dakota": "ND", "s dakota": "SD",
    "w virginia": "WV", "penn": "PA", "mass": "MA", "wisc": "WI", "calif": "CA",
}  # fmt: skip
_STATE_BY_NAME = {
    re.sub(r"[^a-z]+", " ", name.lower()).strip(): code for code, name in US_STATES.items()
} | _STATE_ALIASES

_LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_EMAIL = re.compile(rf"^[a-z0-9!#$%&'*+/=?^_`{{|}}~.-]+@{_LABEL}(?:\.{_LABEL})+$")
_ZIP = re.compile(r"^(\d{5})(?:[- ]?\d{4})?$")
_DISTRICT = re.compile(r"^(?:([A-Z]{2})[\s_-]*)?(?:CD|DIST(?:RICT)?)?[\s_-]*(\d{1,2}|AL)$")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_NO_YEAR_DATE = re.compile(r"^(?:--\d{2}-?\d{2}|\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2})?)$")
_TRUE = frozenset({"1", "true", "t", "yes", "y", "x", "starred", "favorite", "favourite"})


def normalize_phone(raw: str | None, region: str = "US") -> str | None:
    """The number in E.164 form (``+16085550101``), or None when it is not a valid number.

    A North American number written in one of the usual layouts (``(608) 555-0101``,
    ``608.555.0101``, ``+1 608 555 0101`` ...) read in a North American region is checked
    by :func:`_nanp_valid`, which gives libphonenumber's answer without parsing; every
    other text goes through libphonenumber itself.
    """
    if raw is None:
        return None
    text = raw.strip()
    if text.lower().startswith("tel:"):
        text = text[4:]
    text = text.split(";", 1)[0].strip()
    if not text or not any(ch.isdigit() for ch in text):
        return None
    if region in _NANP_REGION_SET:
        plain = _NANP_TEXT.match(text)
        if plain:
            digits = "".join(part for part in plain.groups() if part)
            return f"+1{digits}" if _nanp_valid(digits) else None
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# A ten-digit North American number with an optional +1 or 1 and the usual separators.
_NANP_TEXT = re.compile(
    r"^(?:\+?1[\s.-]*)?(?:\(([2-9]\d{2})\)|([2-9]\d{2}))[\s.-]*(\d{3})[\s.-]*(\d{4})$"
)
_NANP_REGIONS: tuple[str, ...] = tuple(phonenumbers.COUNTRY_CODE_TO_REGION_CODE[1])
_NANP_REGION_SET = frozenset(_NANP_REGIONS)


@dataclass(frozen=True, slots=True)
class _Region:
    """One North American region's metadata as libphonenumber's validity check uses it."""

    leading: re.Pattern[str] | None
    general: re.Pattern[str] | None
    types: re.Pattern[str] | None


def _matcher(descs: list[Any]) -> re.Pattern[str] | None:
    """One pattern for the number descriptions that admit ten digits, or None."""
    patterns = [
        d.national_number_pattern
        for d in descs
        if d is not None
        and d.national_number_pattern
        and (not d.possible_length or 10 in d.possible_length)
    ]
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


@lru_cache(maxsize=1)
def _nanp_metadata() -> tuple[_Region, ...]:
    """The North American regions, in libphonenumber's order, with compiled patterns."""
    regions = []
    for code in _NANP_REGIONS:
        md = PhoneMetadata.metadata_for_region(code)
        if md is None:
            continue
        types = [md.premium_rate, md.toll_free, md.shared_cost, md.voip, md.personal_number,
                 md.pager, md.uan, md.voicemail, md.fixed_line, md.mobile]  # fmt: skip
        regions.append(
            _Region(
                leading=re.compile(md.leading_digits) if md.leading_digits else None,
                general=_matcher([md.general_desc]),
                types=_matcher(types),
            )
        )
    return tuple(regions)


def _nanp_valid(national: str) -> bool:
    """``phonenumbers.is_valid_number`` for a ten-digit number of country code 1.

    The same steps: the number belongs to the first region whose leading digits it starts
    with, or (for regions without them) whose number types it matches; it is valid when
    it matches one of that region's number types (and its general pattern).
    """
    for region in _nanp_metadata():
        known = (
            region.general is not None
            and region.types is not None
            and region.general.fullmatch(national) is not None
            and region.types.fullmatch(national) is not None
        )
        if region.leading is not None:
            if region.leading.match(national):
                return known
        elif known:
            return True
    return False


def normalize_email(raw: str | None) -> str | None:
    """The address trimmed and lowercased, or None when it is not plausibly an email."""
    if raw is None:
        return None
    text = raw.strip().strip("<>").strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    text = text.lower()
    if len(text) > 254 or not _EMAIL.match(text) or ".." in text:
        return None
    return text


@_repeated
def normalize_zip(raw: str | int | None) -> str | None:
    """The five-digit ZIP code (ZIP+4 trimmed, leading zeros kept), or None."""
    if raw is None:
        return None
    text = str(raw).strip()
    if text.isdigit() and 3 <= len(text) <= 4:
        text = text.zfill(5)  # spreadsheets drop the leading zeros of New England ZIPs
    elif text.isdigit() and 7 <= len(text) <= 8:
        text = text.zfill(9)
    match = _ZIP.match(text)
    return match.group(1) if match else None


@_repeated
def normalize_state(raw: str | None) -> str | None:
    """The USPS code of a state, DC or territory, from a code or a full name, or None."""
    if raw is None:
        return None
    text = raw.strip()
    if len(text) == 2 and text.upper() in US_STATES:
        return text.upper()
    key = re.sub(r"[^a-z]+", " ", text.lower()).strip()
    if key.startswith("state of "):
        key = key[9:]
    return _STATE_BY_NAME.get(key)


@_repeated
def normalize_district(raw: str | int | None, state: str | None = None) -> str | None:
    """A congressional district as ``ST-N`` (``ME-2``, ``NE-1``; ``ST-AL`` at large), or None.

    A bare number ("2", "02", "CD 2") needs ``state``. Leading zeros are dropped so every
    source agrees with the weights file's codes.
    """
    if raw is None:
        return None
    text = str(raw).strip().upper()
    text = re.sub(r"^(?:CD|CONG(?:RESSIONAL)?\s*DIST(?:RICT)?|DIST(?:RICT)?)\b[\s_-]*", "", text)
    if not text:
        return None
    match = _DISTRICT.match(text)
    if not match:
        return None
    code = match.group(1) or (normalize_state(state) if state else None)
    if code is None or code not in US_STATES:
        return None
    number = match.group(2)
    if number == "AL" or number.strip("0") == "":
        return f"{code}-AL"
    return f"{code}-{int(number)}"


@_repeated
def check_birth_year(raw: str | int | None, *, today: dt.date | None = None) -> int | None:
    """The year from a birth year or date; None when blank or without a year.

    Raises ValueError for a year before 1900, after the current year, or for text that is
    not a year or date at all.
    """
    if raw is None:
        return None
    text = str(raw).strip()
    if not text:
        return None
    if _NO_YEAR_DATE.match(text):
        return None
    if re.fullmatch(r"\d{8}", text):  # vCard's basic format, 19850512
        text = text[:4]
    years = _YEAR.findall(text)
    if not years:
        # The value is not repeated: rejected rows are stored on the job, and a misplaced
        # column could put a phone number here.
        raise ValueError("not a year or a date")
    year = int(years[0])
    current = (today or dt.date.today()).year
    if year < MIN_BIRTH_YEAR or year > current:
        raise ValueError(f"birth year {year} is outside {MIN_BIRTH_YEAR}..{current}")
    return year


def check_length(value: str | None, max_length: int = DEFAULT_MAX_FIELD_LENGTH) -> None:
    """Raise ValueError when ``value`` is longer than ``max_length`` characters."""
    if value is not None and len(value) > max_length:
        raise ValueError(f"value is {len(value)} characters long, the limit is {max_length}")


def check_score(raw: str | None) -> float | None:
    """A score in 0..1 from text, None when blank; ValueError when not a number in range."""
    if raw is None or not raw.strip():
        return None
    try:
        value = float(raw.strip())
    except ValueError:
        raise ValueError("not a number") from None
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"score {value} is outside 0..1")
    return value


def parse_flag(raw: str | None) -> bool:
    """True for the usual spellings of yes (``true``, ``1``, ``yes``, ``x``, ``starred``)."""
    return raw is not None and raw.strip().lower() in _TRUE


def split_labels(raw: str | None) -> list[str]:
    """Labels from one cell, split on ``;``, ``,``, ``|`` or Google's ``:::``, in order."""
    if raw is None:
        return []
    parts = re.split(r":::|[;,|]", raw)
    labels: list[str] = []
    for part in parts:
        label = part.strip().lstrip("*").strip()
        if label and label not in labels:
            labels.append(label)
    return labels


def clean(raw: str | None) -> str | None:
    """The value with outer whitespace and inner runs of spaces collapsed, or None if blank."""
    if raw is None:
        return None
    text = " ".join(raw.split())
    return text or None


_ISO_DATE = re.compile(r"^(\d{4})-?(\d{1,2})-?(\d{1,2})(?:[T ].*)?$")
_US_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


@_repeated
def parse_birth_date(raw: str | int | None) -> str | None:
    """A full birth date as ``YYYY-MM-DD`` from ISO, ``YYYYMMDD`` or US ``MM/DD/YYYY``, or None.

    Anything else (a year alone, a date without a year, a day that no calendar has) gives
    None: the birth year, read separately, still counts.
    """
    if raw is None:
        return None
    text = str(raw).strip()
    iso = _ISO_DATE.match(text)
    us = None if iso else _US_DATE.match(text)
    if iso:
        year, month, day = (int(g) for g in iso.groups())
    elif us:
        month, day, year = (int(g) for g in us.groups())
    else:
        return None
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


@_repeated
def postcode_as_given(raw: str | int | None) -> str | None:
    """A postcode of any country, compared as given: upper case, without spaces or dashes.

    A US ZIP+4 becomes its five-digit ZIP, so that it agrees with a plain ZIP; nothing is
    padded (Australia's and Switzerland's postcodes have four digits).
    """
    if raw is None:
        return None
    text = re.sub(r"[\s-]+", "", str(raw)).upper()
    if text.isdigit() and len(text) == 9:
        return text[:5]
    return text or None


@_repeated
def state_as_given(raw: str | None) -> str | None:
    """A US state as its USPS code; any other region's name or code as given, upper case."""
    if raw is None:
        return None
    code = normalize_state(raw)
    if code:
        return code
    text = " ".join(raw.split()).upper()
    return text or None
