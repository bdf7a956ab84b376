"""Which voters an upload's contacts are compared with: the blocking keys and the look-up rounds.

The graph is asked in up to three rounds per chunk of contacts
(``graph.voters.find_candidates`` is one query each):

1. phones and emails, full birth dates with the first initial, and street number and
   street (see :func:`blocking_keys`);
2. full names, also with first and last name swapped, within the contact's state when
   it gives one, only for contacts whose phones and emails found no voter of that name
   (:func:`name_keys`);
3. surname within the state, narrowed by first initial (``ingest.keys.surname_key``),
   and how the surname sounds, likewise (``ingest.keys.sound_key``), only for contacts
   whose full name found no voter in the rounds before. A contact that gives no state is
   looked up in the state of its phone's area code.

A birth date or a street finds the voter whose name the contact wrote with a typo in the
surname, or left out, and who gave no phone or email the file has: a first name and a
birthday is a common contact. Each is a small block (a date and an initial are a few
voters in a file of a million), so they are asked for every contact that carries one.

A contact whose phone already found their voter gains nothing from that voter's
namesakes: their phones disagree, so they could only be outscored. Yet a name looked up
nationwide (a phone's contact rarely gives a state) returns every namesake in the file,
most of all rows read for an upload whose phones are on the file. A contact whose phone
found only a housemate (another name) is still looked up by name.

Round 3 is what finds a voter whose first name the contact wrote differently (a typo, a
nickname the nickname list does not know). For the others it only adds voters who share
a surname: at a million voters a common surname within a state and initial returned
about 14 voters a key, most of all rows read. The linker never needs them when the full
name already found its voter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from graph.voters import BlockingKeys
from ingest.keys import name_state_key
from ingest.linking import KeyedContact
from ingest.splink_model import swapped_phone_keys

Find = Callable[[BlockingKeys], list[dict[str, Any]]]


def blocking_keys(contacts: Sequence[KeyedContact], *, secret: str) -> BlockingKeys:
    """The keys of round 1: phones and emails, birth dates (``ingest.keys.birth_key``) and
    streets (``ingest.keys.street_key``).

    A contact with neither a full name nor a surname and state also has its phones looked
    up with one pair of adjacent digits swapped, the commonest typo in a saved number; the
    others are found by name, and the linker still compares their phones swapped.
    (Swapped variants are nine keys a number: sent for every contact they were most of
    the keys.)
    """
    keys = BlockingKeys()
    for c in contacts:
        keys.phones.update(c.phone_keys)
        if not (c.name_key or c.surname_key):
            keys.phones.update(swapped_phone_keys(secret, c.record.phones))
        keys.emails.update(c.email_keys)
        if c.birth_key:
            keys.births.add(c.birth_key)
        if c.street_key:
            keys.streets.add(c.street_key)
    return keys


def name_keys(contacts: Sequence[KeyedContact], found: Sequence[dict[str, Any]]) -> BlockingKeys:
    """The keys of round 2: the full names of contacts whose phones and emails found no
    voter of that name, as written and with first and last name swapped, within the
    contact's state when it gives one."""
    names_by_key: dict[str, set[str]] = {}
    for voter in found:
        for key in (voter.get("phone_hash"), voter.get("email_hash")):
            if key and voter.get("name_key"):
                names_by_key.setdefault(str(key), set()).add(str(voter["name_key"]))
    keys = BlockingKeys()
    for c in contacts:
        if not c.name_key:
            continue
        reached = (names_by_key.get(k, set()) for k in (*c.phone_keys, *c.email_keys))
        if any(c.name_key in names for names in reached):
            continue  # found by their own phone or email under their name
        for key in (c.name_key, c.swapped_name_key):
            if not key:
                continue
            if c.record.state:
                keys.names_in_state.add(name_state_key(key, c.record.state))
            else:
                keys.names.add(key)
    return keys


def candidate_voters(
    find: Find, contacts: Sequence[KeyedContact], *, secret: str
) -> list[dict[str, Any]]:
    """The candidate voters of these contacts, from ``find`` in the three rounds above."""
    found = find(blocking_keys(contacts, secret=secret))
    by_name = name_keys(contacts, found)
    if by_name:
        found = found + find(by_name)
    named = {voter.get("name_key") for voter in found}
    unnamed = [c for c in contacts if c.name_key not in named]
    by_surname = BlockingKeys(
        surnames={c.surname_key for c in unnamed if c.surname_key},
        sounds={c.sound_key for c in unnamed if c.sound_key},
    )
    if by_surname:
        found = found + find(by_surname)
    return list({str(voter["voter_id"]): voter for voter in found}.values())  # each voter once
