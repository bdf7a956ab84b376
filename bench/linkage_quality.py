"""How well and how fast contacts link to the voter file: the splink linker against exact keys.

Run from the repository root:

    python -m bench.linkage_quality                    # 20,000 voters, 5,000 contacts, seed 11
    python -m bench.linkage_quality --files 100000     # also link_files on 100k x 100k
    python -m bench.linkage_quality --train-model ingest/link_model.json   # rebuild the model

Everything comes from ``generate_linkage_eval`` (seeded), so a run is repeatable:

1. Quality, with the whole voter file as candidates: precision, recall, match rate and
   review load of ``SplinkLinker`` and of the ``ExactLinker`` baseline, at several
   thresholds; each linker's default threshold is marked with ``*``.
2. Quality the way uploads run: contacts in batches of 1,000, each against only the
   voters the graph would return for its blocking keys (``candidates_for``); also by
   what each contact carries (a strong identifier, a name alone), as the linkage goal
   counts them, and by what the pair shares (a phone or email the voter file lists, a
   birth year or street, or only a name and place).
3. Speed: seconds per 1,000-contact upload for both linkers (median of the batches) and
   the ratio, measured in the same run; with ``--files N``, ``link_files`` on N contacts
   against N voters.

The model is trained on a different seed (7) from the one evaluated (11 by default): m
from seed 7's labelled pairs, u from its random pairs.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.linkage_outside import shares_table
from ingest.file_linkage import link_files
from ingest.keys import street_key
from ingest.link_decide import DEFAULT_THRESHOLD
from ingest.link_eval import (
    EvalSet,
    Scores,
    candidates_for,
    format_table,
    load_eval,
    operating_points,
    score_decisions,
    sweep_exact,
    sweep_splink,
)
from ingest.link_exact import ExactLinker
from ingest.link_files import train_from_files
from ingest.link_splink import SplinkLinker
from ingest.linking import KeyedContact, LinkDecision, Linker
from ingest.splink_model import swapped_phone_keys
from outreach.demo.linkage import generate_linkage_eval

SPLINK_THRESHOLDS = (0.5, 0.7, 0.8, DEFAULT_THRESHOLD, 0.95, 0.98, 0.99)
FINE_THRESHOLDS = tuple(round(0.5 + 0.01 * i, 2) for i in range(50))
GOAL_PRECISION, GOAL_RECALL = 0.98, 0.90
EXACT_THRESHOLDS = (0.7, 0.8, 0.9, 0.97)
EXACT_DEFAULT = 0.8
UPLOAD = 1000
TRAIN_SEED = 7


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--voters", type=int, default=20_000)
    parser.add_argument("--contacts", type=int, default=5_000)
    parser.add_argument("--files", type=int, default=0, help="also time link_files on N x N")
    parser.add_argument("--train-model", type=Path, help="train the model (seed 7) to this path")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        if args.train_model:
            train(Path(tmp) / "train", args.train_model)
            return
        paths = generate_linkage_eval(
            Path(tmp) / "eval", seed=args.seed, voters=args.voters, contacts=args.contacts
        )
        evalset = load_eval(*paths)
        in_file = sum(1 for cid in evalset.ids if evalset.truth.get(cid))
        print(
            f"seed {args.seed}: {len(evalset.voters):,} voters, {len(evalset.ids):,} contacts, "
            f"{in_file:,} of them in the voter file"
        )
        splink = SplinkLinker(secret=evalset.secret)
        quality(splink, evalset)
        uploads(splink, evalset)
        if args.files:
            files(Path(tmp) / "files", args.files)


def train(directory: Path, out: Path) -> None:
    """Train the shipped model on a generated set that the benchmark never evaluates on.

    m is counted on the set's labelled pairs (its truth file); the evaluated seed's truth
    is used for scoring only.
    """
    voters, contacts, truth = generate_linkage_eval(
        directory, seed=TRAIN_SEED, voters=20_000, contacts=20_000
    )
    started = time.perf_counter()
    train_from_files(voters, "demo", contacts, out, truth_csv=truth)
    print(f"trained on seed {TRAIN_SEED} in {time.perf_counter() - started:.1f} s: {out}")


def quality(splink: SplinkLinker, evalset: EvalSet) -> None:
    """Table 1: both linkers, whole voter file as candidates, several thresholds."""
    rows = [("splink", s) for s in sweep_splink(splink, evalset, SPLINK_THRESHOLDS)]
    rows += [("exact", s) for s in sweep_exact(evalset, EXACT_THRESHOLDS)]
    print("\n1. Quality, the whole voter file as candidates (* = default threshold)")
    print(marked(format_table(rows), rows))
    fine = sweep_splink(splink, evalset, FINE_THRESHOLDS)
    goal = f"precision >= {GOAL_PRECISION:.2f} at recall >= {GOAL_RECALL:.2f}"
    print(f"\n   splink over thresholds 0.50-0.99 (goal: {goal}):")
    for line in operating_points(fine, precision=GOAL_PRECISION, recall=GOAL_RECALL).split("\n"):
        print(f"   {line}")


def uploads(splink: SplinkLinker, evalset: EvalSet) -> None:
    """Tables 2 and 3: uploads of 1,000 contacts against their graph candidates."""
    results: dict[str, tuple[list[LinkDecision], list[float]]] = {}
    linkers: dict[str, Linker] = {"splink": splink, "exact": ExactLinker()}
    for name, linker in linkers.items():
        decisions: list[LinkDecision] = []
        times: list[float] = []
        for start in range(0, len(evalset.contacts), UPLOAD):
            batch = evalset.contacts[start : start + UPLOAD]
            candidates = candidates_for(batch, evalset.voters, secret=evalset.secret)
            began = time.perf_counter()
            decisions.extend(
                linker.link(
                    batch, candidates, voters_on_file=len(evalset.voters),
                    place_areas=evalset.place_areas,
                )
            )  # fmt: skip
            times.append(time.perf_counter() - began)
        results[name] = (decisions, times)
    thresholds = {"splink": DEFAULT_THRESHOLD, "exact": EXACT_DEFAULT}
    rows = [
        (name, score_decisions(evalset, decisions, threshold=thresholds[name]))
        for name, (decisions, _) in results.items()
    ]
    print(f"\n2. Quality as uploads run: batches of {UPLOAD:,}, graph candidates only")
    print(format_table(rows))
    print("\n   splink as uploads run, by what the contact carries (at the default threshold):")
    print(by_evidence(evalset, results["splink"][0]))
    print("   and by what the pair shares (the true pair for recall, the link for precision):")
    print(by_shared(evalset, results["splink"][0]))
    medians = {name: statistics.median(times) for name, (_, times) in results.items()}
    print(f"\n3. Speed per upload of {UPLOAD:,} contacts (median of {len(results['exact'][1])})")
    for name, seconds in medians.items():
        print(f"   {name:<7} {seconds:8.3f} s")
    print(f"   splink / exact: {medians['splink'] / medians['exact']:.0f}x")


def evidence(contact: KeyedContact) -> str:
    """What a contact carries: a strong identifier (a phone or email, or a name with a
    birth date or street address), a name alone, or neither."""
    record = contact.record
    named = bool(record.first_name and record.last_name)
    if record.phones or record.emails:
        return "phone or email"
    if named and (record.birth_year or record.birth_date or record.address):
        return "name with birth date or address"
    return "name alone" if named else "other"


def by_evidence(evalset: EvalSet, decisions: list[LinkDecision]) -> str:
    """Recall and precision of the decisions per evidence class, strong classes together."""
    counts: dict[str, list[int]] = {}  # class -> in file, found, links, right links
    for cid, contact, decision in zip(evalset.ids, evalset.contacts, decisions, strict=True):
        wanted = evalset.truth.get(cid)
        c = counts.setdefault(evidence(contact), [0, 0, 0, 0])
        c[0] += bool(wanted)
        c[1] += bool(wanted) and decision.voter_id == wanted
        c[2] += decision.voter_id is not None
        c[3] += decision.voter_id is not None and decision.voter_id == wanted
    strong = ("phone or email", "name with birth date or address")
    counts["strong identifier (both above)"] = [
        sum(counts.get(cls, [0, 0, 0, 0])[i] for cls in strong) for i in range(4)
    ]
    lines = [f"   {'class':<34} {'in file':>7} {'recall':>7} {'links':>6} {'precision':>9}"]
    for cls, (n, found, links, right) in sorted(counts.items()):
        lines.append(
            f"   {cls:<34} {n:>7} {found / n if n else 0:>7.4f} {links:>6} "
            f"{right / links if links else 1:>9.4f}"
        )
    return "\n".join(lines)


def shared(evalset: EvalSet, contact: KeyedContact, voter: dict[str, Any]) -> str:
    """What a contact and a voter agree on beyond a name and place, strongest first: a phone
    (also one swap of two digits away) or email the voter file lists, then a birth year or
    street; a phone the voter file lacks is no evidence."""
    record = contact.record
    phones = set(contact.phone_keys) | set(swapped_phone_keys(evalset.secret, record.phones))
    if voter.get("phone_hash") in phones or voter.get("email_hash") in set(contact.email_keys):
        return "a phone or email"
    birth = record.birth_year and record.birth_year == voter.get("birth_year")
    street = contact.street_key and contact.street_key == street_key(voter.get("address"))
    return "birth year or street" if birth or street else "name and place only"


def by_shared(evalset: EvalSet, decisions: list[LinkDecision]) -> str:
    """Recall and precision by what the pair shares (see :func:`shared`)."""
    voters = {str(v["voter_id"]): v for v in evalset.voters}
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # true, found, links, ok
    for cid, contact, decision in zip(evalset.ids, evalset.contacts, decisions, strict=True):
        wanted = evalset.truth.get(cid)
        if wanted:
            c = counts[shared(evalset, contact, voters[wanted])]
            c[0] += 1
            c[1] += decision.voter_id == wanted
        if decision.voter_id:
            c = counts[shared(evalset, contact, voters[decision.voter_id])]
            c[2] += 1
            c[3] += decision.voter_id == wanted
    return "\n".join(shares_table(counts))


def files(directory: Path, size: int) -> None:
    """link_files on ``size`` contacts against ``size`` voters, timed end to end."""
    voters, contacts, _ = generate_linkage_eval(
        directory, seed=TRAIN_SEED + 100, voters=size, contacts=size
    )
    report = link_files(
        contacts, None, voters, "demo", directory / "links.csv", left_id_column="contact_id"
    )
    print(
        f"\n   link_files {size:,} x {size:,}: {report.seconds:.1f} s "
        f"({report.linked:,} linked, {report.review:,} for review, {report.unmatched:,} not)"
    )


def marked(table: str, rows: list[tuple[str, Scores]]) -> str:
    """The table with each linker's default threshold marked."""
    lines = table.split("\n")
    defaults = {"splink": DEFAULT_THRESHOLD, "exact": EXACT_DEFAULT}
    for i, (name, s) in enumerate(rows, start=2):
        if s.threshold == defaults[name]:
            lines[i] += "  *"
    return "\n".join(lines)


if __name__ == "__main__":
    main()
