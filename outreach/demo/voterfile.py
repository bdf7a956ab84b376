"""The demo voter file: ``voters.csv`` in the demo layout, written from a population.

One row per person, streamed in chunks so that a million rows never sit in memory as
strings. ``phone`` is ten digits, votes are ``Y``/``N`` (blank for the unregistered) and
``support_score`` has two decimals or is blank. Given birth dates (the linkage test bed
gives them, as the Florida and Ohio files do), a ``birth_date`` column (``YYYY-MM-DD``)
follows the others.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

from outreach.demo.geo import STATES
from outreach.demo.people import CITIES, STATUSES, STREETS, SUFFIXES, Population

VOTER_HEADER: tuple[str, ...] = (
    "voter_id", "first_name", "middle_name", "last_name", "suffix", "birth_year", "address",
    "city", "zip", "state", "district", "phone", "email", "household_id",
    "registration_status", "vote_2016g", "vote_2018g", "vote_2020g", "vote_2022g",
    "support_score",
)  # fmt: skip
VOTER_HEADER_WITH_BIRTH_DATE: tuple[str, ...] = (*VOTER_HEADER, "birth_date")


def street_address(pop: Population, i: int) -> str:
    """Person ``i``'s street line as the voter file writes it: ``12 Oak St Apt 3``."""
    hh = pop.household[i]
    apt = int(pop.hh_apt[hh])
    return f"{pop.hh_street_no[hh]} {STREETS[pop.hh_street[hh]]}" + (
        f" Apt {apt}" if apt >= 0 else ""
    )


def write_voters(
    pop: Population, path: Path, chunk: int = 50_000, *, birth_dates: list[str] | None = None
) -> None:
    """Write the population as ``voters.csv`` in the demo layout, streaming in chunks.

    ``birth_dates`` (one per person) adds the ``birth_date`` column.
    """
    book = pop.names
    codes = [s.code for s in STATES]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(VOTER_HEADER if birth_dates is None else VOTER_HEADER_WITH_BIRTH_DATE)
        for lo in range(0, pop.size, chunk):
            hi = min(pop.size, lo + chunk)
            hh = pop.household[lo:hi]
            rows = zip(
                pop.state[lo:hi].tolist(),
                pop.serial[lo:hi].tolist(),
                pop.first[lo:hi].tolist(),
                pop.middle[lo:hi].tolist(),
                pop.last[lo:hi].tolist(),
                pop.suffix[lo:hi].tolist(),
                pop.birth_year[lo:hi].tolist(),
                pop.hh_street_no[hh].tolist(),
                pop.hh_street[hh].tolist(),
                pop.hh_apt[hh].tolist(),
                pop.hh_city[hh].tolist(),
                pop.hh_zip[hh].tolist(),
                pop.hh_district[hh].tolist(),
                pop.phone[lo:hi].tolist(),
                pop.email[lo:hi],
                hh.tolist(),
                pop.status[lo:hi].tolist(),
                pop.votes[lo:hi].tolist(),
                pop.support[lo:hi].tolist(),
                strict=True,
            )
            sw, hw = pop.serial_width, pop.hh_width
            out: list[tuple[object, ...]] = []
            for (
                st, serial, fi, mi, li, sfx, year, no, street, apt, city, zp, dist, phone,
                email, hhid, status, votes, support,
            ) in rows:  # fmt: skip
                code = codes[st]
                c = CITIES[city]
                address = f"{no} {STREETS[street]}" + (f" Apt {apt}" if apt >= 0 else "")
                out.append((
                    f"{code}{serial:0{sw}d}",
                    book.first[fi],
                    book.first[mi] if mi >= 0 else "",
                    book.last[li],
                    SUFFIXES[sfx] if sfx >= 0 else "",
                    year,
                    address,
                    c.name,
                    f"{c.zip3}{zp:02d}",
                    code,
                    f"{code}-{dist}",
                    str(phone) if phone else "",
                    email or "",
                    f"HH{hhid + 1:0{hw}d}",
                    STATUSES[status],
                    *(_VOTE[v] for v in votes),
                    "" if math.isnan(support) else f"{support:.2f}",
                ))  # fmt: skip
            if birth_dates is not None:
                out = [(*row, date) for row, date in zip(out, birth_dates[lo:hi], strict=True)]
            writer.writerows(out)


_VOTE: dict[int, str] = {1: "Y", 0: "N", -1: ""}
