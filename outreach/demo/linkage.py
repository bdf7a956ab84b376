"""A record-linkage test bed: a voter file, one corrupted contacts file, and the answers.

:func:`generate_linkage_eval` writes ``voters.csv`` (the demo layout with a full
``birth_date`` last, as the Florida and Ohio files carry one), ``contacts.csv`` (the
contact layout with a ``contact_id`` first and a ``birthday`` and a street ``address``
last) and ``truth.csv`` (``contact_id,voter_id,corruptions``). Three contacts in four are
voters, each damaged in known ways; the rest are in no voter file, and some of those
share a voter's exact name, or a voter household's surname, address and landline.

Every draw comes from the seed. The rates, per contact who is a voter unless said:

- names: accents restored 30% (where the name has them), nickname 20% (of names that
  have one), first-name typo 3%, last-name typo 6%, last name missing 5%, first and last
  name swapped 3%, all upper case 4%;
- phone: see the tags below (about 58% the file's number, 7% two digits swapped, 12%
  stale, the rest missing, of voters who list one); a number the voter file lacks is
  of the city's area codes, but 15% of the time one kept from another place (two in
  three in the same state);
- email: 50% as filed, 7% messy case or spaces, 3% one typing slip, 8% another address;
- place: 10% moved (another city, three times in ten another state), 30% no place at
  all; a shown city has a typing slip 3% of the time;
- street address, on 30% of contacts: of those, a friend who moved (above) gives the new
  address, 12% give a new address in the same city (``address_moved``), 8% the file's
  address with a typing slip in the street or without the unit (``address_typo``), the
  rest the file's address;
- birthday, on 35% of contacts: 82% the file's date, 6% with day and month swapped where
  the day can be a month (else one part off instead), 12% with the year, month or day
  one off;
- people in no voter file: 20% give a birthday, 15% an address; 5% live in a voter
  household without being in the file: its surname, four times in ten its street
  address, half the time its landline where it has one.

Corruption tags, ``;``-separated in ``truth.csv``:

- ``nickname``, ``accents``, ``case``, ``typo_first``, ``typo_last``, ``last_missing``,
  ``swapped`` (first and last name exchanged)
- ``phone_transposed`` (two adjacent digits swapped), ``phone_missing``, ``phone_new``
  (a number the voter file does not have), ``phone_household`` (the phone is a landline
  that several voters in the household list, or a housemate's landline given for a
  voter who lists no phone of their own)
- ``phone_changed`` (a voter-file number is stale: the contact has another one; about
  one voter in eight who lists a phone)
- ``email_missing``, ``email_case``, ``email_new``, ``email_changed`` (another address
  than the voter file's), ``email_typo``
- ``moved`` (city and zip differ from the voter file, and so does a street address),
  ``location_missing``, ``typo_city``
- ``address``, ``address_moved``, ``address_typo``: a street address is given; see above
- ``birthday``, ``birth_transposed``, ``birth_off``: a birthday is given; see above
- ``namesake`` (a non-voter with the exact name of a voter), ``household_member`` (a
  non-voter who lives in a voter household: same surname and address, maybe the landline)
"""

from __future__ import annotations

import calendar
import csv
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from outreach.demo.contacts import LABELS, ContactMaker
from outreach.demo.formats import CONTACT_HEADER
from outreach.demo.geo import STATES
from outreach.demo.mess import format_phone, messy_email, transpose_digits
from outreach.demo.names import nicknames_for, typo
from outreach.demo.people import CITIES, CITY_STATE, STREETS, Population, build_population
from outreach.demo.voterfile import street_address, write_voters

LINKAGE_CONTACT_HEADER: tuple[str, ...] = ("contact_id", *CONTACT_HEADER, "birthday", "address")
LINKAGE_TRUTH_HEADER: tuple[str, ...] = ("contact_id", "voter_id", "corruptions")
NON_VOTER_SHARE = 0.25
KEPT_ELSEWHERE = 0.15  # of the numbers a voter file lacks: kept from another place


def generate_linkage_eval(
    out_dir: Path, *, seed: int = 11, voters: int = 20_000, contacts: int = 5_000
) -> tuple[Path, Path, Path]:
    """Write a voter file, corrupted contacts and their truth; return the three paths."""
    if contacts < 1:
        raise ValueError("contacts must be at least 1")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    pop = build_population(voters, seed)
    births = birth_dates(pop, seed)
    voters_csv = out_dir / "voters.csv"
    write_voters(pop, voters_csv, birth_dates=births)

    rnd = random.Random(seed * 1_000_003 + 3)
    maker = ContactMaker(pop, rnd)
    bed = _Bed(pop, maker, births)
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
                row, tags = _voter_contact(bed, v)
                vid = pop.voter_id(v)
            else:
                state = rnd.choices(range(len(STATES)), weights=weights)[0]
                row, tags = _non_voter_contact(bed, state)
                vid = ""
            cw.writerow((cid, *row[:7], *_extras(rnd), *row[7:]))
            tw.writerow((cid, vid, ";".join(tags)))
    return voters_csv, contacts_csv, truth_csv


def birth_dates(pop: Population, seed: int) -> list[str]:
    """A full birth date (``YYYY-MM-DD``) per person in their birth year, from its own stream."""
    rng = np.random.default_rng([seed, 5])
    months = rng.integers(1, 13, size=pop.size).tolist()
    fractions = rng.random(pop.size).tolist()
    out = []
    for year, month, fraction in zip(pop.birth_year.tolist(), months, fractions, strict=True):
        day = 1 + int(fraction * calendar.monthrange(year, month)[1])
        out.append(f"{year:04d}-{month:02d}-{day:02d}")
    return out


@dataclass(frozen=True, slots=True)
class _Bed:
    """What the contact makers draw from: the population, the maker, the birth dates."""

    pop: Population
    maker: ContactMaker
    births: list[str]


def _extras(rnd: random.Random) -> tuple[str, str]:
    """The favorite and labels columns."""
    labels = rnd.choice(LABELS) if rnd.random() < 0.25 else ""
    return ("true" if rnd.random() < 0.05 else "false"), labels


def _voter_contact(bed: _Bed, v: int) -> tuple[list[str], list[str]]:
    """Voter ``v`` as a contact, damaged in tagged ways: (first..zip, birthday, address; tags)."""
    pop, maker = bed.pop, bed.maker
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
    if rnd.random() < 0.03 and shown_last:
        shown_first, shown_last = shown_last, shown_first
        tags.append("swapped")
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
            phone = format_phone(_own_number(maker, city), rnd)  # the file's number is stale
            tags.append("phone_changed")
        else:
            tags.append("phone_missing")
    elif landline and _listed_in_household(pop, v, landline) and rnd.random() < 0.5:
        phone = format_phone(landline, rnd)  # listed by a housemate, not by this voter
        tags.append("phone_household")
    elif rnd.random() < 0.4:
        phone = format_phone(_own_number(maker, city), rnd)
        tags.append("phone_new")

    email = ""
    if pop.email[v]:
        u = rnd.random()
        if u < 0.50:
            email = pop.email[v] or ""
        elif u < 0.57:
            email = messy_email(pop.email[v] or "", rnd)
            tags.append("email_case")
        elif u < 0.60:
            email = _email_typo(pop.email[v] or "", rnd)
            tags.append("email_typo")
        elif u < 0.68:
            email = maker.new_email(first, last)  # another address than the file's
            tags.append("email_changed")
        else:
            tags.append("email_missing")
    elif rnd.random() < 0.25:
        email = maker.new_email(first, last)
        tags.append("email_new")

    location = ["", "", ""]
    zip_code = pop.zip(v)
    moved = False
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
            moved = True
        location = _shown_location(rnd, city, zip_code, zip_share=0.5)
    elif u < 0.4:
        tags.append("location_missing")
    else:
        location = _shown_location(rnd, city, zip_code, zip_share=0.4)
    if location[0] and rnd.random() < 0.03:
        location[0] = typo(location[0], rnd)
        tags.append("typo_city")
    birthday = _birthday(bed.births[v], rnd, tags) if rnd.random() < 0.35 else ""
    address = ""
    if rnd.random() < 0.3:
        tags.append("address")
        u = rnd.random()
        if moved:
            address = _new_address(rnd)
        elif u < 0.12:
            address = _new_address(rnd)
            tags.append("address_moved")
        elif u < 0.2:
            address = _address_typo(street_address(pop, v), rnd)
            tags.append("address_typo")
        else:
            address = street_address(pop, v)
    return [shown_first, shown_last, phone, email, *location, birthday, address], tags


def _birthday(filed: str, rnd: random.Random, tags: list[str]) -> str:
    """A voter's birthday as a friend saved it: the file's date, or one slip away."""
    tags.append("birthday")
    year, month, day = (int(part) for part in filed.split("-"))
    u = rnd.random()
    if u < 0.06 and day <= 12 and day != month:
        tags.append("birth_transposed")
        month, day = day, month
    elif u < 0.18:
        tags.append("birth_off")
        which = rnd.randrange(3)
        if which == 0:
            year += rnd.choice((-1, 1))
        elif which == 1:
            month = month % 12 + 1 if month < 12 else 11
        else:
            day = day + 1 if day < 28 else day - 1
    return f"{year:04d}-{month:02d}-{day:02d}"


def _new_address(rnd: random.Random) -> str:
    """A street line nobody's voter record need have."""
    number = max(1, min(19_999, int(rnd.lognormvariate(6.2, 1.1))))
    apt = f" Apt {rnd.randrange(1, 40)}" if rnd.random() < 0.15 else ""
    return f"{number} {rnd.choice(STREETS)}{apt}"


def _address_typo(address: str, rnd: random.Random) -> str:
    """The address with a slip in the street name, or without its unit when it has one."""
    if " Apt " in address and rnd.random() < 0.5:
        return address.split(" Apt ", 1)[0]
    number, _, rest = address.partition(" ")
    street, _, unit = rest.partition(" Apt ")
    base, _, kind = street.rpartition(" ")
    slipped = typo(base, rnd) if len(base) >= 3 else base
    return f"{number} {slipped} {kind}" + (f" Apt {unit}" if unit else "")


def _email_typo(email: str, rnd: random.Random) -> str:
    """The address with one typing slip in its local part."""
    local, _, domain = email.partition("@")
    return f"{typo(local, rnd)}@{domain}" if len(local) >= 3 else f"{local}x@{domain}"


def _random_birthday(rnd: random.Random) -> str:
    """Some adult's birthday."""
    year, month = rnd.randrange(1935, 2006), rnd.randrange(1, 13)
    return f"{year:04d}-{month:02d}-{rnd.randrange(1, calendar.monthrange(year, month)[1] + 1):02d}"


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


def _non_voter_contact(bed: _Bed, state: int) -> tuple[list[str], list[str]]:
    """Someone in no voter file; three in ten carry a real voter's exact name, one in twenty
    lives in a voter household."""
    pop, maker = bed.pop, bed.maker
    rnd, tags = maker.rnd, []
    person = maker.stranger(state)
    first, last = person.first, person.last
    if rnd.random() < 0.05:
        return _household_member(bed, first, maker.voter_in_state(state))
    if rnd.random() < 0.3:
        twin = maker.voter_in_state(state) if rnd.random() < 0.5 else rnd.randrange(pop.size)
        first, last = pop.names.first[pop.first[twin]], pop.names.last[pop.last[twin]]
        tags.append("namesake")
    phone = format_phone(_own_number(maker, person.city), rnd) if rnd.random() < 0.7 else ""
    email = maker.new_email(first, last) if rnd.random() < 0.45 else ""
    zip_code = f"{CITIES[person.city].zip3}{rnd.randrange(1, 60):02d}"
    location = (
        _shown_location(rnd, person.city, zip_code, 0.4) if rnd.random() < 0.65 else ["", "", ""]
    )
    birthday = _random_birthday(rnd) if rnd.random() < 0.2 else ""
    address = _new_address(rnd) if rnd.random() < 0.15 else ""
    return [first, last, phone, email, *location, birthday, address], tags


def _own_number(maker: ContactMaker, city: int) -> int:
    """A number the voter file does not have, of someone who lives in ``city``: one of the
    city's area codes, except :data:`KEPT_ELSEWHERE` of the time one from another place
    (two times in three in the same state), as people keep their numbers when they move."""
    rnd = maker.rnd
    if rnd.random() < KEPT_ELSEWHERE:
        state = int(CITY_STATE[city])
        if rnd.random() >= 2 / 3:
            state = rnd.choice([s for s in range(len(STATES)) if s != state])
        city = maker.city_in_state(state)
    return maker.new_phone(city)


def _household_member(bed: _Bed, first: str, v: int) -> tuple[list[str], list[str]]:
    """Someone not in the file who lives with voter ``v``: their surname, address, landline."""
    pop, maker = bed.pop, bed.maker
    rnd, tags = maker.rnd, ["household_member"]
    last = pop.names.last[pop.last[v]]
    city = pop.city(v)
    landline = int(pop.hh_landline[pop.household[v]])
    if landline and rnd.random() < 0.5:
        phone = format_phone(landline, rnd)
    elif rnd.random() < 0.7:
        phone = format_phone(_own_number(maker, city), rnd)
    else:
        phone = ""
    email = maker.new_email(first, last) if rnd.random() < 0.45 else ""
    location = _shown_location(rnd, city, pop.zip(v), 0.4) if rnd.random() < 0.8 else ["", "", ""]
    birthday = _random_birthday(rnd) if rnd.random() < 0.2 else ""
    address = street_address(pop, v) if rnd.random() < 0.4 else ""
    return [first, last, phone, email, *location, birthday, address], tags
