"""The splink model of contact-to-voter linkage: its columns, comparisons and blocking.

Comparisons (see :func:`comparisons`): phone (any keyed hash of the contact's against the
voter's, then the same number with two adjacent digits swapped), email, first name
(exact, canonical, a known nickname, Jaro-Winkler, the other's middle name), last name
(exact, Damerau-Levenshtein, Jaro-Winkler), place (ZIP code, city and state, state, or the
state of the phone's area code when no state is given: one comparison, since these say
the same thing) and birth year. Blocking (:func:`blocking_rules`): phone, swapped phone,
email, the ``first|last`` name key, last name with state or ZIP, first name with ZIP or
city.

:func:`contact_rows` and :func:`voter_rows` turn contacts and graph voters into rows of
:data:`SCHEMA`, the one table layout both sides share.

The parameters ship in ``link_model.json``, estimated once with
``ingest.link_files.train_model`` on a generated voter file and contacts with their truth
(seed 7, 20,000 of each; ``python -m bench.linkage_quality --train-model
ingest/link_model.json``): m counted on the labelled contact-voter pairs, u from random
pairs, the prior from the labelled pairs' share of all pairs. The generated contacts
include stale voter-file phones and emails (``phone_changed``, ``email_changed`` in
``outreach/demo/linkage.py``), so a phone that disagrees is learned as weak evidence
against a match (m about 0.15), not as a veto.

Names carry no term-frequency adjustment. Tried with frequencies from the training voter
file, it made an exact rare name a near-certain link; but contacts who carry a voter's
exact name without being that voter (namesakes) carry rare names as often as the voters
themselves do, and the recall the benchmark reaches at 98% precision fell (0.81 to 0.77).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, block_on
from splink.blocking_rule_library import CustomRule

from ingest.area_codes import state_of_phone
from ingest.keys import fold, name_key
from ingest.linking import KeyedContact
from ingest.names import canonical_first_name, name_variants
from ingest.names import fold as fold_words
from outreach.core.errors import InvalidInput
from outreach.core.hashing import keyed_hash

if TYPE_CHECKING:
    from splink.internals.comparison_creator import ComparisonCreator

MODEL_PATH = Path(__file__).with_name("link_model.json")
# m probabilities for evidence the demo contacts never carry, so not estimated: birth year
# (same, one year apart, other) and a first name that is the other's middle name.
_BIRTH_YEAR_M = (0.90, 0.06, 0.04)
_MIDDLE_M = 0.01

SCHEMA = pa.schema(
    [
        ("unique_id", pa.string()),
        ("first_name", pa.string()),
        ("first_canonical", pa.string()),
        ("first_variants", pa.list_(pa.string())),
        ("middle_canonical", pa.string()),
        ("last_name", pa.string()),
        ("name_key", pa.string()),
        ("phone_keys", pa.list_(pa.string())),
        ("phone_near_keys", pa.list_(pa.string())),
        ("email_keys", pa.list_(pa.string())),
        ("city", pa.string()),
        ("state", pa.string()),
        ("phone_states", pa.list_(pa.string())),
        ("zip", pa.string()),
        ("birth_year", pa.int32()),
    ]
)


_NICKNAME = (
    "list_contains(first_variants_r, first_name_l) OR list_contains(first_variants_l, first_name_r)"
)
_SWAPPED = (
    "list_has_any(phone_near_keys_l, phone_keys_r) OR list_has_any(phone_keys_l, phone_near_keys_r)"
)
_MIDDLE = "first_canonical_l = middle_canonical_r OR middle_canonical_l = first_canonical_r"
_NO_PLACE = " OR ".join(
    f"(state_{s} IS NULL AND city_{s} IS NULL AND zip_{s} IS NULL AND phone_states_{s} IS NULL)"
    for s in "lr"
)
_PLACE_LEVELS = (
    ("zip_l = zip_r", "same ZIP code"),
    ("city_l = city_r AND state_l = state_r", "same city and state"),
    ("city_l = city_r AND (state_l IS NULL OR state_r IS NULL)", "same city, a state unknown"),
    ("state_l = state_r", "same state"),
    (
        "(state_l IS NULL AND list_contains(phone_states_l, state_r)) "
        "OR (state_r IS NULL AND list_contains(phone_states_r, state_l))",
        "no state given, a phone's area code in the other's state",
    ),
)


def comparisons() -> list[ComparisonCreator | dict[str, Any]]:
    """The comparisons of the model.

    City, state, ZIP code and the area code of the phone all say where someone lives, so
    they form one comparison of ordered levels rather than four that would count the
    same evidence several times.
    """
    return [
        _compared(
            "phone",
            cll.NullLevel("phone_keys"),
            cll.ArrayIntersectLevel("phone_keys"),
            cll.CustomLevel(_SWAPPED, "the same phone but for two adjacent digits swapped"),
        ),
        _compared("email", cll.NullLevel("email_keys"), cll.ArrayIntersectLevel("email_keys")),
        _compared(
            "first_name",
            cll.NullLevel("first_name"),
            cll.ExactMatchLevel("first_name"),
            cll.ExactMatchLevel("first_canonical"),
            cll.CustomLevel(_NICKNAME, "one first name is a nickname of the other"),
            cll.JaroWinklerLevel("first_name", 0.92),
            cll.CustomLevel(_MIDDLE, "first name is the other's middle name").configure(
                m_probability=_MIDDLE_M, fix_m_probability=True
            ),
            cll.JaroWinklerLevel("first_name", 0.8),
        ),
        _compared(
            "last_name",
            cll.NullLevel("last_name"),
            cll.ExactMatchLevel("last_name"),
            cll.DamerauLevenshteinLevel("last_name", 1),
            cll.JaroWinklerLevel("last_name", 0.88),
        ),
        _compared(
            "place",
            cll.CustomLevel(_NO_PLACE, "no place given").configure(is_null_level=True),
            *(cll.CustomLevel(sql, label) for sql, label in _PLACE_LEVELS),
        ),
        _compared(
            "birth_year",
            cll.NullLevel("birth_year"),
            cll.ExactMatchLevel("birth_year").configure(
                m_probability=_BIRTH_YEAR_M[0], fix_m_probability=True
            ),
            cll.AbsoluteDifferenceLevel("birth_year", 1).configure(
                m_probability=_BIRTH_YEAR_M[1], fix_m_probability=True
            ),
            else_m=_BIRTH_YEAR_M[2],
        ),
    ]


def _compared(name: str, *levels: Any, else_m: float | None = None) -> cl.CustomComparison:
    """A comparison named ``name``: the given levels, then everything else."""
    other = cll.ElseLevel()
    if else_m is not None:
        other.configure(m_probability=else_m, fix_m_probability=True)
    return cl.CustomComparison([*levels, other], output_column_name=name)


def blocking_rules() -> list[Any]:
    """Which pairs are scored at all: shared phone, email, name key, or surname and place."""
    return [
        block_on("phone_keys", arrays_to_explode=["phone_keys"]),
        CustomRule(
            "l.phone_near_keys = r.phone_keys", arrays_to_explode=["phone_near_keys", "phone_keys"]
        ),
        block_on("email_keys", arrays_to_explode=["email_keys"]),
        block_on("name_key"),
        block_on("last_name", "state"),
        block_on("last_name", "zip"),
        block_on("first_name", "zip"),
        block_on("first_name", "city"),
    ]


def contact_rows(
    contacts: Sequence[KeyedContact], *, secret: str | None = None
) -> list[dict[str, Any]]:
    """Model rows for contacts; each row's id is the contact's position.

    With the hashing ``secret``, a contact's phones also get the keys of every number
    one swap of adjacent digits away, so that a mistyped number can still agree.
    """
    return [
        _row(
            str(i),
            first=contact.record.first_name,
            middle=contact.record.middle_name,
            last=contact.record.last_name,
            phones=contact.record.phones,
            phone_keys=contact.phone_keys,
            phone_near_keys=swapped_phone_keys(secret, contact.record.phones) if secret else [],
            email_keys=contact.email_keys,
            place=(contact.record.city, contact.record.state, contact.record.zip),
            birth_year=contact.record.birth_year,
        )
        for i, contact in enumerate(contacts)
    ]


def voter_rows(voters: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Model rows for candidate voters (graph rows), each voter once.

    Graph rows carry no raw phone; a ``phone`` value, when given (training), adds the
    state of the phone's area code.
    """
    rows, seen = [], set()
    for voter in voters:
        voter_id = str(voter["voter_id"])
        if voter_id in seen:
            continue
        seen.add(voter_id)
        rows.append(
            _row(
                voter_id,
                first=voter.get("first_name"),
                middle=voter.get("middle_name"),
                last=voter.get("last_name"),
                phones=[voter["phone"]] if voter.get("phone") else [],
                phone_keys=[voter["phone_hash"]] if voter.get("phone_hash") else [],
                phone_near_keys=[],
                email_keys=[voter["email_hash"]] if voter.get("email_hash") else [],
                place=(voter.get("city"), voter.get("state"), voter.get("zip")),
                birth_year=voter.get("birth_year"),
            )
        )
    return rows


def _row(
    unique_id: str,
    *,
    first: str | None,
    middle: str | None,
    last: str | None,
    phones: Sequence[str],
    phone_keys: Sequence[str],
    phone_near_keys: Sequence[str],
    email_keys: Sequence[str],
    place: tuple[str | None, str | None, str | None],
    birth_year: int | None,
) -> dict[str, Any]:
    """One model row; blanks become nulls, so that they count as no evidence."""
    words = fold_words(first) if first else ""
    first_word = words.split(" ", 1)[0]
    canonical = canonical_first_name(first) if first else ""
    middle_canonical = canonical_first_name(middle) if middle else ""
    city, state, zip_code = place
    phone_states = sorted({s for s in map(state_of_phone, phones) if s})
    return {
        "unique_id": unique_id,
        "first_name": first_word or None,
        "first_canonical": canonical or None,
        "first_variants": _variants(first_word) if first_word else None,
        "middle_canonical": middle_canonical or None,
        "last_name": fold(last) or None,
        "name_key": name_key(canonical, last) if canonical else None,
        "phone_keys": list(phone_keys) or None,
        "phone_near_keys": list(phone_near_keys) or None,
        "email_keys": list(email_keys) or None,
        "city": fold(city) or None,
        "state": state.upper() if state else None,
        "phone_states": phone_states or None,
        "zip": zip_code[:5] if zip_code else None,
        "birth_year": birth_year,
    }


def swapped_phone_keys(secret: str, phones: Sequence[str]) -> list[str]:
    """Keyed hashes of each phone with one pair of adjacent digits swapped (E.164 in)."""
    return sorted(keyed_hashes(secret, "phone", swapped_phones(phones)))


def swapped_phones(phones: Sequence[str]) -> set[str]:
    """Each phone with one pair of adjacent (different) digits swapped (E.164 in and out)."""
    swaps: set[str] = set()
    for phone in phones:
        prefix, digits = (
            (phone[:2], phone[2:]) if phone.startswith("+1") else (phone[:1], phone[1:])
        )
        for i in range(len(digits) - 1):
            if digits[i] != digits[i + 1]:
                swaps.add(prefix + digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :])
    return swaps


def keyed_hashes(secret: str, kind: str, values: Iterable[str]) -> list[str]:
    """``outreach.core.hashing.keyed_hash(secret, kind, v)`` of each value, in order."""
    return [keyed_hash(secret, kind, value) for value in values]


@lru_cache(maxsize=65536)
def _variants(first: str) -> list[str] | None:
    """The nicknames and formal names of a folded first name, sorted."""
    return sorted(name_variants(first)) or None


def load_model(path: Path = MODEL_PATH) -> dict[str, Any]:
    """A trained model's settings, as saved by :func:`save_model`; InvalidInput if unreadable."""
    try:
        model = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"cannot read the linkage model {path}: {exc}") from exc
    if not isinstance(model, dict) or "comparisons" not in model:
        raise InvalidInput(f"{path} is not a saved linkage model")
    return model


def save_model(model: dict[str, Any], path: Path) -> None:
    """Write a trained model's settings as JSON."""
    Path(path).write_text(json.dumps(model, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def duckdb_api() -> DuckDBAPI:
    """An in-memory DuckDB for splink, quiet (no progress bar)."""
    db = DuckDBAPI()
    db.duckdb_con.execute("SET enable_progress_bar = false")
    return db
