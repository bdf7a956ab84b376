"""Which voters an upload's contacts are compared with: the blocking keys and the look-up rounds.

The graph is asked in two rounds per chunk of contacts (``graph.voters.find_candidates``
is one query each):

1. phones, emails and full names (see :func:`blocking_keys`);
2. surname within the state, narrowed by first initial (``ingest.keys.surname_key``),
   only for contacts whose full name found no voter in round 1.

Round 2 is what finds a voter whose first name the contact wrote differently (a typo, a
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
    """The keys of round 1: phones, emails and full names.

    A full name is looked up within the contact's state when it gives one. A contact
    with neither a full name nor a surname and state also has its phones looked up with
    one pair of adjacent digits swapped, the commonest typo in a saved number; the others
    are found by name, and the linker still compares their phones swapped. (Swapped
    variants are nine keys a number: sent for every contact they were most of the keys.)
    """
    keys = BlockingKeys()
    for c in contacts:
        keys.phones.update(c.phone_keys)
        if not (c.name_key or c.surname_key):
            keys.phones.update(swapped_phone_keys(secret, c.record.phones))
        keys.emails.update(c.email_keys)
        if c.name_key and c.record.state:
            keys.names_in_state.add(name_state_key(c.name_key, c.record.state))
        elif c.name_key:
            keys.names.add(c.name_key)
    return keys


def candidate_voters(
    find: Find, contacts: Sequence[KeyedContact], *, secret: str
) -> list[dict[str, Any]]:
    """The candidate voters of these contacts, from ``find`` in the two rounds above."""
    found = find(blocking_keys(contacts, secret=secret))
    named = {voter.get("name_key") for voter in found}
    surnames = {c.surname_key for c in contacts if c.surname_key and c.name_key not in named}
    if surnames:
        found = found + find(BlockingKeys(surnames=surnames))
    return found
