"""A seeded synthetic friend graph for the matcher and API benchmarks, grown in steps.

Written through the product's own graph functions (``upsert_voters``,
``upsert_supporters``, ``write_friends``), so the nodes, edges and properties are those
an ingest would leave, without parsing files or linking:

* each supporter knows about 100 friends (log-normal, 10 to 500); every friend is a
  ``Person`` linked by ``MATCHES`` to a voter of their own, so every ``KNOWS`` edge goes
  to a matched friend;
* supporters come in communities of 20; a fifth of each supporter's friends are drawn
  from the community's shared pool of 200, so friends are shared and supporters compete
  for them; the rest are theirs alone;
* three quarters of the friends live in the matcher's default target geographies, the
  rest elsewhere; support scores, vote histories and registration vary as in a voter file;
* every supporter is a voter: one in twenty is also a friend in their community's pool,
  so some pairs are reciprocal; the others have a voter record that no one knows.

``grow_to(edges)`` adds supporters until the graph holds that many ``KNOWS`` edges; the
same seed gives the same graph.
"""

from __future__ import annotations

import math
import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from bench.common import BENCH_SECRET

COMMUNITY = 20
POOL = 200
SHARED = 0.2
MEAN_DEGREE = 100
TARGET_SHARE = 0.75
OTHER_STATES = ("CA", "TX", "NY", "IL", "OH", "GA", "VA", "WA", "MA", "NJ")
FIRST = ("Ana", "Ben", "Chloe", "Dev", "Emma", "Femi", "Grace", "Hugo", "Iris", "Jamal", "Kim",
         "Luis", "Maya", "Noah", "Olga", "Priya", "Quinn", "Rosa", "Sam", "Tariq")  # fmt: skip
LAST = ("Garcia", "Smith", "Nguyen", "Okafor", "Kowalski", "Haddad", "Johnson", "Lee", "Martin",
        "Brown", "Davis", "Lopez", "Wilson", "Moore", "Clark", "Young")  # fmt: skip


def _geographies() -> list[tuple[str, str]]:
    """(state, district) for the default targets (districts kept as such), then the rest."""
    from outreach.matching.matcher_settings import default_targets

    out = []
    for code in default_targets():
        if "-" in code:
            out.append((code.split("-")[0], code))
        else:
            out.append((code, f"{code}-1"))
    return out


@dataclass
class FriendGraph:
    """The graph built so far, and the generator that grows it."""

    seed: int = 2026
    supporters: list[str] = field(default_factory=list)
    edges: int = 0
    persons: int = 0
    rng: random.Random = field(init=False)
    pools: dict[int, list[int]] = field(default_factory=dict)
    _targets: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self._targets = _geographies()

    # ---- people

    def _new_person(self) -> int:
        idx = self.persons
        self.persons += 1
        return idx

    def _pool(self, community: int, new_people: list[int]) -> list[int]:
        if community not in self.pools:
            people = [self._new_person() for _ in range(POOL)]
            new_people.extend(people)
            self.pools[community] = people
        return self.pools[community]

    @staticmethod
    def voter_id(idx: int) -> str:
        """The voter id of person ``idx``."""
        return f"BV{idx:09d}"

    def person_key(self, idx: int) -> str:
        """The friend key of person ``idx``: the product's keyed hash of their voter id."""
        from ingest.keys import voter_key

        return voter_key(BENCH_SECRET, self.voter_id(idx))

    def _voter_row(self, idx: int) -> dict[str, Any]:
        rnd = random.Random(self.seed * 7_919 + idx)
        if rnd.random() < TARGET_SHARE:
            state, district = rnd.choice(self._targets)
        else:
            state = rnd.choice(OTHER_STATES)
            district = f"{state}-{rnd.randint(1, 9)}"
        status = rnd.choices(("active", "inactive", "unregistered"), (0.88, 0.06, 0.06))[0]
        votes = [rnd.random() < 0.6 for _ in range(4)] if status != "unregistered" else []
        return {
            "voter_id": self.voter_id(idx),
            "props": {
                "first_name": rnd.choice(FIRST),
                "last_name": rnd.choice(LAST),
                "state": state,
                "district": district,
                "support_score": None if rnd.random() < 0.1 else round(rnd.random(), 2),
                "vote_history": votes,
                "registration_status": status,
                "household_id": f"BH{idx // 2:09d}",
            },
        }

    # ---- growth

    def _degree(self) -> int:
        sigma = 0.6
        mu = math.log(MEAN_DEGREE) - sigma * sigma / 2
        return max(10, min(500, round(self.rng.lognormvariate(mu, sigma))))

    def grow_to(self, driver: Any, edges: int, *, batch: int, threads: int = 1) -> dict[str, int]:
        """Add supporters (and their friends) until the graph holds ``edges`` KNOWS edges."""
        from graph.contacts import write_friends
        from graph.supporters import upsert_supporters
        from graph.voters import upsert_voters
        from ingest.keys import friend_id
        from outreach.core.partition import partition_of
        from outreach.usecases.consent import CURRENT_TERMS

        new_people: list[int] = []
        new_voters: list[int] = []  # supporters' own voter records, known by nobody
        plans: list[tuple[str, list[int]]] = []
        supporter_rows: list[dict[str, Any]] = []
        while self.edges < edges:
            i = len(self.supporters)
            sid = f"bench-s{i:06d}"
            community = i // COMMUNITY
            pool = self._pool(community, new_people)
            degree = min(self._degree(), edges - self.edges)
            shared = min(len(pool), round(degree * SHARED))
            friends = self.rng.sample(pool, shared)
            own = [self._new_person() for _ in range(degree - shared)]
            new_people.extend(own)
            friends.extend(own)
            # Supporters are voters too: one in twenty is a friend in their community's pool
            # (so some pairs are reciprocal), the others have a voter record of their own.
            if self.rng.random() < 0.05:
                own_voter = self.rng.choice(pool)
            else:
                own_voter = self._new_person()
                new_voters.append(own_voter)
            supporter_rows.append(
                {
                    "id": sid,
                    "voter_id": self.voter_id(own_voter),
                    "props": {
                        "first_name": self.rng.choice(FIRST),
                        "state": self.rng.choice(OTHER_STATES),
                        "partition": partition_of(sid),
                        "voter_id": self.voter_id(own_voter),
                        "person_key": self.person_key(own_voter),
                        # They uploaded their contacts, so they agreed to the terms (and a
                        # list is served only while consent stands).
                        "consent_version": CURRENT_TERMS,
                    },
                }
            )
            plans.append((sid, friends))
            self.supporters.append(sid)
            self.edges += len(friends)

        voters = [self._voter_row(p) for p in (*new_people, *new_voters)]
        upsert_voters(driver, voters, batch_size=batch)
        upsert_supporters(driver, supporter_rows, batch_size=batch)

        def write(plan: tuple[str, list[int]]) -> int:
            sid, friends = plan
            rnd = random.Random(f"{self.seed}-{sid}")
            knows, matches = [], []
            for idx in friends:
                key = self.person_key(idx)
                phone, email = rnd.random() < 0.85, rnd.random() < 0.5
                sources = [s for s, on in (("email", email), ("phone", phone)) if on] or ["phone"]
                first = rnd.choice(FIRST)
                knows.append(
                    {
                        "key": key,
                        "friend_id": friend_id(BENCH_SECRET, sid, key),
                        "display_name": f"{first} {rnd.choice(LAST)}",
                        "first_name": first,
                        "sources": sources,
                        "favorite": rnd.random() < 0.05,
                        "labels": ["family"] if rnd.random() < 0.05 else [],
                        "social": rnd.random() < 0.2,
                        "closeness": None if rnd.random() < 0.8 else round(rnd.random(), 2),
                        "state_hint": None,
                    }
                )
                matches.append(
                    {
                        "key": key,
                        "voter_id": self.voter_id(idx),
                        "probability": round(0.85 + 0.14 * rnd.random(), 3),
                        "method": "phone+name",
                    }
                )
            return write_friends(
                driver,
                supporter_id=sid,
                upload_id=f"bench-up-{sid}",
                knows=knows,
                matches=matches,
                candidates=[],
                batch_size=batch,
            )

        with ThreadPoolExecutor(max_workers=threads) as pool_:
            written = sum(pool_.map(write, plans))
        return {
            "supporters_added": len(plans),
            "persons_added": len(new_people),
            "edges_added": written,
        }
