"""Factories for matcher tests: one pair with sensible defaults, or many random ones."""

from __future__ import annotations

import random
from typing import Any

from outreach.matching.scoring import PairFeatures

STATES = ("WI", "PA", "NV", "AZ", "MI", "GA", "CA", "TX", "NY", "ME", "NE", "ND", "NC")
LABELS = ((), (), (), ("Family",), ("* starred",), ("Coworkers",), ("Mom",), ("friends",))
CHANNEL_SETS: tuple[frozenset[str], ...] = (
    frozenset(),
    frozenset({"phone"}),
    frozenset({"email"}),
    frozenset({"social"}),
    frozenset({"phone", "email"}),
    frozenset({"phone", "email", "social"}),
)


def make_pair(**overrides: Any) -> PairFeatures:
    """A registered, matched Wisconsin friend with a middling turnout; override any field."""
    fields: dict[str, Any] = {
        "supporter_id": "s1",
        "friend_key": "f1",
        "state": "WI",
        "district": None,
        "match_p": 0.95,
        "turnout_score": 0.5,
        "vote_history": [],
        "support_score": 0.8,
        "registration_status": "active",
        "channels": frozenset({"phone"}),
    }
    fields.update(overrides)
    return PairFeatures(**fields)


def random_pair(rng: random.Random, *, supporters: int = 50, friends: int = 200) -> PairFeatures:
    """A random pair covering every branch of the model."""
    state = rng.choice(STATES)
    district = rng.choice([None, "1", "2", "03"]) if state in ("ME", "NE") else None
    history = [rng.random() < 0.5 for _ in range(rng.choice([0, 1, 2, 4, 6]))]
    return PairFeatures(
        supporter_id=f"s{rng.randrange(supporters)}",
        friend_key=f"f{rng.randrange(friends)}",
        state=rng.choice([state, state, state, None]),
        district=district,
        match_p=rng.choice([rng.random(), 0.9, 1.0]),
        turnout_score=rng.choice([None, rng.random(), 0.0, 1.0]),
        vote_history=history,
        support_score=rng.choice([None, rng.random(), 0.9]),
        registration_status=rng.choice(["active", "inactive", "unregistered", None]),
        already_voted=rng.random() < 0.05,
        do_not_contact=rng.random() < 0.05,
        channels=rng.choice(CHANNEL_SETS),
        reciprocal=rng.random() < 0.2,
        same_household=rng.random() < 0.05,
        favorite=rng.random() < 0.1,
        labels=rng.choice(LABELS),
        closeness=rng.choice([None, None, None, rng.random()]),
        party=rng.choice([None, "DEM", "REP", "UNA", "D", "R", "NPA"]),
        birth_year=rng.choice([None, 1940, 1975, 2001]),
        household_id=rng.choice([None, None, f"h{rng.randrange(friends // 2)}"]),
        on_file=rng.random() > 0.1,
    )
