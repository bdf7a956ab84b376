"""The supporter's "ask these friends" list as the ranking left it: one read, typed rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import LiteralString

from neo4j import Driver

from graph.db.run import read_values

READ_ASK_LIST: LiteralString = """
MATCH (s:Supporter {id: $supporter_id})-[r:SHOULD_ASK]->(p:Person)
MATCH (s)-[k:KNOWS]->(p)
WHERE NOT EXISTS { MATCH (:DoNotContact {key: p.key}) }
RETURN r.rank AS rank, k.friend_id AS friend_id, k.display_name AS name,
       k.first_name AS first_name, r.reasons AS reasons, r.channel AS channel,
       r.state AS state, r.model_version AS model_version
ORDER BY rank
"""


@dataclass(frozen=True, slots=True)
class RankedFriend:
    """One friend on a supporter's list, as the last ranking wrote it."""

    rank: int
    friend_id: str
    name: str | None
    first_name: str | None
    reasons: tuple[str, ...]
    channel: str | None
    state: str | None
    model_version: int | None


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
        )
        for r in read_values(driver, READ_ASK_LIST, supporter_id=supporter_id)
    ]
