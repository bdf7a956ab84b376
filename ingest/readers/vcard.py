"""vCard 3.0 and 4.0 files (Apple, Android and Google exports), parsed card by card.

The file is cut into cards at ``BEGIN:VCARD`` / ``END:VCARD`` lines first, so a card that
vobject cannot parse is rejected with its line and the others still load. Each card then
goes through ``vobject.readComponents``, which unfolds continuation lines and decodes
parameters.

Read: ``FN`` and ``N``; every ``TEL`` (``tel:`` URIs of vCard 4.0 included) and ``EMAIL``;
the first ``ADR`` with a locality, region or postal code; ``BDAY``; ``CATEGORIES`` as
labels. A card is a favorite when ``X-FAVORITE``/``X-STARRED`` is true, when a category
is "starred" or "Favorites", or when an ``X-ABLABEL`` says "Favorite".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import vobject

from ingest.normalize import parse_flag
from ingest.readers.base import ContactBuilder, ContactReadResult, RawContact
from ingest.records import ContactRecord
from outreach.core.errors import RowError

FAVORITE_CATEGORIES = frozenset({"starred", "favorites", "favourites", "favorite", "favourite"})
SOURCES = {
    "name": "FN", "first_name": "N", "middle_name": "N", "last_name": "N", "phone": "TEL",
    "email": "EMAIL", "city": "ADR", "state": "ADR", "zip": "ADR", "birth_year": "BDAY",
    "labels": "CATEGORIES",
}  # fmt: skip
_LINES = re.compile(r"\r\n|\n|\r")


def looks_like_vcard(text: str) -> bool:
    """True when the text starts with a vCard."""
    return text.lstrip("\ufeff \t\r\n").upper().startswith("BEGIN:VCARD")


def split_cards(text: str) -> Iterator[tuple[int, str] | RowError]:
    """Each card's first line number and text, or a RowError for text outside any card."""
    lines = _LINES.split(text)
    start: int | None = None
    depth = 0
    stray: int | None = None
    for number, line in enumerate(lines, start=1):
        token = line.strip().upper()
        if token == "BEGIN:VCARD":
            if depth == 0:
                start = number
            depth += 1
        elif token == "END:VCARD" and depth > 0:
            depth -= 1
            if depth == 0 and start is not None:
                yield start, "\n".join(lines[start - 1 : number]) + "\n"
                start = None
        elif depth == 0 and token:
            if stray is None:
                stray = number
                yield RowError(number, None, "text outside a vCard (no BEGIN:VCARD before it)")
            continue
        stray = None
    if start is not None:
        yield RowError(start, None, "vCard is not closed: END:VCARD is missing")


def read_vcards(text: str, *, builder: ContactBuilder) -> ContactReadResult:
    """Every contact in a vCard file; cards that cannot be read become ``RowError``s."""
    records: list[ContactRecord] = []
    rejected: list[RowError] = []
    for item in split_cards(text):
        if isinstance(item, RowError):
            rejected.append(item)
            continue
        line, card_text = item
        try:
            card = _parse(card_text)
            raw = _raw(line, card)
            raw.field_lines = _field_lines(line, card_text)
        except Exception as exc:  # vobject raises several unrelated types on bad input
            rejected.append(_parse_error(line, card_text, exc))
            continue
        result = builder.build(raw)
        if isinstance(result, ContactRecord):
            records.append(result)
        else:
            rejected.append(result)
    return ContactReadResult(records, rejected, "vcf", len(records) + len(rejected))


def _parse(card_text: str) -> Any:
    """The one vobject component in ``card_text``."""
    components = list(vobject.readComponents(card_text, validate=False))
    if len(components) != 1:
        raise ValueError("expected exactly one card")
    return components[0]


def _parse_error(start: int, card_text: str, exc: Exception) -> RowError:
    """A RowError at the line vobject could not parse when it can be found, else the card's.

    vobject's own line counts drift, so the bad line is found by its text.
    """
    message = getattr(exc, "msg", None) or str(exc)
    prefix = "Failed to parse line:"
    if isinstance(message, str) and message.startswith(prefix):
        bad = message[len(prefix) :].strip()
        for offset, text in enumerate(card_text.split("\n")):
            if text.strip() and bad.startswith(text.strip()):
                return RowError(start + offset, None, "vCard line is not a property (NAME:value)")
        return RowError(start, None, "vCard has a line that is not a property (NAME:value)")
    return RowError(start, None, f"vCard could not be read: {str(message)[:80]}")


def _field_lines(start: int, card_text: str) -> dict[str, int]:
    """The line of the first property behind each logical field, for error messages."""
    first_line: dict[str, int] = {}
    for offset, text in enumerate(card_text.split("\n")):
        head = re.split(r"[;:]", text, maxsplit=1)[0].rsplit(".", 1)[-1].strip().upper()
        first_line.setdefault(head, start + offset)
    return {name: first_line[prop] for name, prop in SOURCES.items() if prop in first_line}


def _text(value: Any) -> str | None:
    """A vobject value (string or list of strings) as one stripped string, or None."""
    if value is None:
        return None
    if isinstance(value, list | tuple):
        value = " ".join(str(v) for v in value if v)
    text = str(value).strip()
    return text or None


def _all(card: Any, name: str) -> list[Any]:
    """Every property ``name`` (lowercase) of the card."""
    return list(card.contents.get(name, []))


def _raw(line: int, card: Any) -> RawContact:
    """The raw contact values of one parsed card."""
    first = middle = last = None
    for prop in _all(card, "n")[:1]:
        n = prop.value
        first, middle, last = (
            _text(getattr(n, "given", None)),
            _text(getattr(n, "additional", None)),
            _text(getattr(n, "family", None)),
        )
    name = next((_text(p.value) for p in _all(card, "fn")), None)
    city = state = zip_code = None
    for prop in _all(card, "adr"):
        adr = prop.value
        city, state, zip_code = (
            _text(getattr(adr, "city", None)),
            _text(getattr(adr, "region", None)),
            _text(getattr(adr, "code", None)),
        )
        if city or state or zip_code:
            break
    categories: list[str] = []
    for prop in _all(card, "categories"):
        values = prop.value if isinstance(prop.value, list) else str(prop.value).split(",")
        categories.extend(v.strip() for v in values if v and v.strip())
    favorite = any(c.lower() in FAVORITE_CATEGORIES for c in categories)
    favorite |= any(
        parse_flag(_text(p.value)) for key in ("x-favorite", "x-starred") for p in _all(card, key)
    )
    favorite |= any("favo" in (_text(p.value) or "").lower() for p in _all(card, "x-ablabel"))
    return RawContact(
        line=line,
        name=name,
        first=first,
        middle=middle,
        last=last,
        phones=[t for p in _all(card, "tel") if (t := _text(p.value))],
        emails=[e for p in _all(card, "email") if (e := _text(p.value))],
        city=city,
        state=state,
        zip=zip_code,
        birth_year=next((_text(p.value) for p in _all(card, "bday")), None),
        labels=[c for c in categories if c.lower() not in FAVORITE_CATEGORIES],
        favorite=favorite,
        sources=SOURCES,
    )
