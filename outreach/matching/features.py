"""What the model reads of one (supporter, friend) pair: the features the graph supplies.

Its own module, below scoring, impact and reasons, which all read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class PairFeatures:
    """One (supporter, friend) pair with the friend's matched voter-file record."""

    supporter_id: str
    friend_key: str
    state: str | None
    district: str | None
    match_p: float
    turnout_score: float | None
    vote_history: list[bool]
    support_score: float | None
    registration_status: str | None  # active | inactive | unregistered
    already_voted: bool = False
    do_not_contact: bool = False
    channels: frozenset[str] = field(default_factory=frozenset)  # {"phone","email","social"}
    reciprocal: bool = False
    same_household: bool = False
    favorite: bool = False
    labels: tuple[str, ...] = ()
    closeness: float | None = None
    party: str | None = None  # registration party code, or the last primary ballot's party
    birth_year: int | None = None
    household_id: str | None = None  # the friend's household in the voter file
    on_file: bool = True  # False: not found in a loaded voter file; ``state`` from the upload
    by_area_code: bool = False  # off the file, placed in ``state`` by their phone's area code
