"""Linkage quality on a labelled test bed: precision, recall, match rate and review load.

:func:`load_eval` reads the three files that ``outreach.demo.linkage.generate_linkage_eval``
writes (voters, contacts with a ``contact_id`` column, truth). :func:`score_decisions`
grades one linker's decisions against the truth:

- precision: links to the right voter / links made;
- recall: links to the right voter / contacts who are in the voter file;
- match rate: links made / contacts;
- review: contacts left for review, and how many of them have their voter among the
  candidates.

:func:`operating_points` reads a threshold sweep for the best recall at a wanted
precision and the best precision at a wanted recall.

:func:`candidates_for` gives what the graph would hand a linker for an upload: the
voters sharing a phone, email, name key (within the contact's state, if given) or
surname-state-initial key with some contact.
"""

from __future__ import annotations

import csv
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph.voters import BlockingKeys
from ingest.blocking import candidate_voters
from ingest.keys import birth_key, name_state_key, sound_key, street_key, surname_key
from ingest.link_exact import ExactLinker
from ingest.link_files import LinkReport, read_left, read_voters
from ingest.link_splink import SplinkLinker
from ingest.linking import KeyedContact, LinkDecision
from ingest.names import canonical_first_name
from ingest.place_areas import voter_file_place_areas


@dataclass(frozen=True, slots=True)
class EvalSet:
    """A labelled test bed, keyed and ready to link."""

    secret: str
    ids: list[str]
    contacts: list[KeyedContact]
    voters: list[dict[str, Any]]
    truth: dict[str, str]  # contact id -> voter id, "" for someone in no voter file
    place_areas: dict[str, list[str]]  # what the graph would hold for these voters


@dataclass(frozen=True, slots=True)
class Scores:
    """How one linker did at one threshold."""

    threshold: float
    links: int
    correct: int
    precision: float
    recall: float
    match_rate: float
    review: int
    review_with_truth: int


def load_eval(voters_csv: Path, contacts_csv: Path, truth_csv: Path) -> EvalSet:
    """Read a generated test bed; keys use a throwaway secret, as ``link_files`` does."""
    secret = secrets.token_hex(16)
    report = LinkReport(out_csv=Path(truth_csv))
    ids, contacts = read_left(Path(contacts_csv), None, secret=secret, report=report)
    voters = read_voters(Path(voters_csv), "demo", secret=secret, report=report)
    with Path(truth_csv).open(newline="", encoding="utf-8") as f:
        truth = {row["contact_id"]: row["voter_id"] for row in csv.DictReader(f)}
    return EvalSet(
        secret=secret, ids=ids, contacts=contacts, voters=voters, truth=truth,
        place_areas=voter_file_place_areas(voters),
    )  # fmt: skip


def score_decisions(
    evalset: EvalSet, decisions: Sequence[LinkDecision], *, threshold: float
) -> Scores:
    """Grade decisions (one per contact, in order) against the truth."""
    links = correct = review = review_hits = 0
    for contact_id, decision in zip(evalset.ids, decisions, strict=True):
        true_voter = evalset.truth.get(contact_id, "")
        if decision.voter_id:
            links += 1
            correct += decision.voter_id == true_voter
        elif decision.candidates:
            review += 1
            review_hits += any(vid == true_voter for vid, _ in decision.candidates)
    in_file = sum(1 for cid in evalset.ids if evalset.truth.get(cid))
    return Scores(
        threshold=threshold,
        links=links,
        correct=correct,
        precision=correct / links if links else 1.0,
        recall=correct / in_file if in_file else 1.0,
        match_rate=links / len(evalset.ids) if evalset.ids else 0.0,
        review=review,
        review_with_truth=review_hits,
    )


def candidates_for(
    contacts: Sequence[KeyedContact],
    voters: Sequence[dict[str, Any]],
    *,
    secret: str | None = None,
) -> list[dict[str, Any]]:
    """The voters the graph would return for these contacts' blocking keys.

    The rounds and keys are those of ``ingest.blocking.candidate_voters``; each round's
    keys match here as ``graph.voters.FIND_CANDIDATES`` matches them in the graph: a phone
    or email hash, the name key (within the contact's state when it gives one),
    ``last|STATE|initial`` against each voter's own (``ingest.keys.surname_key``), and the
    birth and street keys (``ingest.keys.birth_key``, ``street_key``). Without
    the hashing ``secret`` no swapped phones are looked up.
    """
    index: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for voter in voters:
        first = voter.get("first_name")
        canonical = canonical_first_name(first) if first else None
        for kind, key in (
            ("phone", voter.get("phone_hash")),
            ("email", voter.get("email_hash")),
            ("name", voter.get("name_key")),
            ("name_state", _name_state(voter.get("name_key"), voter.get("state"))),
            ("surname", surname_key(voter.get("last_name"), voter.get("state"), canonical)),
            ("sound", sound_key(voter.get("last_name"), voter.get("state"), canonical)),
            ("birth", birth_key(voter.get("birth_date"), canonical)),
            ("street", street_key(voter.get("address"))),
        ):
            if key:
                index[(kind, key)].append(voter)

    def find(keys: BlockingKeys) -> list[dict[str, Any]]:
        rows: dict[str, dict[str, Any]] = {}
        wanted = [("phone", k) for k in keys.phones] + [("email", k) for k in keys.emails]
        wanted += [("name_state", k) for k in keys.names_in_state]
        wanted += [("name", k) for k in keys.names]
        wanted += [("surname", k) for k in keys.surnames] + [("sound", k) for k in keys.sounds]
        wanted += [("birth", k) for k in keys.births] + [("street", k) for k in keys.streets]
        for kind, key in wanted:
            for voter in index.get((kind, key), []):
                rows.setdefault(voter["voter_id"], voter)
        return list(rows.values())

    found = {v["voter_id"]: v for v in candidate_voters(find, contacts, secret=secret or "")}
    return [found[k] for k in sorted(found)]


def _name_state(key: str | None, state: str | None) -> str | None:
    """A voter's ``first|last|STATE``, as ``ingest.voters_job.voter_row`` stores it."""
    return name_state_key(key, state) if key and state else None


def format_table(rows: Sequence[tuple[str, Scores]]) -> str:
    """A plain-text table of scores, one line per (linker, threshold)."""
    header = (
        f"{'linker':<8} {'threshold':>9} {'precision':>9} {'recall':>7} {'match':>7} "
        f"{'links':>6} {'review':>7} {'review_hit':>10}"
    )
    lines = [header, "-" * len(header)]
    for name, s in rows:
        lines.append(
            f"{name:<8} {s.threshold:>9.2f} {s.precision:>9.4f} {s.recall:>7.4f} "
            f"{s.match_rate:>7.4f} {s.links:>6} {s.review:>7} {s.review_with_truth:>10}"
        )
    return "\n".join(lines)


def operating_points(scores: Sequence[Scores], *, precision: float, recall: float) -> str:
    """The best recall with at least ``precision``, and the best precision with ``recall``."""
    lines = []
    precise = [s for s in scores if s.precision >= precision]
    if precise:
        s = max(precise, key=lambda s: (s.recall, s.precision))
        lines.append(
            f"best recall at precision >= {precision:.2f}: {s.recall:.4f} "
            f"(precision {s.precision:.4f}, threshold {s.threshold:.2f})"
        )
    full = [s for s in scores if s.recall >= recall]
    if full:
        s = max(full, key=lambda s: (s.precision, s.recall))
        lines.append(
            f"best precision at recall >= {recall:.2f}: {s.precision:.4f} "
            f"(recall {s.recall:.4f}, threshold {s.threshold:.2f})"
        )
    return "\n".join(lines) or f"no threshold reaches precision {precision} or recall {recall}"


def sweep_splink(
    linker: SplinkLinker, evalset: EvalSet, thresholds: Sequence[float]
) -> list[Scores]:
    """The splink linker's scores at each threshold, from one scoring run."""
    pairs = linker.pairs_by_contact(
        evalset.contacts, evalset.voters, voters_on_file=len(evalset.voters),
        place_areas=evalset.place_areas,
    )  # fmt: skip
    each = [pairs.get(str(i), []) for i in range(len(evalset.ids))]
    return [
        score_decisions(evalset, linker.decide_each(each, threshold=t), threshold=t)
        for t in thresholds
    ]


def sweep_exact(evalset: EvalSet, thresholds: Sequence[float]) -> list[Scores]:
    """The exact-key baseline's scores at each threshold."""
    return [
        score_decisions(
            evalset, ExactLinker(threshold=t).link(evalset.contacts, evalset.voters), threshold=t
        )
        for t in thresholds
    ]
