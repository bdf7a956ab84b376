"""A record-linkage test bed: a voter file, one corrupted contacts file, and the answers.

:func:`generate_linkage_eval` writes ``voters.csv`` (the demo layout), ``contacts.csv``
(the contact layout with a ``contact_id`` first) and ``truth.csv``
(``contact_id,voter_id,corruptions``). Three contacts in four are voters, each damaged in
known ways; the rest are in no voter file, and some of those share a voter's exact name.

Corruption tags, ``;``-separated in ``truth.csv``:

- ``nickname``, ``accents``, ``case``, ``typo_first``, ``typo_last``, ``last_missing``
- ``phone_transposed`` (two adjacent digits swapped), ``phone_missing``, ``phone_new``
  (a number the voter file does not have), ``phone_household`` (the phone is a landline
  that several voters in the household list, or a housemate's landline given for a
  voter who lists no phone of their own)
- ``phone_changed`` (a voter-file number is stale: the contact has another one; about
  one voter in eight who lists a phone)
- ``email_missing``, ``email_case``, ``email_new``, ``email_changed`` (another address
  than the voter file's)
- ``moved`` (city and zip differ from the voter file), ``location_missing``
- ``namesake`` (a non-voter with the exact name of a voter)
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import numpy as np

from outreach.demo.contacts import LABELS, ContactMaker
from outreach.demo.formats import CONTACT_HEADER
from outreach.demo.geo import STATES
from outreach.demo.mess import format_phone, messy_email, transpose_digits
from outreach.demo.names import nicknames_for, typo
from outreach.demo.people import CITIES, CITY_STATE, Population, build_population
from outreach.demo.voterfile import write_voters

LINKAGE_CONTACT_HEADER: tuple[str, ...] = ("contact_id", *CONTACT_HEADER)
LINKAGE_TRUTH_HEADER: tuple[str, ...] = ("contact_id", "voter_id", "corruptions")
NON_VOTER_SHARE = 0.25


def generate_linkage_eval(
    out_dir: Path, *, seed: int = 11, voters: int = 20_000, contacts: int = 5_000
) -> tuple[Path, Path, Path]:
    """Write a voter file, corrupted contacts and their truth; return the three paths."""
    if contacts < 1:
        raise ValueError("contacts must be at least 1")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    pop = build_population(voters, seed)
    voters_csv = out_dir / "voters.csv"
    write_voters(pop, voters_csv)

    rnd = random.Random(seed * 1_000_003 + 3)
    maker = ContactMaker(pop, rnd)
    rng = np.random.default_rng([seed, 3])
    is_voter = rng.random(contacts) >= NON_VOTER_SHARE
    wanted = int(is_voter.sum())
    picks = rng.choice(pop.size, size=wanted, replace=wanted > pop.size).tolist()
    weights = [s.population_m for s in STATES]
    width = max(6, len(str(contacts)))

    contacts_csv = out_dir / "contacts.csv"
    truth_csv = out_dir / "truth.csv"
    with (
        contacts_csv.open("w", newline="", encoding="utf-8") as cf,
        truth_csv.open("w", newline="", encoding="utf-8") as tf,
    ):
        cw = csv.writer(cf, lineterminator="\n")
        tw = csv.writer(tf, lineterminator="\n")
        cw.writerow(LINKAGE_CONTACT_HEADER)
        tw.writerow(LINKAGE_TRUTH_HEADER)
        next_pick = iter(picks)
        for k, voter in enumerate(is_voter.tolist()):
            cid = f"c{k + 1:0{width}d}"
            if voter:
                v = next(next_pick)
                row, tags = _voter_contact(pop, maker, v)
                vid = pop.voter_id(v)
            else:
                state = rnd.choices(range(len(STATES)), weights=weights)[0]
                row, tags = _non_voter_contact(pop, maker, state)
                vid = ""
            cw.writerow((cid, *row, *_extras(rnd)))
            tw.writerow((cid, vid, ";".join(tags)))
    return voters_csv, contacts_csv, truth_csv


def _extras(rnd: random.Random) -> tuple[str, str]:
    """The favorite and labels columns."""
    labels = rnd.choice(LABELS) if rnd.random() < 0.25 else ""
    return ("true" if rnd.random() < 0.05 else "false"), labels


def _voter_contact(pop: Population, maker: ContactMaker, v: int) -> tuple[list[str], list[str]]:
    """Voter ``v`` as a contact, damaged in tagged ways: (first..zip columns, tags)."""
    rnd, book, tags = maker.rnd, pop.names, []
    first, last = book.first[pop.first[v]], book.last[pop.last[v]]
    shown_first, shown_last = first, last
    if rnd.random() < 0.3:
        accented = (book.first_display[pop.first[v]], book.last_display[pop.last[v]])
        if accented != (first, last):
            shown_first, shown_last = accented
            tags.append("accents")
    nicks = nicknames_for(first)
    if nicks and rnd.random() < 0.2:
        shown_first = nicks[0] if rnd.random() < 0.6 else rnd.choice(nicks)
        tags.append("nickname")
    elif rnd.random() < 0.03 and len(shown_first) >= 3:
        shown_first = typo(shown_first, rnd)
        tags.append("typo_first")
    u = rnd.random()
    if u < 0.06 and len(shown_last) >= 3:
        shown_last = typo(shown_last, rnd)
        tags.append("typo_last")
    elif u < 0.11:
        shown_last = ""
        tags.append("last_missing")
    if rnd.random() < 0.04:
        shown_first, shown_last = shown_first.upper(), shown_last.upper()
        tags.append("case")

    city = pop.city(v)
    phone = ""
    number = int(pop.phone[v])
    landline = int(pop.hh_landline[pop.household[v]])
    if number:
        u = rnd.random()
        if u < 0.58:
            phone = format_phone(number, rnd)
            if sum(1 for j in pop.housemates(v) if pop.phone[j] == number) > 1:
                tags.append("phone_household")
        elif u < 0.65:
            phone = format_phone(transpose_digits(number, rnd), rnd)
            tags.append("phone_transposed")
        elif u < 0.77:
            phone = format_phone(maker.new_phone(city), rnd)  # the file's number is stale
            tags.append("phone_changed")
        else:
            tags.append("phone_missing")
    elif landline and _listed_in_household(pop, v, landline) and rnd.random() < 0.5:
        phone = format_phone(landline, rnd)  # listed by a housemate, not by this voter
        tags.append("phone_household")
    elif rnd.random() < 0.4:
        phone = format_phone(maker.new_phone(city), rnd)
        tags.append("phone_new")

    email = ""
    if pop.email[v]:
        u = rnd.random()
        if u < 0.50:
            email = pop.email[v] or ""
        elif u < 0.57:
            email = messy_email(pop.email[v] or "", rnd)
            tags.append("email_case")
        elif u < 0.65:
            email = maker.new_email(first, last)  # another address than the file's
            tags.append("email_changed")
        else:
            tags.append("email_missing")
    elif rnd.random() < 0.25:
        email = maker.new_email(first, last)
        tags.append("email_new")

    location = ["", "", ""]
    zip_code = pop.zip(v)
    u = rnd.random()
    if u < 0.1:
        state = int(CITY_STATE[city])
        if rnd.random() < 0.3:
            state = rnd.choice([s for s in range(len(STATES)) if s != state])
        moved_to = maker.city_in_state(state)
        if moved_to != city:
            city = moved_to
            zip_code = f"{CITIES[city].zip3}{rnd.randrange(1, 60):02d}"
            tags.append("moved")
        location = _shown_location(rnd, city, zip_code, zip_share=0.5)
    elif u < 0.4:
        tags.append("location_missing")
    else:
        location = _shown_location(rnd, city, zip_code, zip_share=0.4)
    return [shown_first, shown_last, phone, email, *location], tags


def _listed_in_household(pop: Population, v: int, number: int) -> bool:
    """True when someone in ``v``'s household lists ``number`` in the voter file."""
    return any(int(pop.phone[j]) == number for j in pop.housemates(v))


def _shown_location(rnd: random.Random, city: int, zip_code: str, zip_share: float) -> list[str]:
    """City, state and zip as a contact shows them, each sometimes left out."""
    return [
        CITIES[city].name if rnd.random() < 0.9 else "",
        STATES[CITY_STATE[city]].code if rnd.random() < 0.8 else "",
        zip_code if rnd.random() < zip_share else "",
    ]


def _non_voter_contact(
    pop: Population, maker: ContactMaker, state: int
) -> tuple[list[str], list[str]]:
    """Someone in no voter file; three in ten carry a real voter's exact name."""
    rnd, tags = maker.rnd, []
    person = maker.stranger(state)
    first, last = person.first, person.last
    if rnd.random() < 0.3:
        twin = maker.voter_in_state(state) if rnd.random() < 0.5 else rnd.randrange(pop.size)
        first, last = pop.names.first[pop.first[twin]], pop.names.last[pop.last[twin]]
        tags.append("namesake")
    phone = format_phone(maker.new_phone(person.city), rnd) if rnd.random() < 0.7 else ""
    email = maker.new_email(first, last) if rnd.random() < 0.45 else ""
    zip_code = f"{CITIES[person.city].zip3}{rnd.randrange(1, 60):02d}"
    location = (
        _shown_location(rnd, person.city, zip_code, 0.4) if rnd.random() < 0.65 else ["", "", ""]
    )
    return [first, last, phone, email, *location], tags
