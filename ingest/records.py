"""The normalized records that every reader produces and every later stage consumes."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class VoterRecord:
    """One voter-file row after column mapping and normalization.

    ``phone`` is E.164 and ``email`` lowercased, or None. ``vote_history`` holds one
    bool per election column, most recent first. ``turnout_score`` and
    ``support_score`` are in 0..1 when the file carries them. ``party`` is the registration
    party code, or the party of the most recent primary ballot when the state records that.
    """

    voter_id: str
    first_name: str
    last_name: str
    state: str
    middle_name: str | None = None
    suffix: str | None = None
    birth_year: int | None = None
    birth_date: str | None = None  # YYYY-MM-DD when the file gives a full date
    address: str | None = None
    city: str | None = None
    zip: str | None = None
    district: str | None = None
    phone: str | None = None
    email: str | None = None
    vote_history: list[bool] = field(default_factory=list)
    turnout_score: float | None = None
    support_score: float | None = None
    registration_status: str = "active"  # active | inactive | unregistered
    household_id: str | None = None
    line: int = 0
    party: str | None = None  # as the file writes it, or the last partisan primary ballot


@dataclass(slots=True)
class ContactRecord:
    """One contact from a supporter's upload after normalization.

    Phones are E.164, emails lowercased. ``state`` is a USPS code, or for files read with
    ``any_country`` another region's name as given; ``zip`` likewise a ZIP or a postcode.
    ``line`` is where the contact started in the source file (1-based, header is line 1
    for CSV). ``favorite``, ``labels`` and ``closeness`` are tie-strength hints from the
    export or the supporter.
    """

    line: int
    display_name: str
    first_name: str | None = None
    last_name: str | None = None
    middle_name: str | None = None
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    birth_year: int | None = None
    birth_date: str | None = None  # YYYY-MM-DD when the upload gives a full date
    address: str | None = None  # the street line, as given
    labels: list[str] = field(default_factory=list)
    favorite: bool = False
    closeness: float | None = None
    social: bool = False
