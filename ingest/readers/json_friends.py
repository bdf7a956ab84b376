"""JSON friend-list exports: ``{"friends": [...]}``, a bare list, and Facebook's
``{"friends_v2": [...]}`` (entries ``{"name": ..., "timestamp": ...}``).

Entries may carry ``name`` (or ``first_name``/``last_name``), ``location`` as an object
(``city``, ``state``, ``zip``) or as text ("Madison, Wisconsin"), ``phone(s)``,
``email(s)``, ``birth_year``/``birthday``, ``labels``, ``favorite`` and ``closeness``.
Every contact is marked ``social``. Facebook writes UTF-8 text as Latin-1 escapes
("Jos\\u00c3\\u00a9"); such strings are repaired. Each entry's line is where its value
starts in the file, found by decoding the friend list element by element.
"""

from __future__ import annotations

import json
from typing import Any

from ingest.encoding import fix_mojibake
from ingest.normalize import normalize_state
from ingest.readers.base import ContactBuilder, ContactReadResult, RawContact
from ingest.records import ContactRecord
from outreach.core.errors import FileRejected, RowError

FRIEND_KEYS = ("friends_v2", "friends")
_DECODER = json.JSONDecoder()
_WS = " \t\r\n"


def looks_like_json(text: str) -> bool:
    """True when the text starts like a JSON object or array."""
    return text.lstrip("\ufeff" + _WS)[:1] in ("{", "[")


def friend_entries(text: str) -> list[tuple[int, Any]]:
    """Each friend entry with the line it starts on; FileRejected when there is no list."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileRejected(
            f"line {exc.lineno}: the file is not valid JSON ({exc.msg}, column {exc.colno})",
            line=exc.lineno,
        ) from exc
    except RecursionError as exc:
        raise FileRejected("the JSON is nested too deeply to be a friend list") from exc
    except ValueError as exc:  # e.g. an integer of thousands of digits
        raise FileRejected(f"the JSON holds a value that cannot be read: {exc}") from exc
    try:
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise FileRejected(
            "the JSON holds a lone UTF-16 surrogate escape (\\uD800-\\uDFFF), which is not text"
        ) from exc
    except (RecursionError, ValueError) as exc:
        raise FileRejected("the JSON is nested too deeply to be a friend list") from exc
    start = _skip(text, 0)
    if isinstance(document, list):
        return _array(text, start)
    if isinstance(document, dict):
        for key in FRIEND_KEYS:
            if isinstance(document.get(key), list):
                return _array(text, _value_position(text, start, key))
    raise FileRejected(
        'the JSON has no friend list; expected {"friends": [...]}, {"friends_v2": [...]} '
        "or a list of friends",
        expected=list(FRIEND_KEYS),
        found=sorted(document) if isinstance(document, dict) else [type(document).__name__],
    )


def read_json_friends(text: str, *, builder: ContactBuilder) -> ContactReadResult:
    """Every friend in a JSON friend-list export; bad entries become ``RowError``s."""
    records: list[ContactRecord] = []
    rejected: list[RowError] = []
    for line, entry in friend_entries(text):
        if isinstance(entry, str):
            entry = {"name": entry}
        if not isinstance(entry, dict):
            rejected.append(RowError(line, None, "friend entry is not an object"))
            continue
        result = builder.build(_raw(line, entry))
        if isinstance(result, ContactRecord):
            records.append(result)
        else:
            rejected.append(result)
    return ContactReadResult(records, rejected, "json", len(records) + len(rejected))


def _skip(text: str, pos: int) -> int:
    """The first position at or after ``pos`` that is not whitespace."""
    while pos < len(text) and text[pos] in _WS + "\ufeff":
        pos += 1
    return pos


def _value_position(text: str, start: int, wanted: str) -> int:
    """Where the value of top-level key ``wanted`` starts in a JSON object at ``start``."""
    pos = _skip(text, start + 1)
    while text[pos] != "}":
        key, pos = _DECODER.raw_decode(text, pos)
        pos = _skip(text, _skip(text, pos) + 1)  # past the colon
        if key == wanted:
            return pos
        _, pos = _DECODER.raw_decode(text, pos)
        pos = _skip(text, pos)
        if text[pos] == ",":
            pos = _skip(text, pos + 1)
    raise FileRejected(f"the JSON has no {wanted!r} list")


def _array(text: str, start: int) -> list[tuple[int, Any]]:
    """The elements of the JSON array at ``start``, each with its starting line."""
    items: list[tuple[int, Any]] = []
    pos = _skip(text, start + 1)
    line, counted = 1, 0
    while text[pos] != "]":
        line += text.count("\n", counted, pos)
        counted = pos
        value, pos = _DECODER.raw_decode(text, pos)
        items.append((line, value))
        pos = _skip(text, pos)
        if text[pos] == ",":
            pos = _skip(text, pos + 1)
    return items


def _str(value: Any) -> str | None:
    """A scalar JSON value as repaired text, or None."""
    if value is None or isinstance(value, dict | list):
        return None
    text = fix_mojibake(str(value)).strip()
    return text or None


def _strs(value: Any) -> list[str]:
    """A JSON string or list of strings as a list of texts."""
    values = value if isinstance(value, list) else [value]
    return [text for v in values if (text := _str(v))]


def _raw(line: int, entry: dict[str, Any]) -> RawContact:
    """The raw contact values of one friend entry."""
    location = entry.get("location")
    city, state, zip_code = _str(entry.get("city")), _str(entry.get("state")), None
    if isinstance(location, dict):
        city = _str(location.get("city")) or city
        state = _str(location.get("state") or location.get("region")) or state
        zip_code = _str(location.get("zip") or location.get("postal_code"))
    elif isinstance(location, str) and location.strip():
        place, _, region = fix_mojibake(location).rpartition(",")
        if not place and normalize_state(region) is None:
            place, region = region, ""  # "Madison": a city alone
        city, state = place.strip() or city, region.strip() or state
    zip_code = zip_code or _str(entry.get("zip"))
    favorite = entry.get("favorite", entry.get("starred", False))
    return RawContact(
        line=line,
        name=_str(entry.get("name") or entry.get("full_name") or entry.get("display_name")),
        first=_str(entry.get("first_name")),
        middle=_str(entry.get("middle_name")),
        last=_str(entry.get("last_name")),
        phones=_strs(entry.get("phones", entry.get("phone"))),
        emails=_strs(entry.get("emails", entry.get("email"))),
        city=city,
        state=state,
        zip=zip_code,
        birth_year=_str(entry.get("birth_year", entry.get("birthday"))),
        labels=_strs(entry.get("labels", entry.get("groups"))),
        favorite=favorite is True or (isinstance(favorite, str) and favorite.lower() == "true"),
        closeness=_str(entry.get("closeness")),
        social=True,
    )
