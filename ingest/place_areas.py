"""Place areas: the telephone area codes that the phones of the people living in a place use.

A US area code covers part of a state, so a contact whose only place is a phone number (a
new one, or one the voter file lacks) can be placed nearer than the state: the place
comparison of ``ingest/link_fields.py`` has a level "a phone's area code is one used
where the other lives". Which codes a place uses is learnt from phones, never assumed,
so it holds for whatever country and numbering plan the records come from:

- a place is a city in a state, or a postcode in a state where the record names no city
  (:func:`place_key`);
- its codes are those of at least :data:`AREA_SHARE` of its phones, and a place with
  fewer than :data:`AREA_PHONES` phones has none known (:func:`areas_from_counts`).

``outreach link`` learns them from both files (:func:`learn_place_areas`). Uploads learn
them from the voter file alone: loading a voter file keeps each voter's area code (never
the number) and counts them per place in the graph (``ingest/voters_job.py``); a
supporter's contacts never add to the counts.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from ingest.keys import fold

AREA_SHARE = 0.05  # an area code is "used in" a place by at least this share of its phones
AREA_PHONES = 5  # and a place's area codes are known from at least this many phones


def place_key(state: str | None, city: str | None, postcode: str | None) -> str | None:
    """Where a record lives, as precisely as it says: ``STATE|city`` (the city folded), or
    ``STATE|#postcode`` without a city; None with neither. The state may be empty."""
    folded = _fold_city(city) if city else None
    state_part = state.upper() if state else ""
    if folded:
        return f"{state_part}|{folded}"
    if postcode:
        return f"{state_part}|#{postcode}"
    return None


def row_place_key(row: Mapping[str, Any]) -> str | None:
    """:func:`place_key` of a model row or a graph voter row (``state``, ``city``, ``zip``)."""
    return place_key(row.get("state"), row.get("city"), row.get("zip"))


def phone_area(phone: str | None) -> str | None:
    """The area code of a North American number in E.164 (``+1`` and ten digits), else None."""
    if phone and phone.startswith("+1") and len(phone) == 12:
        return phone[2:5]
    return None


def areas_from_counts(counts: Mapping[str, int]) -> list[str] | None:
    """A place's area codes from how many of its phones use each: the codes used by at
    least :data:`AREA_SHARE` of them, sorted; None below :data:`AREA_PHONES` phones."""
    total = sum(counts.values())
    if total < AREA_PHONES:
        return None
    return sorted(area for area, n in counts.items() if n >= AREA_SHARE * total)


def known_place_areas(*sides: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    """Place key -> its area codes, learnt from the rows' ``phone_areas``."""
    used: dict[str, Counter[str]] = defaultdict(Counter)
    for rows in sides:
        for row in rows:
            place = row_place_key(row)
            if place is not None and row.get("phone_areas"):
                used[place].update(row["phone_areas"])
    known = {place: areas_from_counts(counts) for place, counts in used.items()}
    return {place: areas for place, areas in known.items() if areas}


def voter_file_place_areas(voters: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    """Place key -> its area codes, from voter rows shaped as the graph returns them (one
    ``phone_area`` each): what loading those voters into the graph stores."""
    return known_place_areas(
        {**voter, "phone_areas": [voter["phone_area"]] if voter.get("phone_area") else None}
        for voter in voters
    )


def fill_place_areas(
    rows: Iterable[dict[str, Any]], known: Mapping[str, Sequence[str]] | None
) -> None:
    """Set each row's ``place_areas`` to its place's known codes (None where unknown)."""
    known = known or {}
    for row in rows:
        place = row_place_key(row)
        areas = known.get(place) if place is not None else None
        row["place_areas"] = list(areas) if areas else None


def learn_place_areas(*sides: Sequence[dict[str, Any]]) -> None:
    """Fill every row's ``place_areas`` from the phones of all the rows (both files)."""
    known = known_place_areas(*sides)
    for rows in sides:
        fill_place_areas(rows, known)


@lru_cache(maxsize=65536)
def _fold_city(city: str) -> str | None:
    """A city folded as the model rows fold it (``ingest.keys.fold``), or None."""
    return fold(city) or None
