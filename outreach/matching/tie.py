"""Tie strength between a supporter and a friend, on the model's 0..1 scale.

The signals, and how they map onto the levels of ``MatcherSettings.tie_values``
(defaults: household 1.0, close 1.0, friend 0.5, acquaintance 0.2):

- **household**: the two share a household in the voter file -> ``household``.
- **strong**: the supporter's export labels the friend as family (family, mom, dad,
  sister, brother, spouse, partner, wife, husband, son, daughter, ...) or as a best
  friend -> ``close``.
- **medium**: each of these counts once: two or more channels link the two (phone,
  email, social); reciprocity (the friend is also a supporter whose own upload
  contains the first); the supporter marked the friend a favorite (or "starred");
  a plain "friend" label. One medium signal -> ``friend``; two -> halfway between
  ``friend`` and ``close`` (0.75 by default); three or more -> ``close``.
- **none of the above**: one channel, or only a listing in the contacts ->
  ``acquaintance``.

The tie is the highest level any signal reaches, so adding a signal never lowers
it. When the supporter set a closeness themselves (0..1), it overrides every
inferred signal: the supporter knows the friendship better than the metadata.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from outreach.matching.matcher_settings import MatcherSettings

TIE_CHANNELS = frozenset({"phone", "email", "social"})
FAMILY_WORDS = frozenset(
    {
        "family",
        "fam",
        "relative",
        "relatives",
        "mom",
        "mother",
        "mum",
        "mama",
        "dad",
        "father",
        "papa",
        "parent",
        "parents",
        "sister",
        "brother",
        "sibling",
        "siblings",
        "sis",
        "bro",
        "spouse",
        "partner",
        "wife",
        "husband",
        "fiance",
        "fiancee",
        "son",
        "daughter",
        "child",
        "kid",
        "kids",
        "grandma",
        "grandpa",
        "grandmother",
        "grandfather",
        "grandparent",
        "aunt",
        "uncle",
        "cousin",
        "niece",
        "nephew",
        "stepmom",
        "stepdad",
        "stepmother",
        "stepfather",
        "in-law",
        "bestie",
        "bff",
    }
)
_BEST_FRIEND = re.compile(r"\bbest\s*friends?\b")
FRIEND_WORDS = frozenset({"friend", "friends", "close friends"})
FAVORITE_WORDS = frozenset({"starred", "favorite", "favorites", "favourite", "favourites"})
_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")


@dataclass(frozen=True, slots=True)
class TieSignals:
    """What links a supporter to one friend: channels, reciprocity, household, hints."""

    channels: frozenset[str] = frozenset()
    reciprocal: bool = False
    same_household: bool = False
    favorite: bool = False
    labels: tuple[str, ...] = ()
    closeness: float | None = None


@dataclass(frozen=True, slots=True)
class LabelHints:
    """What a contact's labels say: family, friend, favorite."""

    family: bool = False
    friend: bool = False
    favorite: bool = False


def label_hints(labels: Iterable[str]) -> LabelHints:
    """Read family, friend and favorite hints from export labels, case-insensitively."""
    family = friend = favorite = False
    for label in labels:
        text = label.strip().lower().lstrip("*").strip()
        words = set(_WORD.findall(text))
        if words & FAMILY_WORDS or _BEST_FRIEND.search(text):
            family = True
        if text in FRIEND_WORDS or words & {"friend", "friends"}:
            friend = True
        if text in FAVORITE_WORDS or words & FAVORITE_WORDS:
            favorite = True
    return LabelHints(family=family, friend=friend, favorite=favorite)


def medium_signal_count(signals: TieSignals, hints: LabelHints) -> int:
    """How many medium signals link the two: several channels, reciprocity, favorite, friend."""
    channels = len(signals.channels & TIE_CHANNELS)
    return (
        (channels >= 2) + signals.reciprocal + (signals.favorite or hints.favorite) + hints.friend
    )


def tie_strength(signals: TieSignals, settings: MatcherSettings) -> float:
    """Tie strength in 0..1: the supporter's closeness if set, else the strongest signal."""
    if signals.closeness is not None:
        return min(1.0, max(0.0, float(signals.closeness)))
    tv = settings.tie_values
    hints = label_hints(signals.labels) if signals.labels else LabelHints()
    tie = tv["acquaintance"]
    if signals.same_household:
        tie = max(tie, tv["household"])
    if hints.family:
        tie = max(tie, tv["close"])
    medium = medium_signal_count(signals, hints)
    if medium >= 3:
        tie = max(tie, tv["close"])
    elif medium == 2:
        tie = max(tie, (tv["friend"] + tv["close"]) / 2)
    elif medium == 1:
        tie = max(tie, tv["friend"])
    return tie
