"""One contact as a supporter's address book holds it: a voter or a stranger, written messily.

:class:`ContactMaker` turns a person of the :class:`~outreach.demo.people.Population` into
a :class:`Contact` the way people really save friends (nicknames, a typo in the last name,
a missing field, a phone in any layout, the family landline), and makes plausible
strangers who are in no voter file. New phones and emails it invents never collide with a
voter's, so the truth stays the truth.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from outreach.demo.geo import STATE_NAMES, STATES
from outreach.demo.mess import format_phone, messy_email
from outreach.demo.names import (
    ASIAN_SPLIT,
    HISPANIC,
    MALE,
    US,
    nicknames_for,
    typo,
)
from outreach.demo.people import (
    CITIES,
    CITY_STATE,
    EMAIL_DOMAINS,
    Population,
    email_local,
)

LABELS: tuple[str, ...] = (
    "coworkers", "college", "high school", "church", "neighbors", "soccer", "book club",
    "gym", "work", "volunteers",
)  # fmt: skip


@dataclass(slots=True)
class Contact:
    """A contact as exported: every field a string, possibly empty or messy.

    ``phones`` holds (kind, text) pairs with kind ``cell``, ``home`` or ``work``.
    ``voter_id`` is the truth (empty for people in no voter file) and ``home_state`` the
    state the person really lives in, whatever the contact shows.
    """

    first: str
    last: str
    middle: str = ""
    phones: list[tuple[str, str]] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    city: str = ""
    state: str = ""
    zip: str = ""
    favorite: bool = False
    labels: list[str] = field(default_factory=list)
    voter_id: str = ""
    home_state: str = ""

    def copy(self) -> Contact:
        """A field-for-field copy (lists copied too)."""
        return Contact(
            self.first, self.last, self.middle, list(self.phones), list(self.emails),
            self.city, self.state, self.zip, self.favorite, list(self.labels), self.voter_id,
            self.home_state,
        )  # fmt: skip


@dataclass(slots=True)
class Person:
    """A made-up person who is in no voter file."""

    first: str
    last: str
    sex: int
    city: int
    state: int


class ContactMaker:
    """Makes messy contacts from voters and strangers, with one seeded ``random.Random``."""

    def __init__(self, pop: Population, rnd: random.Random) -> None:
        self.pop = pop
        self.rnd = rnd
        self._taken_phones: set[int] = set(pop.phone[pop.phone != 0].tolist())
        self._taken_phones.update(pop.hh_landline[pop.hh_landline != 0].tolist())
        self._taken_emails: set[str] = {e for e in pop.email if e}
        city_of = pop.hh_city[pop.household]
        self._city_order, self._city_bounds = _group(city_of, len(CITIES))
        self._state_order, self._state_bounds = _group(pop.state, len(STATES))
        self._city_cum = [
            _cumulative([c.weight for c in st.cities]) for st in STATES
        ]  # per state, over that state's cities
        self._city_offset = np.concatenate(([0], np.cumsum([len(s.cities) for s in STATES])))

    # ------------------------------------------------------------------ sampling people
    def voter_in_state(self, state: int) -> int:
        """A random voter living in ``state`` (anywhere, if a tiny file has nobody there)."""
        lo, hi = self._state_bounds[state], self._state_bounds[state + 1]
        if hi == lo:
            return self.rnd.randrange(self.pop.size)
        return int(self._state_order[lo + self.rnd.randrange(hi - lo)])

    def voter_in_city(self, city: int) -> int:
        """A random voter living in ``city``; falls back to the city's state if empty."""
        lo, hi = self._city_bounds[city], self._city_bounds[city + 1]
        if hi == lo:
            return self.voter_in_state(int(CITY_STATE[city]))
        return int(self._city_order[lo + self.rnd.randrange(hi - lo)])

    def city_in_state(self, state: int) -> int:
        """A city of ``state`` drawn by population."""
        local = _pick(self._city_cum[state], self.rnd.random())
        return int(self._city_offset[state]) + local

    def stranger(self, state: int) -> Person:
        """A person living in ``state`` who is not in the voter file."""
        rnd, book, st = self.rnd, self.pop.names, STATES[state]
        u = rnd.random()
        background = US
        if u < st.hispanic:
            background = HISPANIC
        else:
            edge = st.hispanic
            for k, share in enumerate(ASIAN_SPLIT):
                edge += st.asian * share
                if u < edge:
                    background = HISPANIC + 1 + k
                    break
        sex = rnd.randrange(2)
        first_bg = US if background != US and rnd.random() < 0.4 else background
        fi = book.first_pools[(first_bg, sex)].pick(rnd.random())
        li = book.last_pools[background].pick(rnd.random())
        return Person(
            book.first_display[fi], book.last_display[li], sex, self.city_in_state(state), state
        )

    # ------------------------------------------------------------------ new keys
    def new_phone(self, city: int) -> int:
        """A valid number in ``city``'s area codes that no voter and no earlier contact has."""
        while True:
            codes = CITIES[city].area_codes
            area = int(codes[0] if self.rnd.random() < 0.6 else self.rnd.choice(codes))
            exchange = self.rnd.randrange(200, 1000)
            if exchange % 100 == 11:
                continue
            number = area * 10_000_000 + exchange * 10_000 + self.rnd.randrange(10_000)
            if number not in self._taken_phones:
                self._taken_phones.add(number)
                return number

    def new_email(self, first: str, last: str) -> str:
        """A personal email for the name that no voter and no earlier contact has."""
        rnd = self.rnd
        local = email_local(
            first, last, rnd.randrange(1950, 2006), rnd.randrange(8), rnd.randrange(1, 100)
        )
        domain = EMAIL_DOMAINS[min(int(rnd.expovariate(0.9)), len(EMAIL_DOMAINS) - 1)]
        address = f"{local}@{domain}"
        while address in self._taken_emails:
            address = f"{local}{rnd.randrange(10, 1000)}@{domain}"
        self._taken_emails.add(address)
        return address

    # ------------------------------------------------------------------ contacts
    def from_voter(self, i: int, *, family_of: int = -1) -> Contact:
        """Voter ``i`` as a friend saved them; ``family_of`` is the saver when kin."""
        pop, rnd, book = self.pop, self.rnd, self.pop.names
        first = _as_written(book.first[pop.first[i]], book.first_display[pop.first[i]], rnd)
        last = _as_written(book.last[pop.last[i]], book.last_display[pop.last[i]], rnd)
        first, last = self._name_mess(first, last)
        if family_of >= 0 and rnd.random() < 0.35:
            gap = int(pop.birth_year[family_of]) - int(pop.birth_year[i])
            if gap >= 18:
                first, last = ("Dad" if pop.sex[i] == MALE else "Mom"), ""
        c = Contact(first, last, voter_id=pop.voter_id(i), home_state=STATES[pop.state[i]].code)
        city = pop.city(i)
        number = int(pop.phone[i])
        if number and rnd.random() < 0.82:
            kind = "home" if pop.shares_landline(i) else "cell"
            c.phones.append((kind, format_phone(number, rnd)))
        elif not number and rnd.random() < 0.45:
            c.phones.append(("cell", format_phone(self.new_phone(city), rnd)))
        if rnd.random() < 0.08:
            c.phones.append(("work", format_phone(self.new_phone(city), rnd)))
        email = pop.email[i]
        if email and rnd.random() < 0.6:
            c.emails.append(messy_email(email, rnd) if rnd.random() < 0.08 else email)
        elif not email and rnd.random() < 0.25:
            c.emails.append(self.new_email(book.first[pop.first[i]], book.last[pop.last[i]]))
        if rnd.random() < 0.04:
            c.emails.append(self.new_email(book.first[pop.first[i]], book.last[pop.last[i]]))
        self._location(c, city, pop.zip(i))
        self._tags(c, family=family_of >= 0)
        return c

    def from_person(self, p: Person, email: str = "") -> Contact:
        """A stranger (or a supporter not in the file) as a friend saved them."""
        rnd = self.rnd
        first, last = self._name_mess(p.first, p.last)
        c = Contact(first, last, home_state=STATES[p.state].code)
        if rnd.random() < 0.7:
            c.phones.append(("cell", format_phone(self.new_phone(p.city), rnd)))
        if email and rnd.random() < 0.7:
            c.emails.append(email)
        elif rnd.random() < 0.45:
            c.emails.append(self.new_email(p.first, p.last))
        zip_code = f"{CITIES[p.city].zip3}{rnd.randrange(1, 60):02d}"
        self._location(c, p.city, zip_code)
        self._tags(c, family=False)
        return c

    def _name_mess(self, first: str, last: str) -> tuple[str, str]:
        rnd = self.rnd
        nicks = nicknames_for(first)
        if nicks and rnd.random() < 0.3:
            first = nicks[0] if rnd.random() < 0.6 else rnd.choice(nicks)
        u = rnd.random()
        if u < 0.05 and len(last) >= 3:
            last = typo(last, rnd)
        elif u < 0.13:
            last = ""
        u = rnd.random()
        if u < 0.03:
            first, last = first.lower(), last.lower()
        elif u < 0.05:
            first, last = first.upper(), last.upper()
        return first, last

    def _location(self, c: Contact, city: int, zip_code: str) -> None:
        rnd = self.rnd
        state = int(CITY_STATE[city])
        if rnd.random() < 0.04:  # moved since the file was made
            city = self.city_in_state(state)
            zip_code = f"{CITIES[city].zip3}{rnd.randrange(1, 60):02d}"
        has_city = rnd.random() < 0.5
        if has_city:
            c.city = CITIES[city].name
            if rnd.random() < 0.15:
                c.zip = zip_code
        if rnd.random() < (0.85 if has_city else 0.2):
            code = STATES[state].code
            c.state = STATE_NAMES[code] if rnd.random() < 0.12 else code

    def _tags(self, c: Contact, *, family: bool) -> None:
        rnd = self.rnd
        if family:
            c.labels.append("family")
        elif rnd.random() < 0.25:
            c.labels.append(rnd.choice(LABELS))
            if rnd.random() < 0.15:
                extra = rnd.choice(LABELS)
                if extra not in c.labels:
                    c.labels.append(extra)
        c.favorite = rnd.random() < (0.3 if family else 0.035)


def _as_written(ascii_name: str, display: str, rnd: random.Random) -> str:
    """The spelling a friend uses: with the accents the voter file dropped, half the time."""
    if display != ascii_name and rnd.random() < 0.5:
        return display
    return ascii_name


def _group(keys: npt.NDArray[np.int64], groups: int) -> tuple[npt.NDArray[np.int64], list[int]]:
    """Indices sorted by key, and where each key's run starts (``groups + 1`` bounds)."""
    order = np.argsort(keys, kind="stable").astype(np.int64)
    counts = np.bincount(keys, minlength=groups)
    bounds = [0, *np.cumsum(counts).tolist()]
    return order, bounds


def _cumulative(weights: list[float]) -> list[float]:
    """Running totals of ``weights`` scaled to end at 1."""
    total = sum(weights)
    out, acc = [], 0.0
    for w in weights:
        acc += w / total
        out.append(acc)
    return out


def _pick(cumulative: list[float], u: float) -> int:
    """The first position whose running total exceeds ``u``."""
    for i, edge in enumerate(cumulative):
        if u < edge:
            return i
    return len(cumulative) - 1
