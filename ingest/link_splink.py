"""Probabilistic linkage of contacts to voters: a Fellegi-Sunter model run by splink on DuckDB.

Comparisons (see :func:`comparisons`): phone (any keyed hash of the contact's against the
voter's, then the same number with two adjacent digits swapped), email, first name
(exact, canonical, a known nickname, Jaro-Winkler, the other's middle name), last name
(exact, Damerau-Levenshtein, Jaro-Winkler), place (ZIP code, city and state, state, or the
state of the phone's area code when no state is given: one comparison, since these say
the same thing) and birth year. Blocking (:func:`blocking_rules`): phone, swapped phone,
email, the ``first|last`` name key, last name with state or ZIP, first name with ZIP or
city.

The parameters ship in ``link_model.json``, estimated once with
``ingest.link_files.train_model`` on a generated voter file and contacts (seed 7, 20,000
of each; ``python bench/linkage_quality.py --train-model ingest/link_model.json``):
u by random sampling, m by expectation maximisation, no labels used.

Deciding, per contact: the chance that it is each candidate, given that it is at most
one of them, is that pair's odds over one plus the sum of all its pairs' odds, so two
equally good candidates share it and neither links. When some candidate's first name
agrees, candidates whose first name disagrees outright are dropped first: a housemate
sharing the phone, surname and address is another person. The best candidate links at
``threshold`` or above (never on a first name that disagrees); otherwise candidates from
``review_floor`` up are kept for review, three at most.
"""

from __future__ import annotations

import json
import math
import threading
from collections import Counter, defaultdict
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, block_on
from splink.blocking_rule_library import CustomRule

from ingest.keys import fold, name_key, phone_key
from ingest.linking import KeyedContact, LinkDecision
from ingest.names import canonical_first_name, name_variants
from ingest.names import fold as fold_words
from ingest.normalize import normalize_state
from outreach.errors import InvalidInput

if TYPE_CHECKING:
    from splink.internals.comparison_creator import ComparisonCreator

MODEL_PATH = Path(__file__).with_name("link_model.json")
DEFAULT_THRESHOLD = 0.9
DEFAULT_REVIEW_FLOOR = 0.5
REVIEW_LIMIT = 3
METHOD = "splink"
# Pairs below this match weight (odds of 1 in 1024) are dropped before deciding.
_MIN_MATCH_WEIGHT = -10.0
_FIRST_NAMES_DISAGREE = 0  # the comparison vector value of the first-name ElseLevel
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
    phone_states = sorted({s for s in map(phone_state, phones) if s})
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
    keys: set[str] = set()
    for phone in phones:
        prefix, digits = (
            (phone[:2], phone[2:]) if phone.startswith("+1") else (phone[:1], phone[1:])
        )
        for i in range(len(digits) - 1):
            if digits[i] != digits[i + 1]:
                swapped = digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :]
                keys.add(phone_key(secret, prefix + swapped))
    return sorted(keys)


def phone_state(e164: str) -> str | None:
    """The US state of a phone number's area code (E.164), or None."""
    if not (e164.startswith("+1") and len(e164) == 12):
        return None
    return _area_states().get(e164[2:5])


@lru_cache(maxsize=1)
def _area_states() -> dict[str, str]:
    """Area code -> state, from libphonenumber's geocoding data (the state most named)."""
    from phonenumbers.geodata import GEOCODE_DATA  # large; loaded on first use only

    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for prefix, names in GEOCODE_DATA.items():
        if prefix.startswith("1") and len(prefix) >= 4:
            description = names.get("en", "")
            place = description.rsplit(", ", 1)[-1].removesuffix(" State")
            state = "DC" if "D.C." in description else normalize_state(place)
            if state:
                votes[prefix[1:4]][state] += 1
    return {area: max(sorted(c), key=c.__getitem__) for area, c in votes.items()}


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


class SplinkLinker:
    """Link contacts to candidate voters with the trained splink model.

    Build it once per process and reuse it: it holds its own DuckDB connection and splink
    linker, and serialises calls. Given the keyed-hash ``secret``, contacts' phones are
    also compared one adjacent-digit swap away.
    """

    def __init__(
        self,
        *,
        model: Path | dict[str, Any] | None = None,
        threshold: float = DEFAULT_THRESHOLD,
        review_floor: float = DEFAULT_REVIEW_FLOOR,
        secret: str | None = None,
    ) -> None:
        if not 0.0 <= review_floor <= threshold <= 1.0:
            raise InvalidInput(
                f"need 0 <= review floor <= threshold <= 1, got {review_floor} and {threshold}"
            )
        self.threshold = threshold
        self.review_floor = review_floor
        self._secret = secret
        settings = model if isinstance(model, dict) else load_model(model or MODEL_PATH)
        self._db = duckdb_api()
        self._lock = threading.Lock()
        empty = pa.Table.from_pylist([], schema=SCHEMA)
        seeds = [self._db.register(empty, table_name=f"seed_{side}") for side in "lr"]
        self._linker = Linker(seeds, settings, log_level=None)

    def link(
        self, contacts: Sequence[KeyedContact], voters: Sequence[dict[str, Any]]
    ) -> list[LinkDecision]:
        """One decision per contact, in order."""
        pairs = self.pairs_by_contact(contacts, voters)
        return [self.decide(pairs.get(str(i), [])) for i in range(len(contacts))]

    def pairs_by_contact(
        self, contacts: Sequence[KeyedContact], voters: Sequence[dict[str, Any]]
    ) -> dict[str, list[tuple[str, float, int]]]:
        """Contact position -> its scored candidates (voter id, match weight, first-name level)."""
        by_contact: dict[str, list[tuple[str, float, int]]] = defaultdict(list)
        left = contact_rows(contacts, secret=self._secret)
        for contact, voter, weight, first_level in self.score(left, voter_rows(voters)):
            by_contact[contact].append((voter, weight, first_level))
        return by_contact

    def score(
        self, left: list[dict[str, Any]], right: list[dict[str, Any]]
    ) -> list[tuple[str, str, float, int]]:
        """Blocked pairs with their match weight and first-name level, in a stable order."""
        if not left or not right:
            return []
        with self._lock:
            frames = [
                self._db.register(pa.Table.from_pylist(rows, schema=SCHEMA), table_name=name)
                for rows, name in ((left, "contacts"), (right, "voters"))
            ]
            try:
                predictions = self._linker.inference.predict_between(
                    frames[0],
                    frames[1],
                    threshold_match_weight=_MIN_MATCH_WEIGHT,
                    warning_mode="never",
                )
                rows = self._db.duckdb_con.execute(
                    "SELECT unique_id_l, unique_id_r, match_weight, gamma_first_name "
                    f"FROM {predictions.physical_name} "
                    "ORDER BY unique_id_l, match_weight DESC, unique_id_r"
                ).fetchall()
                predictions.drop_table_from_database_and_remove_from_cache()
            finally:
                for frame in frames:
                    self._db.duckdb_con.unregister(frame.physical_name)
                    self._db._registered_table_names.discard(frame.physical_name)
                # splink keeps every query it ran; a long-lived worker must not.
                self._db._intermediate_table_cache.executed_queries.clear()
        return [(str(a), str(b), float(w), int(g)) for a, b, w, g in rows]

    def decide(
        self, pairs: Sequence[tuple[str, float, int]], *, threshold: float | None = None
    ) -> LinkDecision:
        """The decision for one contact from its (voter id, match weight, first-name level)."""
        threshold = self.threshold if threshold is None else threshold
        if not pairs:
            return LinkDecision(voter_id=None, probability=0.0, method="none")
        if any(gamma > _FIRST_NAMES_DISAGREE for _, _, gamma in pairs):
            pairs = [pair for pair in pairs if pair[2] != _FIRST_NAMES_DISAGREE]
        odds = [2.0 ** min(weight, 500.0) for _, weight, _ in pairs]
        total = 1.0 + math.fsum(odds)
        chances = [(vid, o / total, gamma) for (vid, _, gamma), o in zip(pairs, odds, strict=True)]
        ranked = sorted(chances, key=lambda item: (-item[1], item[0]))
        best_id, best_p, best_gamma = ranked[0]
        if best_p >= threshold and best_gamma != _FIRST_NAMES_DISAGREE:
            return LinkDecision(voter_id=best_id, probability=best_p, method=METHOD)
        review = [(vid, p) for vid, p, _ in ranked[:REVIEW_LIMIT] if p >= self.review_floor]
        return LinkDecision(voter_id=None, probability=best_p, method=METHOD, candidates=review)


@lru_cache(maxsize=4)
def default_linker(secret: str | None = None) -> SplinkLinker:
    """The process's linker with the shipped model and default thresholds, built on first use."""
    return SplinkLinker(secret=secret)


def duckdb_api() -> DuckDBAPI:
    """An in-memory DuckDB for splink, quiet (no progress bar)."""
    db = DuckDBAPI()
    db.duckdb_con.execute("SET enable_progress_bar = false")
    return db
