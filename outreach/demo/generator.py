"""The demo data set: a voter file, supporters, their contact uploads and the truth.

:func:`generate` writes, under ``out_dir``::

    voters.csv                 the voter file in the demo layout
    supporters.csv             supporter_id,first_name,last_name,state,email,voter_id
    contacts/<supporter_id>.*  one upload per supporter (csv, google, vcf or json)
    truth.csv                  supporter_id,line,voter_id: who each contact really is

Everything is synthetic and drawn from seeded generators: the same seed and arguments
give byte-identical files. Rows are streamed to disk, so a million voters and a million
contacts take seconds to a minute, not hours.
"""

from __future__ import annotations

import csv
import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from outreach.demo.contacts import ContactMaker
from outreach.demo.formats import FORMATS, SUFFIX, write_contacts
from outreach.demo.geo import STATES, SWING_STATES
from outreach.demo.people import build_population
from outreach.demo.supporters import SUPPORTER_HEADER, AddressBooks
from outreach.demo.voterfile import write_voters

TRUTH_HEADER: tuple[str, ...] = ("supporter_id", "line", "voter_id")


@dataclass(slots=True)
class DemoManifest:
    """Where :func:`generate` wrote each file, the seed, and what the files hold."""

    voters_csv: Path
    supporters_csv: Path
    contact_files: dict[str, Path]
    truth_csv: Path
    seed: int
    counts: dict[str, int] = field(default_factory=dict)


def generate(
    out_dir: Path,
    *,
    seed: int = 7,
    voters: int = 20_000,
    supporters: int = 40,
    contacts_mean: int = 120,
    formats: Sequence[str] = ("csv",),
) -> DemoManifest:
    """Write a reproducible demo voter file, supporters, contact uploads and truth."""
    formats = tuple(formats)
    unknown = [f for f in formats if f not in FORMATS]
    if not formats or unknown:
        raise ValueError(f"formats must be drawn from {FORMATS}, got {list(formats)}")
    if supporters < 1 or contacts_mean < 1:
        raise ValueError("supporters and contacts_mean must be at least 1")
    out_dir = Path(out_dir)
    folder = out_dir / "contacts"
    folder.mkdir(parents=True, exist_ok=True)
    _clear_old_uploads(folder)

    pop = build_population(voters, seed)
    voters_csv = out_dir / "voters.csv"
    write_voters(pop, voters_csv)

    rnd = random.Random(seed * 1_000_003 + 2)
    books = AddressBooks(ContactMaker(pop, rnd))
    people = books.draw_supporters(supporters)
    supporters_csv = out_dir / "supporters.csv"
    with supporters_csv.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(SUPPORTER_HEADER)
        writer.writerows(s.row(pop.voter_id(s.voter) if s.voter >= 0 else "") for s in people)

    sigma = 0.55
    mu = math.log(contacts_mean) - sigma * sigma / 2
    counts: Counter[str] = Counter()
    seen_in: Counter[str] = Counter()
    contact_files: dict[str, Path] = {}
    truth_csv = out_dir / "truth.csv"
    with truth_csv.open("w", newline="", encoding="utf-8") as fh:
        truth = csv.writer(fh, lineterminator="\n")
        truth.writerow(TRUTH_HEADER)
        for k, sup in enumerate(people):
            size = max(5, round(rnd.lognormvariate(mu, sigma)))
            contacts = books.book_for(k, size)
            path, lines = write_contacts(
                formats[k % len(formats)], folder, sup.supporter_id, contacts
            )
            contact_files[sup.supporter_id] = path
            truth.writerows(
                (sup.supporter_id, line, c.voter_id)
                for c, line in zip(contacts, lines, strict=True)
            )
            ids = {c.voter_id for c in contacts if c.voter_id}
            seen_in.update(ids)
            counts["contacts"] += len(contacts)
            counts["matched_contacts"] += sum(1 for c in contacts if c.voter_id)
            counts["swing_contacts"] += sum(1 for c in contacts if c.home_state in SWING_STATES)
            home = STATES[sup.state].code
            counts["same_state_contacts"] += sum(1 for c in contacts if c.home_state == home)
    counts["unmatched_contacts"] = counts["contacts"] - counts["matched_contacts"]
    counts["shared_friends"] = sum(1 for n in seen_in.values() if n > 1)
    counts["voters"] = pop.size
    counts["households"] = len(pop.hh_size)
    counts["supporters"] = len(people)
    counts["supporters_in_file"] = sum(1 for s in people if s.voter >= 0)
    counts["swing_supporters"] = sum(1 for s in people if STATES[s.state].swing)
    counts["reciprocal_links"] = sum(len(v) for v in books.peers.values())
    return DemoManifest(
        voters_csv=voters_csv,
        supporters_csv=supporters_csv,
        contact_files=contact_files,
        truth_csv=truth_csv,
        seed=seed,
        counts=dict(sorted(counts.items())),
    )


def _clear_old_uploads(folder: Path) -> None:
    """Remove uploads an earlier run left behind, so the folder matches the truth file."""
    suffixes = tuple(SUFFIX.values())
    for path in folder.glob("sup-*"):
        if path.is_file() and path.name.endswith(suffixes):
            path.unlink()
