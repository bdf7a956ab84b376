"""The keys that tie records together: keyed hashes of phones, emails, voter ids; name keys."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import jellyfish

from ingest.address import parse_street
from outreach.core.hashing import keyed_hash

_NOT_LETTERS = re.compile(r"[^a-z]")


def fold(text: str | None) -> str:
    """Lowercase, strip accents and everything but letters: the form names are compared in."""
    if not text:
        return ""
    return _fold(text)


@lru_cache(maxsize=65536)
def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = decomposed.encode("ascii", "ignore").decode()
    return _NOT_LETTERS.sub("", ascii_only.lower())


def phone_key(secret: str, e164: str) -> str:
    """Keyed hash of a normalized (E.164) phone number."""
    return keyed_hash(secret, "phone", e164)


def email_key(secret: str, email: str) -> str:
    """Keyed hash of a normalized email address."""
    return keyed_hash(secret, "email", email)


def voter_key(secret: str, voter_id: str) -> str:
    """Keyed hash of a voter id: the friend key of a contact linked to the voter file."""
    return keyed_hash(secret, "voter", voter_id)


def friend_id(secret: str, supporter_id: str, key: str) -> str:
    """The id a supporter sees for one of their friends; different for every supporter."""
    return keyed_hash(secret, "friend", f"{supporter_id}:{key}")[:20]


def name_key(canonical_first: str, last: str | None) -> str | None:
    """``first|last`` in folded form, with the first name already canonical (Bob -> robert)."""
    first, last_f = fold(canonical_first), fold(last)
    return f"{first}|{last_f}" if first and last_f else None


def name_state_key(name_key: str, state: str) -> str:
    """``first|last|STATE``: a name key (``name_key``) within a state."""
    return f"{name_key}|{state.upper()}"


def last_state_key(last: str | None, state: str | None) -> str | None:
    """``last|STATE`` for blocking on surname within a state."""
    last_f = fold(last)
    return f"{last_f}|{state.upper()}" if last_f and state else None


def surname_key(last: str | None, state: str | None, canonical_first: str | None) -> str | None:
    """``last|STATE|i``: surname within a state, narrowed by the canonical first initial.

    Surname and state alone is a wide block (a common surname returns hundreds of voters
    in a big state); the initial of the canonical first name (Bob -> robert -> ``r``)
    keeps nicknames together while cutting the block some twentyfold.
    """
    base = last_state_key(last, state)
    initial = fold(canonical_first)[:1]
    return f"{base}|{initial}" if base and initial else None


def sound_key(last: str | None, state: str | None, canonical_first: str | None) -> str | None:
    """``METAPHONE|STATE|i``: how the surname sounds, within a state, narrowed by the
    canonical first initial, as :func:`surname_key` is. A surname with a typo that keeps
    its sound (Mercad, Mercado: ``MRKT``) is found by it."""
    last_f = fold(last)
    sound = jellyfish.metaphone(last_f) if last_f else ""
    initial = fold(canonical_first)[:1]
    return f"{sound}|{state.upper()}|{initial}" if sound and state and initial else None


def birth_key(birth_date: str | None, canonical_first: str | None) -> str | None:
    """``YYYY-MM-DD|i``: a full birth date with the initial of the canonical first name.

    A date alone is some forty voters in a file of a million; the initial (Bob -> robert
    -> ``r``, so nicknames stay together) cuts that to a few. It needs no surname: a
    contact saved as a first name and a birthday is found by it.
    """
    initial = fold(canonical_first)[:1]
    return f"{birth_date}|{initial}" if birth_date and initial else None


def street_key(address: str | None) -> str | None:
    """``number|street``: the house number and the street name without spaces (``12|oakst``),
    as ``ingest.address.parse_street`` reads the street line; None without both."""
    street = parse_street(address)
    if not (street.number and street.name):
        return None
    return f"{street.number}|{street.name.replace(' ', '')}"
