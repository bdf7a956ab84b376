"""``outreach link``: link two files, or find the duplicates in one, with no graph.

Each file is read either as a contacts-like CSV (any delimiter and encoding, headers
guessed, see ``readers.csv_contacts``) or, given a voter mapping, as a voter file; both
keep states and postcodes of any country as given. Every row either becomes a record or
is reported with its line and reason (:class:`LinkReport`).

The model (``ingest.link_fields``) is built from the fields both files carry: trained on
the files themselves without labels (or with ``truth`` pairs), or loaded from a file
saved by an earlier run, so that a new threshold costs no new training.

The output CSV holds ``left_id,right_id,probability,decision``: decision ``link`` for a
link, ``review`` for a doubtful candidate. A link that rests on a name and place alone
(the left record carries no phone, email, birth date or address, or none of them agrees
with the right record) is made only where no other right record has that name in its
state; else it goes to review.
Deduplicating one file, it also holds ``cluster``: the smallest id of the linked records'
group.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import json
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import Any

from ingest.encoding import decode_bytes
from ingest.link_decide import DEFAULT_REVIEW_FLOOR, DEFAULT_THRESHOLD
from ingest.link_fields import person_row, present_fields, record_emails, record_phones
from ingest.link_people import (
    ScoredPair,
    Tables,
    clusters,
    decide_links,
    score,
    train,
    unique_names_only,
)
from ingest.mapping import load_mapping
from ingest.readers import read_contacts
from ingest.readers.base import ids_by_line
from ingest.readers.compressed import open_data
from ingest.readers.voters import iter_voter_chunks
from ingest.records import ContactRecord, VoterRecord
from ingest.splink_model import swapped_phones
from outreach.core.errors import FileRejected, InvalidInput, RowError
from outreach.core.spreadsheet import neutralize

OUTPUT_HEADER = ("left_id", "right_id", "probability", "decision")
_ID_HEADERS = ("contactid", "id", "recid", "recordid", "voterid")


@dataclass
class LinkReport:
    """What a link or dedupe run did."""

    out_csv: Path
    left_read: int = 0
    right_read: int = 0
    left_rejected: list[RowError] = field(default_factory=list)
    right_rejected: list[RowError] = field(default_factory=list)
    linked: int = 0
    review: int = 0
    unmatched: int = 0
    seconds: float = 0.0
    fields: list[str] = field(default_factory=list)


@dataclass
class Side:
    """One file's records as model rows, with the id each row is written under."""

    ids: list[str]
    rows: list[dict[str, Any]]


class CollectorPaused:
    """Python's cycle collector off while the files are read, and what was read kept out of
    its later passes until the run ends.

    Reading makes hundreds of thousands of small objects (rows, records, lists) that live
    until the run ends and form no cycles; the collector, run every few hundred new
    objects, walked them again and again (on the generator's 5,000 contacts and 20,000
    voters, a third of the reading time). After reading (:meth:`records_read`) they are
    frozen (``gc.freeze``), so the collector, back on for training and scoring, no longer
    walks them; leaving the block unfreezes them and restores the collector's state. Where
    the process had frozen objects of its own already, nothing is frozen (unfreezing would
    release those too).
    """

    def __init__(self) -> None:
        self.enabled = gc.isenabled()
        self.frozen = False

    def __enter__(self) -> CollectorPaused:
        self.enabled = gc.isenabled()
        gc.disable()
        return self

    def records_read(self) -> None:
        """The files are read: keep their records out of collection, collector back on."""
        if not self.frozen and gc.get_freeze_count() == 0:
            gc.freeze()
            self.frozen = True
        if self.enabled:
            gc.enable()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.frozen:
            gc.unfreeze()
        if self.enabled:
            gc.enable()


def check_thresholds(threshold: float, review_floor: float | None) -> float:
    """The review floor (by default 0.5, or the threshold when lower); InvalidInput if disordered.

    Needs 0 <= review floor <= threshold <= 1.
    """
    if review_floor is None:
        review_floor = min(DEFAULT_REVIEW_FLOOR, threshold)
    if not 0.0 <= review_floor <= threshold <= 1.0:
        raise InvalidInput(
            f"need 0 <= review floor <= threshold <= 1, got review floor {review_floor} "
            f"and threshold {threshold}"
        )
    return review_floor


def read_side(
    path: Path,
    mapping: str | Path | None,
    *,
    secret: str,
    rejected: list[RowError],
    id_column: str | None = None,
    region: str = "US",
    near_phones: bool = True,
) -> tuple[Side, int]:
    """A file's model rows and how many rows it had; its rejected rows go to ``rejected``.

    ``near_phones`` adds the keys of each phone with two adjacent digits swapped; linking
    two files, one side having them is enough (the right side skips them).
    """
    try:
        return _read_side(
            path, mapping, secret=secret, rejected=rejected, id_column=id_column,
            region=region, near_phones=near_phones,
        )  # fmt: skip
    except InvalidInput as exc:
        if exc.detail.startswith(f"{path.name}:"):
            raise
        raise FileRejected(f"{path.name}: {exc.detail}", **exc.extra) from exc


def _read_side(
    path: Path,
    mapping: str | Path | None,
    *,
    secret: str,
    rejected: list[RowError],
    id_column: str | None,
    region: str,
    near_phones: bool,
) -> tuple[Side, int]:
    """:func:`read_side`, its errors not yet naming the file."""
    records: list[ContactRecord | VoterRecord] = []
    if mapping is not None:
        ids: list[str] = []
        read = 0
        for chunk in iter_voter_chunks(
            path,
            load_mapping(mapping),
            chunk_size=20_000,
            region=region,
            any_country=True,
            identity_only=True,
        ):
            read += chunk.rows_read
            rejected.extend(chunk.rejected)
            for voter in chunk.records:
                ids.append(voter.voter_id)
                records.append(voter)
    else:
        with open_data(path) as stream:  # plain, gzip or a zip archive of one file
            data = stream.read()
        parsed = read_contacts(data, filename=path.name, fmt="csv", region=region, any_country=True)
        read = parsed.rows_read
        rejected.extend(parsed.rejected)
        by_line = _ids_by_line(data, id_column)
        records.extend(parsed.records)
        # A row without an id is named by its line: ``line 7`` beside a file's own ids
        # (which a bare 7 could repeat), ``7`` in a file without an id column.
        blank = "line {}" if by_line else "{}"
        ids = [by_line.get(r.line) or blank.format(r.line) for r in parsed.records]
    if not records:
        shown = "; ".join(
            f"line {e.line}{f' ({e.field})' if e.field else ''}: {e.reason}" for e in rejected[:3]
        )
        raise FileRejected(
            f"{path.name}: no row of the file could be read, so there is nothing to link"
            + (f"; {shown}" if shown else ""),
            errors=list(rejected),
        )
    duplicates = len(ids) - len(set(ids))
    if duplicates:
        first_line: dict[str, int] = {}
        for record_id, record in zip(ids, records, strict=True):
            if record_id in first_line:
                raise FileRejected(
                    f"{path.name}: {duplicates} rows repeat another row's id; the first, line "
                    f"{record.line}, repeats line {first_line[record_id]}"
                )
            first_line[record_id] = record.line
    rows = [
        _row(i, record, secret=secret, near_phones=near_phones)
        for i, record in zip(ids, records, strict=True)
    ]
    return Side(ids=ids, rows=rows), read


def _row(
    unique_id: str, record: ContactRecord | VoterRecord, *, secret: str, near_phones: bool = True
) -> dict[str, Any]:
    """The model row of a record, with run keys (:func:`run_keys`) of its phones and emails."""
    phones = record_phones(record)
    keys = run_keys(secret)
    return person_row(
        unique_id,
        record,
        phone_keys=[keys("phone", p) for p in phones],
        phone_near_keys=sorted(keys("phone", p) for p in swapped_phones(phones))
        if near_phones
        else (),
        email_keys=[keys("email", e) for e in record_emails(record)],
        phones=phones,
    )


@lru_cache(maxsize=4)
def run_keys(secret: str) -> Callable[[str, str], str]:
    """Keys for the phones and emails of one run: keyed BLAKE2b of ``kind:value``.

    The phones and emails never enter the working tables (which DuckDB may spill to
    disk) in the clear. The keys need only hold within the run, with its own random
    secret, so they are not the graph's HMAC keys (``outreach.core.hashing``), which
    must be stable; BLAKE2b with a key is a MAC in one pass and three times as fast.
    """
    prepared = hashlib.blake2b(key=secret.encode()[:64], digest_size=16)

    def key(kind: str, value: str) -> str:
        mac = prepared.copy()
        mac.update(f"{kind}:{value}".encode())
        return mac.hexdigest()

    return key


def _ids_by_line(data: bytes, id_column: str | None) -> dict[int, str]:
    """Line number -> the row's id cell, when the CSV has an id column."""
    return ids_by_line(decode_bytes(data), id_column, default_headers=_ID_HEADERS, required=True)


def load_model_file(path: Path) -> dict[str, Any]:
    """A model saved by ``--train``; InvalidInput when it is not one."""
    try:
        model = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"cannot read the linkage model {path}: {exc}") from exc
    if not isinstance(model, dict) or "outreach_present_fields" not in model:
        raise InvalidInput(f"{path} is not a model saved by outreach link --train")
    return model


def _labels(truth_csv: Path, left: Side, right: Side | None) -> list[tuple[str, str]]:
    """Known pairs (first two columns of a CSV with a header) whose ids both files hold.

    InvalidInput when no pair does: training would otherwise go on without labels, as if
    none had been given.
    """
    known_left = set(left.ids)
    known_right = set(right.ids) if right is not None else known_left
    with truth_csv.open(newline="", encoding="utf-8", errors="replace") as f:
        rows = list(csv.reader(f))[1:]
    pairs = [(a, b) for a, b, *_ in rows if b and a in known_left and b in known_right]
    if not pairs:
        raise InvalidInput(
            f"{truth_csv.name}: no known pair names ids that both files hold (its first two "
            f"columns are read as left id, right id; {len(rows)} rows read)"
        )
    return pairs


def link_files(
    left_csv: Path,
    left_mapping: str | Path | None,
    right_csv: Path,
    right_mapping: str | Path | None,
    out_csv: Path,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    review_floor: float | None = None,
    one_to_one: bool = False,
    model: Path | None = None,
    save_model: Path | None = None,
    truth: Path | None = None,
    left_id_column: str | None = None,
    right_id_column: str | None = None,
    secret: str | None = None,
    region: str = "US",
) -> LinkReport:
    """Link every left row to the right file and write the links and review pairs."""
    review_floor = check_thresholds(threshold, review_floor)
    started = time.perf_counter()
    secret = secret or secrets.token_hex(16)
    report = LinkReport(out_csv=Path(out_csv))
    with CollectorPaused() as collector:
        left, report.left_read = read_side(
            Path(left_csv), left_mapping, secret=secret, rejected=report.left_rejected,
            id_column=left_id_column, region=region,
        )  # fmt: skip
        right, report.right_read = read_side(
            Path(right_csv), right_mapping, secret=secret, rejected=report.right_rejected,
            id_column=right_id_column, region=region, near_phones=False,
        )  # fmt: skip
        collector.records_read()
        _link(report, left, right, threshold=threshold, review_floor=review_floor,
              one_to_one=one_to_one, model=model, save_model=save_model, truth=truth)  # fmt: skip
    report.seconds = time.perf_counter() - started
    return report


def _link(
    report: LinkReport,
    left: Side,
    right: Side,
    *,
    threshold: float,
    review_floor: float,
    one_to_one: bool,
    model: Path | None,
    save_model: Path | None,
    truth: Path | None,
) -> None:
    """Train (or load) the model, score, decide and write: :func:`link_files` once read."""
    out_csv = report.out_csv
    settings, tables = _model(left, right, model=model, save_model=save_model, truth=truth)
    report.fields = _compared(settings, tables)
    pairs = score(settings, left.rows, right.rows, tables=tables)
    decisions = unique_names_only(
        decide_links(
            left.ids, pairs, threshold=threshold, review_floor=review_floor,
            one_to_one=one_to_one,
        ),
        left.rows,
        right.rows,
        pairs,
    )  # fmt: skip
    with Path(out_csv).open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(OUTPUT_HEADER)
        for left_id, decision in zip(left.ids, decisions, strict=True):
            if decision.voter_id:
                report.linked += 1
                writer.writerow(
                    (neutralize(left_id), neutralize(decision.voter_id),
                     _p(decision.probability), "link")
                )  # fmt: skip
            elif decision.candidates:
                report.review += 1
                for right_id, probability in decision.candidates:
                    writer.writerow(
                        (neutralize(left_id), neutralize(right_id), _p(probability), "review")
                    )
            else:
                report.unmatched += 1


def dedupe_file(
    path: Path,
    mapping: str | Path | None,
    out_csv: Path,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    review_floor: float | None = None,
    model: Path | None = None,
    save_model: Path | None = None,
    truth: Path | None = None,
    id_column: str | None = None,
    secret: str | None = None,
    region: str = "US",
) -> LinkReport:
    """Find the duplicates within one file: pairs with probabilities, and their clusters."""
    review_floor = check_thresholds(threshold, review_floor)
    started = time.perf_counter()
    secret = secret or secrets.token_hex(16)
    report = LinkReport(out_csv=Path(out_csv))
    with CollectorPaused() as collector:
        side, report.left_read = read_side(
            Path(path), mapping, secret=secret, rejected=report.left_rejected,
            id_column=id_column, region=region,
        )  # fmt: skip
        collector.records_read()
        settings, tables = _model(side, None, model=model, save_model=save_model, truth=truth)
        report.fields = _compared(settings, tables)
        scored = score(settings, side.rows, None, tables=tables)
    pairs = sorted(
        (p for p in scored if p.probability >= review_floor),
        key=lambda p: (-p.probability, p.left, p.right),
    )
    cluster_of = clusters(side.ids, pairs, threshold=threshold)
    with Path(out_csv).open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow((*OUTPUT_HEADER, "cluster"))
        for pair in pairs:
            linked = pair.probability >= threshold
            report.linked += linked
            report.review += not linked
            writer.writerow(
                (neutralize(pair.left), neutralize(pair.right), _p(pair.probability),
                 "link" if linked else "review",
                 neutralize(cluster_of[pair.left]) if linked else "")
            )  # fmt: skip
    report.seconds = time.perf_counter() - started
    return report


def _model(
    left: Side,
    right: Side | None,
    *,
    model: Path | None,
    save_model: Path | None,
    truth: Path | None,
) -> tuple[dict[str, Any], Tables]:
    """The loaded model, or one trained on these sides (and saved when asked), and the
    sides' tables, for scoring."""
    right_rows = right.rows if right else None
    if model is not None:
        loaded, tables = load_model_file(model), Tables(left.rows, right_rows)
        shared = set(loaded["outreach_present_fields"]) & present_fields(*tables.arrow)
        if not shared:
            raise FileRejected(
                f"the model {model.name} compares {', '.join(loaded['outreach_present_fields'])}"
                "; these files carry none of them: train a model on them (leave out --model)"
            )
        return loaded, tables
    labels = _labels(truth, left, right) if truth else []
    try:
        tables = Tables(left.rows, right_rows)
        settings = train(left.rows, right_rows, labels=labels, tables=tables)
    except ValueError as exc:
        raise FileRejected(str(exc)) from exc
    if save_model is not None:
        Path(save_model).write_text(
            json.dumps(settings, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
    return settings, tables


def _compared(settings: dict[str, Any], tables: Tables) -> list[str]:
    """The fields a run compares: those of the model that both files carry."""
    return sorted(set(settings["outreach_present_fields"]) & present_fields(*tables.arrow))


def _p(probability: float) -> str:
    """A probability as written to the output file: rounded down, so that a pair kept for
    review under a threshold of 1 never reads 1.000000."""
    return f"{math.floor(probability * 1e6) / 1e6:.6f}"


__all__ = ["CollectorPaused", "LinkReport", "ScoredPair", "dedupe_file", "link_files", "read_side"]
