"""Personal names: parsing a full name into parts, accent folding, and nickname canonical forms.

``canonical_first_name`` turns a given name or nickname into one key, so that "Bob",
"Bobby" and "Robert" block and compare together. The nickname data comes from the
``nicknames`` package (the carltonnorthern/nicknames list), which maps many nicknames to
several formal names and has a few inverted rows ("robert" listed as a nickname of "bob").
The pick among several formal names is deterministic:

1. a short table of common US nicknames whose answer the data leaves ambiguous or wrong
   (``bill`` -> ``william``, ``al`` -> ``albert``, ``chris`` -> ``christopher`` ...), kept
   in ``PREFERRED`` below;
2. otherwise the name itself, when it is a formal name in the data with at least as many
   nicknames as any formal name it could stand for ("robert", "william", "john");
3. otherwise the candidate formal name with the most nicknames, then the longest, then the
   first in alphabetical order.

``name_variants`` gives the whole neighbourhood (nicknames and formal names both ways) for
fuzzy comparison, where ambiguity does no harm.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from nameparser import HumanName
from nicknames import NickNamer

PREFERRED: dict[str, str] = {
    "beth": "elizabeth",
    "al": "albert", "alex": "alexander", "andy": "andrew", "abby": "abigail",
    "bill": "william", "billy": "william", "bob": "robert", "bobby": "robert",
    "cathy": "catherine", "chris": "christopher", "cindy": "cynthia", "dan": "daniel",
    "danny": "daniel", "debbie": "deborah", "drew": "andrew", "ally": "allison",
    "allie": "allison", "jess": "jessica", "jessie": "jessica", "katie": "katherine",
    "katy": "katherine", "kris": "christopher", "mandy": "amanda", "nick": "nicholas",
    "nicky": "nicholas", "don": "donald", "ed": "edward", "eddie": "edward",
    "fred": "frederick", "hank": "henry", "jack": "john", "jeff": "jeffrey", "jerry": "gerald",
    "jim": "james", "jimmy": "james", "joe": "joseph", "john": "john", "jon": "jonathan",
    "kate": "katherine", "kathy": "katherine", "ken": "kenneth", "kenny": "kenneth",
    "kim": "kimberly", "liz": "elizabeth", "lou": "louis", "mary": "mary", "maria": "maria",
    "matt": "matthew", "meg": "margaret", "mike": "michael", "mikey": "michael",
    "nate": "nathan", "pat": "patricia", "patty": "patricia", "peggy": "margaret",
    "rick": "richard", "ricky": "richard", "rob": "robert", "ron": "ronald",
    "ronnie": "ronald", "sam": "samuel", "sandy": "sandra", "steve": "stephen",
    "sue": "susan", "ted": "theodore", "terry": "terrence", "tom": "thomas",
    "tommy": "thomas", "tony": "anthony", "vince": "vincent", "will": "william",
    "zach": "zachary", "zack": "zachary",
}  # fmt: skip

_SPECIAL_LETTERS = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d",
     "Đ": "D", "þ": "th", "Þ": "TH", "œ": "oe", "Œ": "OE"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ParsedName:
    """A personal name split into its parts; absent parts are None."""

    first: str | None
    middle: str | None
    last: str | None
    suffix: str | None


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lowercase ASCII letters, digits and single spaces: accents and punctuation removed."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL_LETTERS))
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    cleaned = re.sub(r"[^a-z0-9 ]+", "", ascii_only.lower().replace("-", " "))
    return " ".join(cleaned.split())


@lru_cache(maxsize=16384)
def parse_name(full: str) -> ParsedName:
    """The parts of a full name ("Dr. Robert Smith Jr.", "Smith, John A.") via nameparser."""
    human = HumanName(" ".join(full.split()))

    def part(value: str) -> str | None:
        return value.strip() or None

    return ParsedName(
        first=part(human.first),
        middle=part(human.middle),
        last=part(human.last),
        suffix=part(human.suffix),
    )


def join_name(*parts: str | None) -> str:
    """The non-blank parts joined by single spaces."""
    return " ".join(p.strip() for p in parts if p and p.strip())


@lru_cache(maxsize=65536)
def canonical_first_name(first: str) -> str:
    """One lowercase, accent-folded key per given name: Bob, Bobby, Robert -> ``robert``."""
    key = _first_key(first)
    if not key:
        return ""
    return _canonical(key)


def name_variants(first: str) -> set[str]:
    """The folded name, its canonical form, and their nicknames and formal names."""
    key = _first_key(first)
    if not key:
        return set()
    namer = _namer()
    canonical = _canonical(key)
    variants = {key, canonical}
    variants |= namer.canonicals_of(key) | namer.nicknames_of(key)
    variants |= namer.nicknames_of(canonical)
    return {fold(v) for v in variants if v}


def full_name_key(first: str | None, last: str | None, display: str | None = None) -> str:
    """A folded "first last" key for comparing two people's names, nicknames canonical."""
    if first or last:
        first_part = canonical_first_name(first) if first else ""
        return join_name(first_part, fold(last or ""))
    if display:
        parsed = parse_name(display)
        if parsed.first or parsed.last:
            return full_name_key(parsed.first, parsed.last)
        return fold(display)
    return ""


def _first_key(first: str) -> str:
    """The first token of the folded given name ("Mary-Jane" -> "mary")."""
    folded = fold(first)
    return folded.split(" ", 1)[0] if folded else ""


FORMAL_NAME_NICKNAMES = 3


@lru_cache(maxsize=8192)
def _canonical(key: str) -> str:
    """The canonical formal name for a folded key, by the rules in the module docstring."""
    if key in PREFERRED:
        return PREFERRED[key]
    namer = _namer()
    candidates = namer.canonicals_of(key)
    if not candidates or len(namer.nicknames_of(key)) >= FORMAL_NAME_NICKNAMES:
        # A name with several nicknames of its own is a given name: Michael stays michael.
        return key
    best = min(candidates, key=lambda c: (-len(namer.nicknames_of(c)), -len(c), c))
    if len(namer.nicknames_of(key)) >= len(namer.nicknames_of(best)):
        return key
    return PREFERRED.get(best, best)


@lru_cache(maxsize=1)
def _namer() -> NickNamer:
    """The nickname tables, loaded once per process."""
    return NickNamer()
