"""The linkage seam: contacts plus candidate voters in, one decision per contact out.

A linker never touches the graph. ``ingest/contacts_job.py`` fetches candidate voters
by blocking keys (phone, email, name, surname with state) through ``graph/`` and hands
them to whichever linker is configured.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ingest.area_codes import placement
from ingest.keys import (
    birth_key,
    email_key,
    name_key,
    phone_key,
    sound_key,
    street_key,
    surname_key,
)
from ingest.names import canonical_first_name
from ingest.records import ContactRecord


@dataclass(slots=True)
class KeyedContact:
    """A contact with the keys it can be blocked on."""

    record: ContactRecord
    canonical_first: str | None
    phone_keys: list[str] = field(default_factory=list)
    email_keys: list[str] = field(default_factory=list)
    name_key: str | None = None
    surname_key: str | None = None  # ``last|STATE|initial``, the voters' ``last_key``
    sound_key: str | None = None  # ``METAPHONE|STATE|initial``, the voters' ``sound_key``
    swapped_name_key: str | None = None  # the name key with first and last name swapped
    birth_key: str | None = None  # ``YYYY-MM-DD|initial``, the voters' ``birth_key``
    street_key: str | None = None  # ``number|street``, the voters' ``street_key``


@dataclass(slots=True)
class LinkDecision:
    """The linker's verdict on one contact.

    ``voter_id`` is set when the best candidate clears the threshold; ``candidates``
    holds doubtful ones kept for review (voter id, probability).
    """

    voter_id: str | None
    probability: float
    method: str
    candidates: list[tuple[str, float]] = field(default_factory=list)


class Linker(Protocol):
    """Anything that links keyed contacts to candidate voters.

    ``voters_on_file`` is how many voters the graph holds, of whom ``voters`` are the
    candidates: the more voters, the likelier that some of them agree with a contact by
    chance, and a linker that weighs evidence takes it into account. ``place_areas``
    (place key -> area codes, ``ingest.place_areas``) are the codes the voter file's
    phones use where the contacts and the candidates live, for a linker that compares a
    contact's phone with where a voter lives.
    """

    def link(
        self,
        contacts: Sequence[KeyedContact],
        voters: Sequence[dict[str, Any]],
        *,
        voters_on_file: int | None = None,
        place_areas: Mapping[str, Sequence[str]] | None = None,
    ) -> list[LinkDecision]:
        """One decision per contact, in order."""
        ...


def keyed(record: ContactRecord, *, secret: str) -> KeyedContact:
    """A contact with its blocking keys: hashed phones and emails, name, birth and street keys.

    The surname keys are within the state the contact is placed in
    (``ingest.area_codes.placement``): the one it gives, else its phone's area code's.
    """
    canonical = canonical_first_name(record.first_name) if record.first_name else None
    swapped = canonical_first_name(record.last_name) if record.last_name else None
    state, _ = placement(record.state, record.phones)
    return KeyedContact(
        record=record,
        canonical_first=canonical,
        phone_keys=[phone_key(secret, p) for p in record.phones],
        email_keys=[email_key(secret, e) for e in record.emails],
        name_key=name_key(canonical, record.last_name) if canonical else None,
        surname_key=surname_key(record.last_name, state, canonical),
        sound_key=sound_key(record.last_name, state, canonical),
        swapped_name_key=name_key(swapped, record.first_name) if swapped else None,
        birth_key=birth_key(record.birth_date, canonical),
        street_key=street_key(record.address),
    )
