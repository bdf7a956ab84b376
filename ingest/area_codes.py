"""The US state a phone number's area code belongs to: a weaker way to place a friend.

A contact without an address can still be placed by their number: libphonenumber's
geocoding data (the ``phonenumbers`` package, offline) names the state of each North
American area code. It is where the number was given out, not where its owner lives:
Pew Research Center found that 10% of US adults have a cellphone number from another
state (Dost and McGeeney, "Moving without changing your cellphone number", 2016), so a
friend placed this way counts with the model's ``area_code_placement`` (0.9), not with
certainty. Non-geographic codes (toll-free, personal 5XX) and numbers outside the US
place nobody.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path

from ingest.normalize import normalize_state

ADDRESS = "address"
AREA_CODE = "area_code"
AREA_STATES_PATH = Path(__file__).with_name("area_states.json")


def state_of_phone(e164: str) -> str | None:
    """The USPS code of the state a US number's area code is in (E.164), or None.

    The table the linker compares phones with too: each area code's state as
    libphonenumber's geocoding data names it most often.
    """
    if not (e164.startswith("+1") and len(e164) == 12):
        return None
    return _area_states().get(e164[2:5])


@lru_cache(maxsize=1)
def _area_states() -> dict[str, str]:
    """Area code -> state, as :func:`area_states_from_libphonenumber` made it (shipped, since
    libphonenumber's geocoding data takes seconds to load)."""
    loaded: dict[str, str] = json.loads(AREA_STATES_PATH.read_text(encoding="utf-8"))
    return loaded


def area_states_from_libphonenumber() -> dict[str, str]:
    """Area code -> state, from libphonenumber's geocoding data (the state most named).

    ``python -m ingest.area_codes --write-area-states`` writes it to
    ``ingest/area_states.json``; a test checks that the file is current.
    """
    from phonenumbers.geodata import GEOCODE_DATA  # large: seconds to load

    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for prefix, names in GEOCODE_DATA.items():
        if prefix.startswith("1") and len(prefix) >= 4:
            description = names.get("en", "")
            place = description.rsplit(", ", 1)[-1].removesuffix(" State")
            state = "DC" if "D.C." in description else normalize_state(place)
            if state:
                votes[prefix[1:4]][state] += 1
    return {area: max(sorted(c), key=c.__getitem__) for area, c in sorted(votes.items())}


def placement(state: str | None, phones: list[str]) -> tuple[str | None, str | None]:
    """Where a contact lives as far as the upload says, and how it is known.

    The address's state when the contact has one; else the state of the first phone whose
    area code places it; else nothing.
    """
    if state:
        return state, ADDRESS
    for phone in phones:
        found = state_of_phone(phone)
        if found:
            return found, AREA_CODE
    return None, None


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["--write-area-states"]:
        AREA_STATES_PATH.write_text(
            json.dumps(area_states_from_libphonenumber(), indent=0, sort_keys=True) + "\n",
            encoding="utf-8",
        )
    else:
        raise SystemExit("usage: python -m ingest.area_codes --write-area-states")
