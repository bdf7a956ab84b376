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

from ingest.splink_model import phone_state

ADDRESS = "address"
AREA_CODE = "area_code"


def state_of_phone(e164: str) -> str | None:
    """The USPS code of the state a US number's area code is in, or None.

    The same table the linker compares phones with (``ingest.splink_model.phone_state``):
    each area code's state as libphonenumber's geocoding data names it most often.
    """
    return phone_state(e164)


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
