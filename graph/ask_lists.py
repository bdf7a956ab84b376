"""The supporter's "ask these friends" list as the ranking left it, and what became of the rest.

Both reads start at one supporter and return plain values. Nothing is served to a supporter
who has withdrawn consent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import LiteralString

from neo4j import Driver

from graph.db.run import read_values

READ_ASK_LIST: LiteralString = """
MATCH (s:Supporter {id: $supporter_id})
WHERE s.consent_version IS NOT NULL
MATCH (s)-[r:SHOULD_ASK]->(p:Person)
MATCH (p)<-[k:KNOWS]-(s)
WHERE NOT EXISTS { MATCH (:DoNotContact {key: p.key}) }
OPTIONAL MATCH (p)<-[a:ASKED]-(s)
WITH r, k, p, a
ORDER BY a.at DESC
WITH r, k, p, collect(a.outcome) AS outcomes
RETURN r.rank AS rank, k.friend_id AS friend_id, k.display_name AS name,
       k.first_name AS first_name, r.reasons AS reasons, r.channel AS channel,
       r.state AS state, r.model_version AS model_version, k.contact AS contact,
       outcomes, p.key AS friend_key
ORDER BY rank
"""

READ_FRIEND_FATES: LiteralString = """
MATCH (s:Supporter {id: $supporter_id})-[k:KNOWS]->(p:Person)
OPTIONAL MATCH (p)-[:MATCHES]->(v:Voter)
RETURN k.friend_id AS friend_id, k.display_name AS name, v.state AS state,
       v IS NOT NULL AS linked,
       EXISTS { MATCH (p)<-[:SHOULD_ASK]-(s) } AS mine,
       EXISTS { MATCH (p)<-[:SHOULD_ASK]-(:Supporter) } AS assigned,
       EXISTS { MATCH (:DoNotContact {key: p.key}) } AS opted_out,
       EXISTS {
         MATCH (p)-[c:CANDIDATE]->(:Voter)
         WHERE c.supporter_id = $supporter_id AND c.status = 'open'
       } AS to_review
"""


@dataclass(frozen=True, slots=True)
class RankedFriend:
    """One friend on a supporter's list, as the last ranking wrote it, with what was recorded."""

    rank: int
    friend_id: str
    name: str | None
    first_name: str | None
    reasons: tuple[str, ...]
    channel: str | None
    state: str | None
    model_version: int | None
    sealed_contact: str | None
    outcomes: tuple[str, ...]  # newest first
    friend_key: str | None = None


@dataclass(frozen=True, slots=True)
class FriendFate:
    """Where one of the supporter's friends stands: on their list, elsewhere, or why not."""

    friend_id: str
    name: str | None
    state: str | None
    linked: bool
    mine: bool
    assigned: bool
    opted_out: bool
    to_review: bool


def ranked_friends(driver: Driver, supporter_id: str) -> list[RankedFriend]:
    """The whole list, best first (at most the settings' ``n``), without opted-out friends."""
    return [
        RankedFriend(
            rank=int(r["rank"]),
            friend_id=str(r["friend_id"]),
            name=r["name"],
            first_name=r["first_name"],
            reasons=tuple(r["reasons"] or ()),
            channel=r["channel"],
            state=r["state"],
            model_version=r["model_version"],
            sealed_contact=r["contact"],
            outcomes=tuple(o for o in r["outcomes"] if o),
            friend_key=r["friend_key"],
        )
        for r in read_values(driver, READ_ASK_LIST, supporter_id=supporter_id)
    ]


def friend_fates(driver: Driver, supporter_id: str) -> list[FriendFate]:
    """Every friend the supporter uploaded, with the facts that decide where they stand."""
    return [
        FriendFate(
            friend_id=str(r["friend_id"]),
            name=r["name"],
            state=r["state"],
            linked=bool(r["linked"]),
            mine=bool(r["mine"]),
            assigned=bool(r["assigned"]),
            opted_out=bool(r["opted_out"]),
            to_review=bool(r["to_review"]),
        )
        for r in read_values(driver, READ_FRIEND_FATES, supporter_id=supporter_id)
    ]
