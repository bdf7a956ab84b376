"""The synthetic population behind the demo voter file.

A :class:`Population` is a set of numpy columns (indices into name, city and street
tables), so a million voters stay well under a gigabyte, and every draw comes from one
seeded generator. Strings are made only when a row is written or a contact is
drawn. People live in households of one to five that share an address, usually a last
name, and often one landline.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from outreach.demo.geo import STATES, City
from outreach.demo.names import (
    ASIAN_SPLIT,
    HISPANIC,
    MALE,
    US,
    VIETNAMESE,
    NameBook,
    name_book,
)

ELECTION_YEARS: tuple[int, ...] = (2016, 2018, 2020, 2022)
STATUSES: tuple[str, ...] = ("active", "inactive", "unregistered")
SUFFIXES: tuple[str, ...] = ("Jr", "Sr", "III", "II")
EMAIL_DOMAINS: tuple[str, ...] = (
    "gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "icloud.com", "aol.com",
    "comcast.net", "att.net", "protonmail.com", "msn.com",
)  # fmt: skip
_DOMAIN_P = np.array([0.42, 0.16, 0.1, 0.08, 0.08, 0.05, 0.04, 0.03, 0.02, 0.02])
_STREET_BASES: tuple[str, ...] = (
    "Main", "Oak", "Maple", "Pine", "Cedar", "Elm", "Washington", "Lake", "Hill", "Park",
    "Walnut", "Lincoln", "Jefferson", "Madison", "Franklin", "Jackson", "Chestnut", "Spruce",
    "Willow", "Sunset", "Highland", "Ridge", "River", "Church", "Center", "Mill", "Spring",
    "Meadow", "Forest", "Prospect", "Union", "Market", "Broad", "Grant", "Adams", "Monroe",
    "Cherry", "Birch", "Hickory", "Magnolia", "Dogwood", "Poplar", "Sycamore", "Laurel",
    "Orchard", "Valley", "Lakeview", "Fairview", "Greenwood", "Riverside", "Woodland",
    "1st", "2nd", "3rd", "4th", "5th", "6th", "7th", "8th", "9th", "10th", "11th", "12th",
)  # fmt: skip
_STREET_TYPES: tuple[str, ...] = ("St", "Ave", "Rd", "Dr", "Ln", "Ct", "Blvd", "Way", "Pl", "Cir")
_STREET_TYPE_P = np.array([0.3, 0.2, 0.14, 0.12, 0.08, 0.06, 0.03, 0.03, 0.02, 0.02])
_HOUSEHOLD_SIZES = np.array([1, 2, 3, 4, 5])
_HOUSEHOLD_P = np.array([0.30, 0.36, 0.16, 0.12, 0.06])

CITIES: tuple[City, ...] = tuple(c for s in STATES for c in s.cities)
CITY_STATE: npt.NDArray[np.int64] = np.array(
    [i for i, s in enumerate(STATES) for _ in s.cities], dtype=np.int64
)
STREETS: tuple[str, ...] = tuple(f"{b} {t}" for b in _STREET_BASES for t in _STREET_TYPES)

I64 = npt.NDArray[np.int64]


def area_code_digits(city: int, rng: np.random.Generator, size: int) -> I64:
    """Area codes for numbers in ``city``: the first listed code most often."""
    codes = np.array([int(c) for c in CITIES[city].area_codes], dtype=np.int64)
    weights = np.array([3.0] + [1.0] * (len(codes) - 1))
    return codes[rng.choice(len(codes), size=size, p=weights / weights.sum())]


def draw_numbers(city_of: I64, rng: np.random.Generator) -> I64:
    """Ten-digit US numbers with a real area code for each entry's city."""
    area = np.zeros(len(city_of), dtype=np.int64)
    for city in np.unique(city_of).tolist():
        mask = city_of == city
        area[mask] = area_code_digits(city, rng, int(mask.sum()))
    exchange = rng.integers(200, 1000, size=len(city_of))
    n11 = exchange % 100 == 11
    exchange[n11] += 1  # x11 exchanges are service codes
    line = rng.integers(0, 10_000, size=len(city_of))
    return area * 10_000_000 + exchange * 10_000 + line


def _unique_numbers(numbers: I64, city_of: I64, rng: np.random.Generator) -> I64:
    """Redraw numbers until none repeats (people must not share a number by accident)."""
    numbers = numbers.copy()
    while True:
        _, first_at, counts = np.unique(numbers, return_index=True, return_counts=True)
        if bool((counts == 1).all()):
            return numbers
        keep = np.zeros(len(numbers), dtype=bool)
        keep[first_at] = True
        redo = np.flatnonzero(~keep)
        numbers[redo] = draw_numbers(city_of[redo], rng)


@dataclass(slots=True)
class Population:
    """Column store of synthetic people: one row per voter-file entry."""

    names: NameBook
    # per household
    hh_start: I64
    hh_size: I64
    hh_city: I64
    hh_district: I64
    hh_street_no: I64
    hh_street: I64
    hh_apt: I64
    hh_zip: I64
    hh_landline: I64
    hh_background: I64
    # per person
    household: I64
    state: I64
    sex: I64
    birth_year: I64
    first: I64
    middle: I64
    last: I64
    suffix: I64
    phone: I64
    email: list[str | None]
    status: I64
    votes: npt.NDArray[np.int8]
    support: npt.NDArray[np.float64]
    serial: I64
    serial_width: int
    hh_width: int

    @property
    def size(self) -> int:
        """Number of people."""
        return len(self.household)

    def voter_id(self, i: int) -> str:
        """The voter id of person ``i``, like ``WI000123``."""
        return f"{STATES[self.state[i]].code}{self.serial[i]:0{self.serial_width}d}"

    def household_id(self, i: int) -> str:
        """The household id of person ``i``."""
        return f"HH{self.household[i] + 1:0{self.hh_width}d}"

    def city(self, i: int) -> int:
        """Index into :data:`CITIES` of the city person ``i`` lives in."""
        return int(self.hh_city[self.household[i]])

    def zip(self, i: int) -> str:
        """Five-digit zip of person ``i``."""
        hh = self.household[i]
        return f"{CITIES[self.hh_city[hh]].zip3}{self.hh_zip[hh]:02d}"

    def shares_landline(self, i: int) -> bool:
        """True when person ``i``'s phone is a landline that other voters also list."""
        hh = self.household[i]
        return bool(self.phone[i] != 0 and self.phone[i] == self.hh_landline[hh])

    def housemates(self, i: int) -> range:
        """Indices of the other people in person ``i``'s household, ``i`` included."""
        hh = self.household[i]
        start = int(self.hh_start[hh])
        return range(start, start + int(self.hh_size[hh]))


def build_population(n: int, seed: int) -> Population:
    """Draw ``n`` people in households across the demo states, deterministically from ``seed``."""
    if n < 1:
        raise ValueError("voters must be at least 1")
    rng = np.random.default_rng([seed, 1])
    book = name_book()

    sizes = rng.choice(_HOUSEHOLD_SIZES, size=n // 2 + 16, p=_HOUSEHOLD_P)
    ends = np.cumsum(sizes)
    h = int(np.searchsorted(ends, n)) + 1
    sizes = sizes[:h].copy()
    sizes[-1] -= int(ends[h - 1]) - n
    hh_start = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)

    pop_share = np.array([s.population_m for s in STATES])
    hh_state = rng.choice(len(STATES), size=h, p=pop_share / pop_share.sum())
    hh_city = np.zeros(h, dtype=np.int64)
    hh_district = np.zeros(h, dtype=np.int64)
    hh_background = np.zeros(h, dtype=np.int64)
    offset = 0
    u = rng.random(h)
    for si, st in enumerate(STATES):
        mask = hh_state == si
        count = int(mask.sum())
        w = np.array([c.weight for c in st.cities])
        local = rng.choice(len(st.cities), size=count, p=w / w.sum())
        hh_city[mask] = offset + local
        districts = np.zeros(count, dtype=np.int64)
        for ci, city in enumerate(st.cities):
            cm = local == ci
            options = np.array(city.districts or range(1, st.districts + 1), dtype=np.int64)
            districts[cm] = options[rng.integers(0, len(options), size=int(cm.sum()))]
        hh_district[mask] = districts
        offset += len(st.cities)
        bg = np.full(count, US, dtype=np.int64)
        us_ = u[mask]
        bg[us_ < st.hispanic] = HISPANIC
        edge = st.hispanic
        for k, share in enumerate(ASIAN_SPLIT):
            lo, edge = edge, edge + st.asian * share
            bg[(us_ >= lo) & (us_ < edge)] = HISPANIC + 1 + k
        hh_background[mask] = bg

    hh_street_no = np.clip(np.exp(rng.normal(6.2, 1.1, size=h)), 1, 19_999).astype(np.int64)
    street_type = rng.choice(len(_STREET_TYPES), size=h, p=_STREET_TYPE_P)
    hh_street = rng.integers(0, len(_STREET_BASES), size=h) * len(_STREET_TYPES) + street_type
    hh_apt = np.where(rng.random(h) < 0.15, rng.integers(1, 40, size=h), -1)
    hh_zip = rng.integers(1, 60, size=h)

    household = np.repeat(np.arange(h, dtype=np.int64), sizes)
    pos = np.arange(n, dtype=np.int64) - hh_start[household]
    bg = hh_background[household]
    state = CITY_STATE[hh_city[household]]

    sex = rng.integers(0, 2, size=n)
    spouse = pos == 1
    head_sex = sex[hh_start[household]]
    flip = spouse & (rng.random(n) < 0.85)
    sex[flip] = 1 - head_sex[flip]

    years = np.arange(1930, 2007)
    wy = np.clip((years - 1925) / 30.0, 0.15, 1.0)
    head_year = rng.choice(years, size=h, p=wy / wy.sum())[household]
    room = np.minimum(39, 2007 - head_year) - 20  # years in which a child could be born
    child = (pos >= 1) & ~spouse & (room > 0) & (rng.random(n) < np.where(pos >= 2, 0.85, 0.5))
    birth_year = np.where(
        child,
        head_year + 20 + (rng.random(n) * np.maximum(room, 1)).astype(np.int64),
        head_year + np.round(rng.normal(0, 4, size=n)).astype(np.int64),
    )
    birth_year[pos == 0] = head_year[pos == 0]
    birth_year = np.clip(birth_year, 1930, 2006)

    first = np.zeros(n, dtype=np.int64)
    middle = np.full(n, -1, dtype=np.int64)
    last = np.zeros(n, dtype=np.int64)
    us_first = (bg != US) & (rng.random(n) < np.where(birth_year > 1985, 0.55, 0.25))
    hh_last = np.zeros(h, dtype=np.int64)
    for b, pool in book.last_pools.items():
        mask = hh_background == b
        hh_last[mask] = pool.draw(rng, int(mask.sum()))
    last[:] = hh_last[household]
    own_last = (pos >= 1) & (rng.random(n) < 0.15)
    for b, pool in book.last_pools.items():
        mask = own_last & (bg == b)
        last[mask] = pool.draw(rng, int(mask.sum()))
    has_middle = rng.random(n) < 0.55
    fb = np.where(us_first, US, bg)
    for (b, sx), pool in book.first_pools.items():
        mask = (fb == b) & (sex == sx)
        first[mask] = pool.draw(rng, int(mask.sum()))
        mmask = mask & has_middle & (bg != VIETNAMESE)
        middle[mmask] = pool.draw(rng, int(mmask.sum()))

    suffix = np.full(n, -1, dtype=np.int64)
    su = rng.random(n)
    male = sex == MALE
    suffix[male & (su < 0.03)] = 0
    suffix[male & (su >= 0.03) & (su < 0.042)] = 1
    suffix[male & (su >= 0.042) & (su < 0.048)] = 2
    suffix[male & (su >= 0.048) & (su < 0.052)] = 3

    has_landline = rng.random(h) < 0.3
    numbers = np.concatenate((draw_numbers(hh_city, rng), draw_numbers(hh_city[household], rng)))
    numbers = _unique_numbers(numbers, np.concatenate((hh_city, hh_city[household])), rng)
    hh_landline = np.where(has_landline, numbers[:h], 0)
    cell = numbers[h:]
    uses_landline = has_landline[household] & (rng.random(n) < 0.7)
    has_cell = rng.random(n) < np.where(has_landline[household], 0.4, 0.52)
    phone = np.where(uses_landline, hh_landline[household], np.where(has_cell, cell, 0))

    status = np.zeros(n, dtype=np.int64)
    ru = rng.random(n)
    status[ru < 0.07] = 2
    status[(ru >= 0.07) & (ru < 0.15)] = 1

    age_lift = np.clip((2000 - birth_year) / 120.0, -0.1, 0.4)
    propensity = np.clip(rng.beta(0.6, 0.6, size=n) + age_lift, 0.0, 1.0)
    propensity = np.where(status == 1, propensity * 0.3, propensity)
    factors = np.array([0.95, 0.75, 1.0, 0.8])
    votes = np.zeros((n, len(ELECTION_YEARS)), dtype=np.int8)
    for e, year in enumerate(ELECTION_YEARS):
        voted = rng.random(n) < propensity * factors[e]
        votes[:, e] = np.where(birth_year <= year - 18, voted, 0)
    votes[status == 2] = -1

    component = rng.choice(3, size=h, p=[0.42, 0.38, 0.20])
    lean = np.select(
        [component == 0, component == 1],
        [rng.beta(6, 2, size=h), rng.beta(2, 6, size=h)],
        rng.beta(3, 3, size=h),
    )
    support = np.clip(lean[household] + rng.normal(0, 0.08, size=n), 0.0, 1.0)
    support = np.round(support, 2)
    support[rng.random(n) < 0.10] = np.nan

    serial = np.zeros(n, dtype=np.int64)
    for si in range(len(STATES)):
        mask = state == si
        serial[mask] = np.arange(1, int(mask.sum()) + 1)
    email = _emails(book, first, last, birth_year, rng.random(n) < 0.35, rng)

    return Population(
        names=book,
        hh_start=hh_start,
        hh_size=sizes.astype(np.int64),
        hh_city=hh_city,
        hh_district=hh_district,
        hh_street_no=hh_street_no,
        hh_street=hh_street,
        hh_apt=hh_apt,
        hh_zip=hh_zip,
        hh_landline=hh_landline,
        hh_background=hh_background,
        household=household,
        state=state,
        sex=sex,
        birth_year=birth_year,
        first=first,
        middle=middle,
        last=last,
        suffix=suffix,
        phone=phone,
        email=email,
        status=status,
        votes=votes,
        support=support,
        serial=serial,
        serial_width=max(6, len(str(int(serial.max())))),
        hh_width=max(7, len(str(h))),
    )


def email_local(first: str, last: str, year: int, style: int, number: int) -> str:
    """An email local part in one of several common styles."""
    f = "".join(ch for ch in first.lower() if ch.isalnum())
    la = "".join(ch for ch in last.lower() if ch.isalnum())
    match style % 8:
        case 0:
            return f"{f}.{la}"
        case 1:
            return f"{f}{la}"
        case 2:
            return f"{f[:1]}{la}"
        case 3:
            return f"{f}_{la}"
        case 4:
            return f"{la}{f[:1]}"
        case 5:
            return f"{f}{year % 100:02d}"
        case 6:
            return f"{f}.{la}{number}"
        case _:
            return f"{f[:1]}{la}{number}"


def _emails(
    book: NameBook,
    first: I64,
    last: I64,
    birth_year: I64,
    has: npt.NDArray[np.bool_],
    rng: np.random.Generator,
) -> list[str | None]:
    """Unique personal emails for the people flagged in ``has``; None for the rest."""
    who = np.flatnonzero(has)
    styles = rng.integers(0, 8, size=len(who)).tolist()
    numbers = rng.integers(1, 100, size=len(who)).tolist()
    domains = rng.choice(len(EMAIL_DOMAINS), size=len(who), p=_DOMAIN_P).tolist()
    out: list[str | None] = [None] * len(first)
    seen: set[str] = set()
    fl, ll, yl = book.first, book.last, birth_year.tolist()
    fi, li = first.tolist(), last.tolist()
    for k, i in enumerate(who.tolist()):
        local = email_local(fl[fi[i]], ll[li[i]], yl[i], styles[k], numbers[k])
        address = f"{local}@{EMAIL_DOMAINS[domains[k]]}"
        bump = numbers[k]
        while address in seen:
            bump += 7
            address = f"{local}{bump}@{EMAIL_DOMAINS[domains[k]]}"
        seen.add(address)
        out[i] = address
    return out
