"""Voter-file nodes: batched upserts and candidate look-ups for linkage."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, LiteralString

from cachetools import TTLCache, cached
from neo4j import Driver

from graph.db.run import Row, batches, read, read_values, write, write_rows

# Returns the places voters moved away from: their phones no longer count there.
UPSERT_VOTERS: LiteralString = """
UNWIND $rows AS row
MERGE (v:Voter {voter_id: row.voter_id})
WITH v, row, v.place_key AS before
SET v += row.props
WITH before, row
WHERE before IS NOT NULL AND before <> coalesce(row.props.place_key, '')
RETURN DISTINCT before AS key
"""

RECORD_STATES: LiteralString = "UNWIND $states AS st MERGE (:VoterState {code: st})"

COUNT_VOTERS: LiteralString = "MATCH (v:Voter) RETURN count(v) AS n"

# A place's phones by area code: ``place_key`` and ``phone_area`` are set on each voter
# as the file loads (``ingest/voters_job.py``); the area code, never the number.
COUNT_PLACE_AREAS: LiteralString = """
UNWIND $keys AS key
MATCH (v:Voter {place_key: key})
WHERE v.phone_area IS NOT NULL
RETURN key, v.phone_area AS area, count(v) AS phones
"""

STORE_PLACE_AREAS: LiteralString = """
UNWIND $rows AS row
MERGE (p:VoterPlace {key: row.key})
SET p.areas = row.areas
"""

FORGET_PLACE_AREAS: LiteralString = """
UNWIND $keys AS key
MATCH (p:VoterPlace {key: key})
DELETE p
"""

READ_PLACE_AREAS: LiteralString = """
UNWIND $keys AS key
MATCH (p:VoterPlace {key: key})
RETURN p.key AS key, p.areas AS areas
"""

# What a linker compares: no suffix, district or household, which it does not use.
_VOTER_FIELDS: LiteralString = """
v.voter_id AS voter_id, v.first_name AS first_name, v.middle_name AS middle_name,
v.last_name AS last_name, v.birth_year AS birth_year, v.birth_date AS birth_date,
v.address AS address, v.city AS city, v.zip AS zip, v.state AS state,
v.phone_hash AS phone_hash, v.email_hash AS email_hash, v.name_key AS name_key,
v.phone_area AS phone_area
"""

# Candidate voters for an upload's blocking keys, each voter once (UNION drops repeats),
# in one round trip:
# - ``phones`` and ``emails``: keyed hashes;
# - ``names_in_state``: ``first|last|STATE`` (``ingest.keys.name_state_key``), for a
#   contact that gives a state: a common name nationwide returns many voters, and a
#   namesake elsewhere cannot link on the name alone;
# - ``names``: ``first|last`` anywhere, for a contact that gives no state;
# - ``surnames``: ``last|STATE|initial`` (see ``ingest.keys.surname_key``);
# - ``sounds``: ``METAPHONE|STATE|initial`` (``ingest.keys.sound_key``);
# - ``births``: ``YYYY-MM-DD|initial`` (``ingest.keys.birth_key``);
# - ``streets``: ``number|street`` (``ingest.keys.street_key``).
FIND_CANDIDATES: LiteralString = (
    "UNWIND $phones AS key MATCH (v:Voter {phone_hash: key}) RETURN " + _VOTER_FIELDS
    + " UNION "
    "UNWIND $emails AS key MATCH (v:Voter {email_hash: key}) RETURN " + _VOTER_FIELDS
    + " UNION "
    "UNWIND $names_in_state AS key MATCH (v:Voter {name_state_key: key}) RETURN "
    + _VOTER_FIELDS
    + " UNION "
    "UNWIND $names AS key MATCH (v:Voter {name_key: key}) RETURN " + _VOTER_FIELDS
    + " UNION "
    "UNWIND $surnames AS key MATCH (v:Voter {last_key: key}) RETURN " + _VOTER_FIELDS
    + " UNION "
    "UNWIND $sounds AS key MATCH (v:Voter {sound_key: key}) RETURN " + _VOTER_FIELDS
    + " UNION "
    "UNWIND $births AS key MATCH (v:Voter {birth_key: key}) RETURN " + _VOTER_FIELDS
    + " UNION "
    "UNWIND $streets AS key MATCH (v:Voter {street_key: key}) RETURN " + _VOTER_FIELDS
)  # fmt: skip


@dataclass(slots=True)
class BlockingKeys:
    """The keys one look-up sends, by kind; see ``FIND_CANDIDATES``."""

    phones: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    names_in_state: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    surnames: set[str] = field(default_factory=set)
    sounds: set[str] = field(default_factory=set)
    births: set[str] = field(default_factory=set)
    streets: set[str] = field(default_factory=set)

    def __len__(self) -> int:
        kinds = (
            self.phones, self.emails, self.names_in_state, self.names, self.surnames,
            self.sounds, self.births, self.streets,
        )  # fmt: skip
        return sum(len(keys) for keys in kinds)


@dataclass(frozen=True, slots=True)
class Upserted:
    """What an upsert wrote, and the places (``place_key``) that some of its voters left."""

    written: int
    places_left: frozenset[str]


def upsert_voters(driver: Driver, rows: list[dict[str, Any]], *, batch_size: int) -> Upserted:
    """Create or update voters by ``voter_id``; rows are ``{voter_id, props}``.

    The states they are in are recorded as ``VoterState`` nodes, so that asking which
    states' files are loaded reads a handful of nodes rather than the voters.
    """
    left: set[str] = set()
    for chunk in batches(rows, batch_size):
        left.update(str(r["key"]) for r in write_rows(driver, UPSERT_VOTERS, rows=chunk))
    states = sorted({str(r["props"]["state"]) for r in rows if r["props"].get("state")})
    if states:
        write(driver, RECORD_STATES, states=states)
    return Upserted(written=len(rows), places_left=frozenset(left))


def count_voters(driver: Driver) -> int:
    """How many voters the graph holds."""
    return int(read(driver, COUNT_VOTERS)[0]["n"])


# Voter files are loaded seldom and uploads linked often: a worker counts the voters at
# most once a minute (a count may read every voter node on a server without a count store).
@cached(TTLCache(maxsize=8, ttl=60.0), key=id, lock=threading.Lock())
def count_voters_cached(driver: Driver) -> int:
    """:func:`count_voters`, read again at most once a minute per driver."""
    return count_voters(driver)


def count_place_areas(
    driver: Driver, keys: Iterable[str], *, batch_size: int
) -> dict[str, dict[str, int]]:
    """Place key -> area code -> how many of the place's voters have a phone with it."""
    counts: dict[str, dict[str, int]] = {}
    for chunk in batches(sorted(set(keys)), batch_size):
        for row in read(driver, COUNT_PLACE_AREAS, keys=chunk):
            counts.setdefault(str(row["key"]), {})[str(row["area"])] = int(row["phones"])
    return counts


def store_place_areas(
    driver: Driver, areas: Mapping[str, Sequence[str] | None], *, batch_size: int
) -> int:
    """Set each place's area codes (``:VoterPlace``); a place given None has none known and
    its node goes. Returns how many places have codes."""
    known = [{"key": key, "areas": list(codes)} for key, codes in sorted(areas.items()) if codes]
    unknown = sorted(key for key, codes in areas.items() if not codes)
    for chunk in batches(known, batch_size):
        write(driver, STORE_PLACE_AREAS, rows=chunk)
    for keys in batches(unknown, batch_size):
        write(driver, FORGET_PLACE_AREAS, keys=keys)
    return len(known)


def place_areas(driver: Driver, keys: Iterable[str]) -> dict[str, list[str]]:
    """Place key -> the area codes its voters' phones use, for the places that have them."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    return {
        str(row["key"]): [str(a) for a in row["areas"]]
        for row in read(driver, READ_PLACE_AREAS, keys=wanted)
        if row["areas"]
    }


def find_candidates(driver: Driver, keys: BlockingKeys) -> list[Row]:
    """Voters sharing any blocking key with ``keys``, each once, in one round trip."""
    if not keys:
        return []
    return read_values(
        driver,
        FIND_CANDIDATES,
        phones=sorted(keys.phones),
        emails=sorted(keys.emails),
        names_in_state=sorted(keys.names_in_state),
        names=sorted(keys.names),
        surnames=sorted(keys.surnames),
        sounds=sorted(keys.sounds),
        births=sorted(keys.births),
        streets=sorted(keys.streets),
    )
