"""Deterministic linkage on exact keys: the simple, explainable baseline linker.

Rules, first that applies wins (probabilities are calibrated guesses, documented so
that analysts can discount them; the probabilistic linker replaces them with learned
ones):

* phone and canonical first name agree with one voter: 0.99
* email agrees with one voter: 0.97 (0.99 when the first name agrees too)
* phone agrees with exactly one voter and the contact has no first name: 0.90
* canonical first and last name agree with exactly one voter in the contact's state: 0.90
* ... with exactly one voter anywhere, the contact giving no state: 0.70

A household phone shared by several voters links only through the first name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from ingest.keys import fold
from ingest.linking import KeyedContact, LinkDecision


class ExactLinker:
    """Link on phone, email or full name, exactly; see the module docstring for the rules."""

    def __init__(self, *, threshold: float = 0.8) -> None:
        self.threshold = threshold

    def link(
        self,
        contacts: Sequence[KeyedContact],
        voters: Sequence[dict[str, Any]],
        *,
        voters_on_file: int | None = None,
        place_areas: Mapping[str, Sequence[str]] | None = None,
    ) -> list[LinkDecision]:
        """One decision per contact, in order (exact keys weigh nothing: neither the size
        of the file nor where its phones are used changes them)."""
        by_phone: dict[str, list[dict[str, Any]]] = defaultdict(list)
        by_email: dict[str, list[dict[str, Any]]] = defaultdict(list)
        by_name: dict[str, list[dict[str, Any]]] = defaultdict(list)
        seen: set[str] = set()
        for voter in voters:
            if voter["voter_id"] in seen:
                continue
            seen.add(voter["voter_id"])
            if voter.get("phone_hash"):
                by_phone[voter["phone_hash"]].append(voter)
            if voter.get("email_hash"):
                by_email[voter["email_hash"]].append(voter)
            if voter.get("name_key"):
                by_name[voter["name_key"]].append(voter)
        return [self._decide(c, by_phone, by_email, by_name) for c in contacts]

    def _decide(
        self,
        contact: KeyedContact,
        by_phone: dict[str, list[dict[str, Any]]],
        by_email: dict[str, list[dict[str, Any]]],
        by_name: dict[str, list[dict[str, Any]]],
    ) -> LinkDecision:
        first = fold(contact.canonical_first)

        def first_agrees(voter: dict[str, Any]) -> bool:
            return bool(first) and str(voter.get("name_key") or "").split("|")[0] == first

        scored: dict[str, tuple[float, str]] = {}

        def offer(voter_id: str, probability: float, method: str) -> None:
            if probability > scored.get(voter_id, (0.0, ""))[0]:
                scored[voter_id] = (probability, method)

        for key in contact.phone_keys:
            matches = by_phone.get(key, [])
            agreeing = [v for v in matches if first_agrees(v)]
            if len(agreeing) == 1:
                offer(agreeing[0]["voter_id"], 0.99, "phone+name")
            elif len(matches) == 1 and not first:
                offer(matches[0]["voter_id"], 0.90, "phone")
        for key in contact.email_keys:
            matches = by_email.get(key, [])
            if len(matches) == 1:
                offer(matches[0]["voter_id"], 0.99 if first_agrees(matches[0]) else 0.97, "email")
        if contact.name_key:
            matches = by_name.get(contact.name_key, [])
            state = contact.record.state
            if state:
                in_state = [v for v in matches if v.get("state") == state]
                if len(in_state) == 1:
                    offer(in_state[0]["voter_id"], 0.90, "name+state")
            elif len(matches) == 1:
                offer(matches[0]["voter_id"], 0.70, "name")

        if not scored:
            return LinkDecision(voter_id=None, probability=0.0, method="none")
        ranked = sorted(scored.items(), key=lambda item: (-item[1][0], item[0]))
        best_id, (best_p, method) = ranked[0]
        if best_p >= self.threshold:
            return LinkDecision(voter_id=best_id, probability=best_p, method=method)
        return LinkDecision(
            voter_id=None,
            probability=best_p,
            method=method,
            candidates=[(vid, p) for vid, (p, _) in ranked[:3]],
        )
