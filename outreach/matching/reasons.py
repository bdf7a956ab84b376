"""Reasons a supporter sees next to a friend: plain words they can act on.

At most three reasons, most important first: where the friend lives and why that
place matters; their registration or recent voting, when it leaves room to help;
and what the supporter told us about the friendship, else how they can reach them.

What a reason may say: the friend's state or district; public voter-file facts
(registered or not, how many recent elections they voted in); the state's
registration deadline; and what the supporter uploaded (channels, family labels,
favorites, the closeness they set). What a reason never says: a model score or any
number derived from one (turnout, support, tie strength, match probability,
weight, impact), and anything about another supporter. So reciprocity is never
mentioned: it would reveal that the friend uploaded the supporter's contact. A
shared household, though public in the voter file, is not mentioned either: the
supporter knows who they live with, and a wrong record link would make the
sentence intrusive. The only digits a reason can carry are a deadline's day.

``reasons_for`` depends on the pair only through ``reason_key``, so a caller
scoring many pairs can cache reasons by key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from outreach.matching.impact import (
    RECENT_ELECTIONS,
    ImpactBreakdown,
    is_registered,
    target_code,
)
from outreach.matching.matcher_settings import DISTRICT_CODES, MatcherSettings
from outreach.matching.tie import label_hints

if TYPE_CHECKING:
    from outreach.matching.features import PairFeatures

MAX_REASONS = 3
NOT_ON_FILE = "not on the voter file"
BY_AREA_CODE = "not on the voter file, placed by the phone's area code"
_OFF_FILE = (NOT_ON_FILE, BY_AREA_CODE)
TOP_WEIGHT = 0.5
CLOSE_SAID = 0.75
_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight")
_CHANNEL_WORDS = {"phone": "phone", "email": "email", "social": "social media"}


@dataclass(frozen=True, slots=True)
class ReasonKey:
    """Everything a pair's reasons depend on, and nothing else."""

    code: str | None
    top: bool
    state: str
    registered: bool
    history: tuple[int, int] | None  # (voted, elections) over the recent ones
    channels: tuple[str, ...]
    family: bool
    close_said: bool
    favorite: bool
    on_file: bool = True
    by_area_code: bool = False


ReasonInputs = tuple[
    str | None,
    str | None,
    str | None,
    tuple[bool, ...],
    frozenset[str],
    tuple[str, ...],
    bool,
    bool,
]


def reason_inputs(pair: PairFeatures) -> ReasonInputs:
    """The fields of ``pair`` that its reasons read: equal inputs give equal reasons."""
    return (
        pair.state,
        pair.district,
        pair.registration_status
        if pair.on_file
        else (BY_AREA_CODE if pair.by_area_code else NOT_ON_FILE),
        tuple(pair.vote_history[:RECENT_ELECTIONS]),
        pair.channels,
        pair.labels,
        pair.favorite,
        pair.closeness is not None and pair.closeness >= CLOSE_SAID,
    )


def reason_key(pair: PairFeatures, settings: MatcherSettings) -> ReasonKey:
    """The facts about ``pair`` that its reasons may use."""
    return key_from_inputs(reason_inputs(pair), settings)


def key_from_inputs(inputs: ReasonInputs, settings: MatcherSettings) -> ReasonKey:
    """The facts behind the reasons, from the pair's relevant fields."""
    state, district, status, recent, channels, labels, favorite, close_said = inputs
    code = target_code(state, district, settings)
    hints = label_hints(labels) if labels else None
    return ReasonKey(
        code=code,
        top=code is not None and settings.weight_of(code) >= TOP_WEIGHT,
        state=(state or "").strip().upper(),
        registered=status not in _OFF_FILE and is_registered(status),
        on_file=status not in _OFF_FILE,
        by_area_code=status == BY_AREA_CODE,
        history=(sum(1 for v in recent if v), len(recent)) if recent else None,
        channels=tuple(c for c in _CHANNEL_WORDS if c in channels),
        family=hints is not None and hints.family,
        close_said=close_said,
        favorite=favorite or (hints is not None and hints.favorite),
    )


def reasons_for(
    pair: PairFeatures,
    breakdown: ImpactBreakdown,
    settings: MatcherSettings,
    *,
    state_names: Mapping[str, str],
) -> list[str]:
    """Up to three plain reasons to ask this friend; none when there is no ask."""
    if not breakdown.eligible or breakdown.impact <= 0.0:
        return []
    return reasons_from_key(reason_key(pair, settings), settings, state_names=state_names)


def reasons_from_key(
    key: ReasonKey, settings: MatcherSettings, *, state_names: Mapping[str, str]
) -> list[str]:
    """The reasons for an eligible pair with these facts, most important first."""
    reasons: list[str] = []
    if key.code is not None:
        reasons.append(_place_reason(key.code, key.top, state_names, key.by_area_code))
    turnout = _turnout_reason(key, settings, state_names)
    if turnout:
        reasons.append(turnout)
    if key.family:
        reasons.append("You listed them as family")
    elif key.close_said:
        reasons.append("You said you're close")
    elif key.favorite:
        reasons.append("They're one of your favorites")
    if key.channels:
        words = [_CHANNEL_WORDS[c] for c in key.channels]
        reasons.append(f"You can reach them by {_join(words)}")
    return reasons[:MAX_REASONS]


def _place_reason(
    code: str, top: bool, state_names: Mapping[str, str], by_area_code: bool = False
) -> str:
    name = state_names.get(code, code)
    if by_area_code:  # where the number was given out, not surely where they live
        return f"Has a {name} phone number, a state this campaign is focused on"
    places = "places" if code in DISTRICT_CODES else "states"
    if top:
        return f"Lives in {name}, one of the {places} most likely to decide the election"
    return f"Lives in {name}, one of the {places} this campaign is focused on"


def _turnout_reason(
    key: ReasonKey, settings: MatcherSettings, state_names: Mapping[str, str]
) -> str | None:
    state = state_names.get(key.state, key.state)
    if not key.on_file:
        return _registration_reason(key, settings, state, "Not on the voter rolls we have")
    if not key.registered:
        deadline = settings.registration_deadlines.get(key.state)
        if key.state == "ND":
            return "Not yet on the voter rolls — North Dakota needs no registration to vote"
        if deadline is None or deadline >= settings.election_date:
            return f"Not yet registered — {state} lets voters register up to election day"
        return (
            f"Not yet registered — {state}'s registration deadline is {deadline:%B} {deadline.day}"
        )
    if key.history is None:
        return None
    voted, total = key.history
    if voted >= total:
        return None
    if total == 1:
        return "Registered, but didn't vote in the last election"
    elections = f"the last {_NUMBER_WORDS[total]} elections"
    if voted == 0:
        return f"Registered, but hasn't voted in any of {elections}"
    if voted * 2 > total:
        return f"Registered, and voted in {_NUMBER_WORDS[voted]} of {elections}: a nudge helps"
    return f"Registered, but has voted in only {_NUMBER_WORDS[voted]} of {elections}"


def _registration_reason(
    key: ReasonKey, settings: MatcherSettings, state: str, opening: str
) -> str:
    deadline = settings.registration_deadlines.get(key.state)
    if deadline is None or deadline >= settings.election_date:
        return f"{opening} — {state} lets voters register up to election day"
    return f"{opening} — {state}'s registration deadline is {deadline:%B} {deadline.day}"


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]
