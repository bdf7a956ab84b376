"""Probabilistic linkage of contacts to voters: the trained splink model, run on DuckDB.

The model (columns, comparisons, blocking) is in ``ingest/splink_model.py`` and its
parameters in ``link_model.json``; splink's SQL is generated once per process and
replayed per call (``ingest/splink_sql.py``); the decision per contact is
``ingest/link_decide.py``.
"""

from __future__ import annotations

import math
import threading
from collections import defaultdict
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from ingest.link_decide import (
    DEFAULT_REVIEW_FLOOR,
    DEFAULT_THRESHOLD,
    ScoredPair,
    decide,
    household_adjusted,
    housemates_to_review,
)
from ingest.link_people import ScoredPair as PeoplePair
from ingest.link_people import decide_links, level_weights
from ingest.linking import KeyedContact, LinkDecision
from ingest.place_areas import fill_place_areas
from ingest.splink_model import MODEL_PATH, SCHEMA, contact_rows, load_model, voter_rows
from ingest.splink_sql import CompiledPrediction
from outreach.core.errors import InvalidInput

METHOD = "splink"
# Pairs below this match weight (odds of 1 in 1024) are dropped before deciding.
_MIN_MATCH_WEIGHT = -10.0


class SplinkLinker:
    """Link contacts to candidate voters with the trained splink model.

    Build it once per process and reuse it: it holds its own DuckDB connection and the
    compiled prediction SQL, and serialises calls. Given the keyed-hash ``secret``,
    contacts' phones are also compared one adjacent-digit swap away.

    ``one_to_one`` (on for uploads): within one call a voter links to at most one
    contact, and a contact to at most one voter. The surest link is made first and its
    voter struck from the other contacts' candidates, whose chances are worked out again
    without it (``ingest.link_people.decide_links``). Two entries of one address book are
    two people: a contact whose near namesake (one letter of the surname, one swap of
    the phone) is also in the book, and surely linked, is not held back by that voter.

    The model's prior (the chance that a contact and a voter drawn at random are one
    person) was counted on a voter file of ``outreach_prior_voters`` voters. Given the
    number of voters on file, each pair's weight is moved to that file's prior
    (:func:`prior_shift`): among a million voters a namesake in the same city is fifty
    times as likely as among twenty thousand, and a name that linked on the smaller
    file does not on the larger. (It is never raised for a smaller file.)
    """

    def __init__(
        self,
        *,
        model: Path | dict[str, Any] | None = None,
        threshold: float = DEFAULT_THRESHOLD,
        review_floor: float = DEFAULT_REVIEW_FLOOR,
        secret: str | None = None,
        one_to_one: bool = True,
    ) -> None:
        if not 0.0 <= review_floor <= threshold <= 1.0:
            raise InvalidInput(
                f"need 0 <= review floor <= threshold <= 1, got {review_floor} and {threshold}"
            )
        self.threshold = threshold
        self.review_floor = review_floor
        self._secret = secret
        self.one_to_one = one_to_one
        settings = model if isinstance(model, dict) else load_model(model or MODEL_PATH)
        self._prior = float(settings["probability_two_random_records_match"])
        self._prior_voters = settings.get("outreach_prior_voters")
        self._lock = threading.Lock()
        self._prediction = CompiledPrediction(
            settings,
            SCHEMA,
            threshold_match_weight=_MIN_MATCH_WEIGHT,
            columns=(
                "unique_id_l", "unique_id_r", "match_weight", "gamma_first_name", "gamma_phone",
                "gamma_address",
            ),
        )  # fmt: skip
        self._household = household_weights(settings)
        self._household_address = household_weights(settings, "address")

    def link(
        self,
        contacts: Sequence[KeyedContact],
        voters: Sequence[dict[str, Any]],
        *,
        voters_on_file: int | None = None,
        place_areas: Mapping[str, Sequence[str]] | None = None,
    ) -> list[LinkDecision]:
        """One decision per contact, in order."""
        pairs = self.pairs_by_contact(
            contacts, voters, voters_on_file=voters_on_file, place_areas=place_areas
        )
        ids = [str(i) for i in range(len(contacts))]
        each = [pairs.get(i, []) for i in ids]
        if not self.one_to_one:
            return self.decide_each(each)
        weighed = [
            PeoplePair(contact, voter_id, weight)
            for contact, scored in pairs.items()
            for (voter_id, *_), weight in zip(scored, household_adjusted(scored), strict=True)
        ]
        decisions = decide_links(
            ids, weighed, threshold=self.threshold, review_floor=self.review_floor,
            one_to_one=True,
        )  # fmt: skip
        return housemates_to_review(decisions, each, threshold=self.threshold)

    def decide_each(
        self, each: Sequence[Sequence[ScoredPair]], *, threshold: float | None = None
    ) -> list[LinkDecision]:
        """Each contact's decision from its own scored candidates, not one-to-one."""
        at = self.threshold if threshold is None else threshold
        decisions = [self.decide(scored, threshold=at) for scored in each]
        return housemates_to_review(decisions, each, threshold=at)

    def pairs_by_contact(
        self,
        contacts: Sequence[KeyedContact],
        voters: Sequence[dict[str, Any]],
        *,
        voters_on_file: int | None = None,
        place_areas: Mapping[str, Sequence[str]] | None = None,
    ) -> dict[str, list[ScoredPair]]:
        """Contact position -> its scored candidates (voter id, match weight, first-name level,
        household weight: the phone's and the address's agreement, which housemates share),
        weights at the prior of a file of ``voters_on_file`` voters;
        phones compared with where each side lives by ``place_areas``."""
        by_contact: dict[str, list[ScoredPair]] = defaultdict(list)
        shift = self.prior_shift(voters_on_file)
        left, right = contact_rows(contacts, secret=self._secret), voter_rows(voters)
        fill_place_areas(left, place_areas)
        fill_place_areas(right, place_areas)
        for contact, voter, weight, first_level, phone_level, address_level in self.score(
            left, right
        ):
            household = self._household.get(phone_level, 0.0) + self._household_address.get(
                address_level, 0.0
            )
            by_contact[contact].append((voter, weight + shift, first_level, household))
        return by_contact

    def prior_shift(self, voters_on_file: int | None) -> float:
        """What to add to a match weight for a file of ``voters_on_file`` voters: the log2
        of that file's prior odds over the model's; nothing when either count is unknown.

        The share of contacts who are on the file stays; the chance that a given voter is
        the one falls as the file grows: prior = model prior * trained voters / voters.
        It is never raised for a smaller file: a small file (a county, a test) covers
        fewer of a supporter's friends, which the share counted on the training file, where
        three in four contacts were voters, would overstate.
        """
        if not voters_on_file or not self._prior_voters or voters_on_file <= self._prior_voters:
            return 0.0
        prior = self._prior * float(self._prior_voters) / voters_on_file
        return math.log2(prior / (1.0 - prior)) - math.log2(self._prior / (1.0 - self._prior))

    def score(
        self, left: list[dict[str, Any]], right: list[dict[str, Any]]
    ) -> list[tuple[str, str, float, int, int, int]]:
        """Blocked pairs with their match weight, first-name, phone and address levels, in a
        stable order."""
        with self._lock:
            rows = self._prediction.score(left, right)
        return [(str(a), str(b), float(w), int(g), int(p), int(d)) for a, b, w, g, p, d in rows]

    def decide(
        self, pairs: Sequence[ScoredPair], *, threshold: float | None = None
    ) -> LinkDecision:
        """The decision for one contact from its (voter id, match weight, first-name level)."""
        return decide(
            pairs,
            threshold=self.threshold if threshold is None else threshold,
            review_floor=self.review_floor,
            method=METHOD,
        )


def household_weights(settings: dict[str, Any], name: str = "phone") -> dict[int, float]:
    """A comparison's level -> its match weight where positive: for the phone, what a shared
    landline adds; for the address, what living at one address adds.

    Levels are numbered as splink does, from the last (0, "anything else") up.
    """
    weights = level_weights(settings, name)
    return {
        len(weights) - 1 - rank: max(weight, 0.0)
        for rank, weight in enumerate(weights)
        if weight is not None
    }


@lru_cache(maxsize=4)
def default_linker(
    secret: str | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    review_floor: float = DEFAULT_REVIEW_FLOOR,
) -> SplinkLinker:
    """The process's linker with the shipped model, built on first use and then reused."""
    return SplinkLinker(secret=secret, threshold=threshold, review_floor=review_floor)
