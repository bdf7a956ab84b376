"""From a contact's scored candidates to one decision: link, keep for review, or neither.

The chance that a contact is each candidate, given that it is at most one of them, is
that pair's odds over one plus the sum of all its pairs' odds, so two equally good
candidates share it and neither links. A first name that disagrees is evidence against
the pair with the weight the model gives it, not a veto: the best candidate links at
``threshold`` or above whatever its first name.

Housemates are evidence too. The model scores each pair alone, so a contact who gave the
household's landline agrees on it with every member who lists it, and a housemate whose
first name disagrees outright can outscore the member the contact names, who lists no
phone. When some candidate's first name agrees, a candidate whose first name disagrees
outright looks like that member's housemate: the weight of what members of a household
share (the phone's and the address's agreement, each pair's ``household`` weight) says
"this household", not "this person", and is taken off that candidate's weight. A housemate with more
evidence than the household's (an email, a birth year) can still win. When no first name
agrees, a link that the household's evidence alone carries over the threshold is not made
but kept for review (:func:`housemates_to_review`): the contact is as likely a housemate
the voter file lacks, or an entry such as "Mom", as the voter, and the supporter knows.
Otherwise the candidates that would reach ``review_floor`` on their own are kept for
review, the likeliest ``REVIEW_LIMIT`` at most: two voters who are equally good (a parent
and a child of one name at one address) share the chance, each below one half, and the
contact is doubtful between them, not without a candidate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ingest.linking import LinkDecision

DEFAULT_THRESHOLD = 0.9
DEFAULT_REVIEW_FLOOR = 0.5
REVIEW_LIMIT = 3
FIRST_NAMES_DISAGREE = 0  # the comparison vector value of the first-name ElseLevel

# (voter id, match weight, first-name comparison level, household weight: the part of the
# match weight that members of one household share, such as a landline's or the address's
# agreement)
ScoredPair = tuple[str, float, int, float]


def decide(
    pairs: Sequence[ScoredPair], *, threshold: float, review_floor: float, method: str
) -> LinkDecision:
    """The decision for one contact from its scored candidate pairs."""
    if not pairs:
        return LinkDecision(voter_id=None, probability=0.0, method="none")
    weights = household_adjusted(pairs)
    odds = [2.0 ** min(weight, 500.0) for weight in weights]
    total = 1.0 + math.fsum(odds)
    chances = [(vid, o / total, w) for (vid, *_), o, w in zip(pairs, odds, weights, strict=True)]
    ranked = sorted(chances, key=lambda item: (-item[1], item[0]))
    best_id, best_p, _ = ranked[0]
    if best_p >= threshold:
        return LinkDecision(voter_id=best_id, probability=best_p, method=method)
    review = [(vid, p) for vid, p, w in ranked if on_its_own(w) >= review_floor]
    return LinkDecision(
        voter_id=None, probability=best_p, method=method, candidates=review[:REVIEW_LIMIT]
    )


def on_its_own(match_weight: float) -> float:
    """A pair's match probability were its voter the contact's only candidate."""
    odds: float = 2.0 ** min(match_weight, 500.0)
    return odds / (1.0 + odds)


def household_adjusted(pairs: Sequence[ScoredPair]) -> list[float]:
    """The pairs' match weights, in order, the household's share taken off a candidate
    whose first name disagrees when another's agrees (see above)."""
    weights = [weight for _, weight, _, _ in pairs]
    if any(gamma > FIRST_NAMES_DISAGREE for _, _, gamma, _ in pairs):
        weights = [
            weight - max(household, 0.0) if gamma == FIRST_NAMES_DISAGREE else weight
            for _, weight, gamma, household in pairs
        ]
    return weights


def housemates_to_review(
    decisions: Sequence[LinkDecision], pairs: Sequence[Sequence[ScoredPair]], *, threshold: float
) -> list[LinkDecision]:
    """Each decision, a link kept for review instead where the linked voter's first name
    disagrees outright and the pair clears ``threshold`` only with what a household shares
    (``pairs`` holds each decision's scored candidates)."""
    resolved = []
    for decision, scored in zip(decisions, pairs, strict=True):
        linked = [p for p in scored if p[0] == decision.voter_id]
        if decision.voter_id is None or not linked:
            resolved.append(decision)
            continue
        _, weight, gamma, household = linked[0]
        carried = household > 0 and on_its_own(weight - household) < threshold
        if gamma != FIRST_NAMES_DISAGREE or not carried:
            resolved.append(decision)
            continue
        doubtful = [(decision.voter_id, decision.probability), *decision.candidates]
        resolved.append(
            LinkDecision(
                voter_id=None, probability=decision.probability, method=decision.method,
                candidates=doubtful[:REVIEW_LIMIT],
            )
        )  # fmt: skip
    return resolved


def one_contact_per_voter(decisions: Sequence[LinkDecision]) -> list[LinkDecision]:
    """Each voter linked by at most one of these contacts: the likeliest keeps the link.

    Within one upload two contacts are two entries of the address book; when both link
    the same voter, the one with the higher probability (then the earlier) keeps it and
    the other is left for review with that voter as its candidate.
    """
    best: dict[str, int] = {}
    for i, decision in enumerate(decisions):
        if decision.voter_id is None:
            continue
        held = best.get(decision.voter_id)
        if held is None or decision.probability > decisions[held].probability:
            best[decision.voter_id] = i
    resolved = []
    for i, decision in enumerate(decisions):
        if decision.voter_id is None or best[decision.voter_id] == i:
            resolved.append(decision)
            continue
        resolved.append(
            LinkDecision(
                voter_id=None,
                probability=decision.probability,
                method=decision.method,
                candidates=[(decision.voter_id, decision.probability)],
            )
        )
    return resolved
