"""Analytics: the standard reports and the lift statistics (analyst Cypher: ``analyst_query``).

Reports count *friends* (distinct ``Person`` nodes), never asks, unless they say so:

* reachable: matched to a voter in the geography and known by at least one supporter;
* assigned: ranked for a supporter now (``SHOULD_ASK``) or asked already (an ask
  implies an earlier assignment, and a refusal or an opt-out removes the ranking). It
  counts friends, not asks: with ``k`` above 1 one friend is ranked for several
  supporters, and a re-rank job reports those rankings as ``asks``;
* asked: at least one ``ASKED`` record, or opted out (the opt-out link reaches a friend
  only in a supporter's message, so an opt-out is an answer to an ask);
* status: "do_not_contact" for a friend on the do-not-contact list (by their own link or
  a supporter's record), else the latest reply among their asks; "no_reply" when every
  record is the bare ``asked`` outcome. Status columns split the asked friends exactly.

Privacy. Reports are aggregates or opaque ids (supporter ids, friend keys); no
names. Analysts are trusted staff with read access to the whole graph: their Cypher
*can* read the names supporters gave their friends (``KNOWS.display_name`` and
``first_name``). No lexical rule could stop that (``properties(k)``, ``k {.*}``),
so it is not pretended; queries are logged by fingerprint, never by text.

Analyst queries are run by ``graph/analyst_query.py``.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Final, LiteralString

from neo4j import Driver

from graph.config_store import current_settings
from graph.db.run import Row, read

POSITIVE: Final = ("will_vote", "registered", "already_voted")
NEGATIVE: Final = ("not_interested", "wrong_person", "do_not_contact")
STATUS_COLUMNS: Final = ("no_reply", *POSITIVE, *NEGATIVE)

# A friend's facts, given ``p`` in scope: ranked now, asked, latest reply ("status").
_FRIEND_FACTS: LiteralString = """
WITH *, [(:Supporter)-[a:ASKED]->(p) | {outcome: a.outcome, at: a.at}] AS asks,
     EXISTS { MATCH (:Supporter)-[:SHOULD_ASK]->(p) } AS ranked
WITH *, reduce(best = null, x IN [r IN asks WHERE r.outcome <> 'asked'] |
               CASE WHEN best IS NULL OR x.at > best.at THEN x ELSE best END) AS latest
WITH *, size(asks) > 0 OR p.do_not_contact = true AS asked,
     CASE WHEN p.do_not_contact = true THEN 'do_not_contact'
          WHEN latest IS NOT NULL THEN latest.outcome
          WHEN size(asks) > 0 THEN 'asked' END AS status
"""
_STATUS_COUNTS: LiteralString = """
       sum(CASE WHEN ranked OR asked THEN 1 ELSE 0 END) AS assigned,
       sum(CASE WHEN asked THEN 1 ELSE 0 END) AS asked,
       sum(CASE WHEN status = 'asked' THEN 1 ELSE 0 END) AS no_reply,
       sum(CASE WHEN status = 'will_vote' THEN 1 ELSE 0 END) AS will_vote,
       sum(CASE WHEN status = 'registered' THEN 1 ELSE 0 END) AS registered,
       sum(CASE WHEN status = 'already_voted' THEN 1 ELSE 0 END) AS already_voted,
       sum(CASE WHEN status = 'not_interested' THEN 1 ELSE 0 END) AS not_interested,
       sum(CASE WHEN status = 'wrong_person' THEN 1 ELSE 0 END) AS wrong_person,
       sum(CASE WHEN status = 'do_not_contact' THEN 1 ELSE 0 END) AS do_not_contact
"""
_IN_GEOS: LiteralString = """
($geos IS NULL OR EXISTS {
  MATCH (p)-[:MATCHES]->(gv:Voter) WHERE gv.state IN $geos OR gv.district IN $geos })
"""

REACH_BY_GEO: LiteralString = (
    """
MATCH (v:Voter)
WHERE v.state IN $geos OR v.district IN $geos
MATCH (p:Person)-[:MATCHES]->(v)
WHERE EXISTS { MATCH (:Supporter)-[:KNOWS]->(p) }
UNWIND [g IN $geos WHERE g = v.state OR g = v.district] AS geo
WITH DISTINCT geo, p
"""
    + _FRIEND_FACTS
    + """
RETURN geo, count(p) AS reachable,
       sum(CASE WHEN p.held_out = true THEN 1 ELSE 0 END) AS held_out,
"""
    + _STATUS_COUNTS
    + "ORDER BY geo"
)

BRIDGE_SUPPORTERS: LiteralString = """
MATCH (v:Voter)
WHERE v.state IN $geos OR v.district IN $geos
MATCH (s:Supporter)-[:KNOWS]->(p:Person)-[:MATCHES]->(v)
UNWIND [g IN $geos WHERE g = v.state OR g = v.district] AS geo
WITH s, p, collect(DISTINCT geo) AS friend_geos
WITH s, p, friend_geos,
     NOT EXISTS { MATCH (o:Supporter)-[:KNOWS]->(p) WHERE o <> s } AS sole,
     EXISTS { MATCH (s)-[:SHOULD_ASK]->(p) } AS ranked,
     EXISTS { MATCH (s)-[:ASKED]->(p) } AS asked
WITH s, count(p) AS target_friends, sum(CASE WHEN sole THEN 1 ELSE 0 END) AS sole_link,
     sum(CASE WHEN ranked THEN 1 ELSE 0 END) AS assigned,
     sum(CASE WHEN asked THEN 1 ELSE 0 END) AS asked, collect(friend_geos) AS geo_lists
RETURN s.id AS supporter_id, target_friends, sole_link, assigned, asked, geo_lists
ORDER BY target_friends DESC, sole_link DESC, supporter_id
LIMIT $limit
"""

# Friends ranked or asked, and friends on the do-not-contact list (whose rankings are gone).
_ENGAGED: LiteralString = """
OPTIONAL MATCH (:Supporter)-[:SHOULD_ASK|ASKED]->(e:Person)
WITH collect(DISTINCT e) AS engaged
OPTIONAL MATCH (d:DoNotContact)
OPTIONAL MATCH (o:Person {key: d.key})
WHERE EXISTS { MATCH (:Supporter)-[:KNOWS]->(o) }
WITH engaged, collect(DISTINCT o) AS opted
UNWIND engaged + opted AS p
WITH DISTINCT p
"""

FUNNEL: LiteralString = (
    _ENGAGED
    + """
WHERE """
    + _IN_GEOS
    + _FRIEND_FACTS
    + "RETURN"
    + _STATUS_COUNTS
)

FUNNEL_BY_DAY: LiteralString = (
    """
MATCH (:Supporter)-[a:ASKED]->(p:Person)
WHERE """
    + _IN_GEOS
    + """
WITH substring(toString(a.at), 0, 10) AS day, a, p
RETURN day, count(a) AS records, count(DISTINCT p) AS friends,
       sum(CASE WHEN a.outcome = 'asked' THEN 1 ELSE 0 END) AS no_reply,
       sum(CASE WHEN a.outcome = 'will_vote' THEN 1 ELSE 0 END) AS will_vote,
       sum(CASE WHEN a.outcome = 'registered' THEN 1 ELSE 0 END) AS registered,
       sum(CASE WHEN a.outcome = 'already_voted' THEN 1 ELSE 0 END) AS already_voted,
       sum(CASE WHEN a.outcome = 'not_interested' THEN 1 ELSE 0 END) AS not_interested,
       sum(CASE WHEN a.outcome = 'wrong_person' THEN 1 ELSE 0 END) AS wrong_person,
       sum(CASE WHEN a.outcome = 'do_not_contact' THEN 1 ELSE 0 END) AS do_not_contact
ORDER BY day
"""
)

LIFT_ARMS: LiteralString = (
    """
MATCH (p:Person)
WHERE (p.held_out = true OR p.do_not_contact = true
       OR EXISTS { MATCH (:Supporter)-[:SHOULD_ASK|ASKED]->(p) })
  AND """
    + _IN_GEOS
    + _FRIEND_FACTS
    + """
WITH CASE WHEN p.held_out = true THEN 'held_out' ELSE 'assigned' END AS arm, status
RETURN arm, count(*) AS friends,
       sum(CASE WHEN status IN $positive THEN 1 ELSE 0 END) AS positive
"""
)

HOLDOUT_PAGE: LiteralString = (
    "MATCH (p:Person) WHERE p.held_out = true AND "
    + _IN_GEOS
    + "RETURN p.key AS key, p.holdout_version AS holdout_version "
    + "ORDER BY key SKIP $offset LIMIT $limit"
)
HOLDOUT_COUNT: LiteralString = (
    "MATCH (p:Person) WHERE p.held_out = true AND " + _IN_GEOS + "RETURN count(p) AS n"
)

PROXY_NOTE: Final = (
    "A proxy, not turnout: the rate counts friends whose latest reply was will_vote, "
    "registered or already_voted. Replies are recorded only when a supporter asks and "
    "held-out friends are never asked, so the held-out rate stays near zero by design and "
    "the difference measures recorded commitments, not lift. Use it until validated "
    "turnout from the voter file can be compared the same way for both groups."
)


GEOS_IN_VOTER_FILE: LiteralString = """
UNWIND $codes AS code
WITH code
WHERE EXISTS { MATCH (:Voter {state: code}) } OR EXISTS { MATCH (v:Voter) WHERE v.district = code }
RETURN code
"""


def geos_in_voter_file(driver: Driver, codes: list[str]) -> set[str]:
    """Which of these codes some voter's state or district uses."""
    if not codes:
        return set()
    return {str(r["code"]) for r in read(driver, GEOS_IN_VOTER_FILE, codes=codes)}


def target_geos(driver: Driver) -> list[str]:
    """The organizer's current target geographies with a positive weight."""
    _, settings = current_settings(driver)
    return [g for g in settings.targets if settings.weights.get(g, 0) > 0]


def reach_by_geo(driver: Driver, *, geos: list[str]) -> list[Row]:
    """Per geography: reachable, held-out, assigned and asked friends, and their status."""
    found = {str(r["geo"]): r for r in read(driver, REACH_BY_GEO, geos=geos)}
    empty = dict.fromkeys(("reachable", "held_out", "assigned", "asked", *STATUS_COLUMNS), 0)
    return [found.get(geo, {"geo": geo, **empty}) for geo in dict.fromkeys(geos)]


def bridge_supporters(driver: Driver, *, geos: list[str], limit: int) -> list[Row]:
    """Supporters who reach the most friends in the geographies, with ids and counts only."""
    rows = read(driver, BRIDGE_SUPPORTERS, geos=geos, limit=limit)
    for row in rows:
        row["geos"] = sorted({g for geo_list in row.pop("geo_lists") for g in geo_list})
    return rows


def funnel(driver: Driver, *, geos: list[str] | None = None) -> Row:
    """Friends at each stage: assigned, asked, then their latest reply; with stage rates."""
    row = read(driver, FUNNEL, geos=geos)[0]
    totals: Row = {k: int(v or 0) for k, v in row.items()}
    totals["positive"] = sum(totals[c] for c in POSITIVE)
    totals["negative"] = sum(totals[c] for c in NEGATIVE)
    totals["ask_rate"] = _ratio(totals["asked"], totals["assigned"])
    totals["positive_rate"] = _ratio(totals["positive"], totals["asked"])
    return totals


def funnel_by_day(driver: Driver, *, geos: list[str] | None = None) -> list[Row]:
    """Per day (UTC date of the record): asks recorded, friends asked, records by outcome."""
    return read(driver, FUNNEL_BY_DAY, geos=geos)


def lift(driver: Driver, *, geos: list[str] | None = None, confidence: float = 0.95) -> Row:
    """The turnout-proxy rate of assigned vs held-out friends, and a CI for the difference."""
    arms = {str(r["arm"]): r for r in read(driver, LIFT_ARMS, geos=geos, positive=list(POSITIVE))}
    out: Row = {"measure": "turnout_proxy", "positive_outcomes": list(POSITIVE)}
    for arm in ("assigned", "held_out"):
        n = int(arms.get(arm, {}).get("friends") or 0)
        x = int(arms.get(arm, {}).get("positive") or 0)
        out[arm] = {"friends": n, "positive": x, "rate": _ratio(x, n)}
    a, h = out["assigned"], out["held_out"]
    interval = newcombe_interval(
        a["positive"], a["friends"], h["positive"], h["friends"], confidence=confidence
    )
    out["difference"] = None if interval is None else a["rate"] - h["rate"]
    out["ci_low"], out["ci_high"] = interval if interval else (None, None)
    out.update(confidence=confidence, method="Newcombe hybrid score (Wilson)", note=PROXY_NOTE)
    return out


def holdout_keys(
    driver: Driver, *, geos: list[str] | None = None, offset: int, limit: int
) -> tuple[list[Row], int]:
    """One page of held-out friend keys (keys only), and how many there are."""
    rows = read(driver, HOLDOUT_PAGE, geos=geos, offset=offset, limit=limit)
    total = int(read(driver, HOLDOUT_COUNT, geos=geos)[0]["n"])
    return rows, total


def wilson_interval(x: int, n: int, *, confidence: float = 0.95) -> tuple[float, float] | None:
    """The Wilson score interval for the proportion x/n, or None when n is 0."""
    if n <= 0:
        return None
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = x / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    low = 0.0 if x == 0 else max(0.0, centre - half)
    high = 1.0 if x == n else min(1.0, centre + half)
    return low, high


def newcombe_interval(
    x1: int, n1: int, x2: int, n2: int, *, confidence: float = 0.95
) -> tuple[float, float] | None:
    """Newcombe's hybrid score interval for p1 - p2 (his method 10), or None without data."""
    first = wilson_interval(x1, n1, confidence=confidence)
    second = wilson_interval(x2, n2, confidence=confidence)
    if first is None or second is None:
        return None
    p1, p2 = x1 / n1, x2 / n2
    (l1, u1), (l2, u2) = first, second
    d = p1 - p2
    return (
        d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
        d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2),
    )


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# --- analysts' own Cypher -------------------------------------------------------------
