"""Street addresses reduced to the parts linkage compares: number, street name, unit.

``parse_street`` takes one address line as people write it ("12b Pinkerton Cct, Unit 4",
"1600 Pennsylvania Avenue NW Apt. 3") and returns the house number, the street name with
its usual abbreviations spelled one way (USPS Publication 28's suffixes and directions,
and the Australian and British ones that differ), and the unit. It is deliberately
small: linkage compares the parts exactly and fuzzily, so it only has to make the same
street come out the same way from both files, in any country.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_SUFFIXES = {
    "st": "street", "str": "street", "rd": "road", "ave": "avenue", "av": "avenue",
    "avn": "avenue", "blvd": "boulevard", "dr": "drive", "drv": "drive", "ln": "lane",
    "ct": "court", "crt": "court", "pl": "place", "plc": "place", "cres": "crescent",
    "cr": "crescent", "cct": "circuit", "cir": "circle", "hwy": "highway", "pkwy": "parkway",
    "pde": "parade", "tce": "terrace", "ter": "terrace", "terr": "terrace", "sq": "square",
    "cl": "close", "way": "way", "wy": "way", "trl": "trail", "ctr": "center",
    "centre": "center", "mt": "mount", "hts": "heights", "esp": "esplanade", "gr": "grove",
    "gdns": "gardens", "pt": "point", "expy": "expressway", "fwy": "freeway",
}  # fmt: skip
_DIRECTIONS = {
    "n": "north", "s": "south", "e": "east", "w": "west", "ne": "northeast",
    "nw": "northwest", "se": "southeast", "sw": "southwest",
}  # fmt: skip
_UNIT_WORDS = ("apartment", "apt", "unit", "suite", "ste", "flat", "lot", "room", "rm", "#")
_UNIT = re.compile(
    r"(?:^|\s)(?:" + "|".join(re.escape(w) for w in _UNIT_WORDS) + r")\.?\s*#?\s*([a-z0-9-]+)\b"
)
_NUMBER = re.compile(r"^(\d+[a-z]?)(?:\s*[-/]\s*(\d+[a-z]?))?\b")
_NOT_WORD = re.compile(r"[^a-z0-9#/ -]+")
_SEPARATORS = re.compile(r"[#/-]")


@dataclass(frozen=True, slots=True)
class Street:
    """The compared parts of an address line; any of them may be None."""

    number: str | None
    name: str | None
    unit: str | None

    @property
    def full(self) -> str | None:
        """Number, street and unit as one normalized string, or None when there is no street."""
        if not self.name:
            return None
        return " ".join(p for p in (self.number, self.name, self.unit and f"#{self.unit}") if p)


@lru_cache(maxsize=65536)
def parse_street(line: str | None) -> Street:
    """The number, normalized street name and unit of one address line."""
    if not line:
        return Street(None, None, None)
    if line.isascii():  # most lines: decomposing them changes nothing
        text = line.lower()
    else:
        text = unicodedata.normalize("NFKD", line).encode("ascii", "ignore").decode().lower()
    text = " ".join(_NOT_WORD.sub(" ", text).split())
    unit = None
    found = _UNIT.search(text)
    if found:
        unit = found.group(1)
        text = (text[: found.start()] + " " + text[found.end() :]).strip()
    number = None
    lead = _NUMBER.match(text)
    if lead:
        # "4/12 smith st" and "4-12 smith st" are unit 4 at number 12
        if lead.group(2):
            unit = unit or lead.group(1)
            number = lead.group(2)
        else:
            number = lead.group(1)
        text = text[lead.end() :].strip()
    words = _SEPARATORS.sub(" ", text).split()
    words = [_DIRECTIONS.get(w, w) if i in (0, len(words) - 1) else w for i, w in enumerate(words)]
    if words:
        words[-1] = _SUFFIXES.get(words[-1], words[-1])
        if len(words) > 1 and words[-1] in _DIRECTIONS.values():
            words[-2] = _SUFFIXES.get(words[-2], words[-2])
    name = " ".join(words) or None
    return Street(number=number, name=name, unit=unit)
