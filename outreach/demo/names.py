"""Name pools for the demo population, plus the nicknames and typos that make contacts messy.

First and last names come from Faker's locale data (US census and SSA frequencies for
``en_US``; ``es_MX``, ``en_IN``, ``zh_CN``, ``ja_JP`` and ``vi_VN`` lists for other
backgrounds), read once and sampled with numpy's seeded generator, so no Faker call runs
per row. The voter file carries the ASCII spelling; contacts sometimes keep the accents.
"""

from __future__ import annotations

import bisect
import random
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt
from faker.providers.person import en_IN, en_US, es_MX, ja_JP, vi_VN, zh_CN
from nicknames import NickNamer

BACKGROUNDS: tuple[str, ...] = (
    "us",
    "hispanic",
    "south_asian",
    "chinese",
    "vietnamese",
    "japanese",
)
US, HISPANIC, SOUTH_ASIAN, CHINESE, VIETNAMESE, JAPANESE = range(6)
ASIAN_SPLIT: tuple[float, ...] = (
    0.35,
    0.30,
    0.20,
    0.15,
)  # south_asian, chinese, vietnamese, japanese
FEMALE, MALE = 0, 1

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

# Common English nicknames that a name-similarity measure alone would miss.
_NICKNAMES: dict[str, tuple[str, ...]] = {
    "robert": ("Bob", "Rob", "Bobby", "Robbie"),
    "william": ("Bill", "Will", "Billy", "Liam"),
    "richard": ("Rick", "Dick", "Rich", "Ricky"),
    "elizabeth": ("Liz", "Beth", "Betsy", "Lizzie", "Eliza"),
    "katherine": ("Kate", "Katie", "Kathy"),
    "catherine": ("Cathy", "Cate", "Katie"),
    "kathryn": ("Kate", "Katie", "Kathy"),
    "michael": ("Mike", "Mikey"),
    "james": ("Jim", "Jimmy", "Jamie"),
    "margaret": ("Maggie", "Peggy", "Meg"),
    "john": ("Jack", "Johnny"),
    "charles": ("Charlie", "Chuck"),
    "edward": ("Ed", "Eddie", "Ted"),
    "thomas": ("Tom", "Tommy"),
    "joseph": ("Joe", "Joey"),
    "christopher": ("Chris",),
    "daniel": ("Dan", "Danny"),
    "matthew": ("Matt",),
    "anthony": ("Tony",),
    "jennifer": ("Jen", "Jenny"),
    "patricia": ("Pat", "Patty", "Trish"),
    "susan": ("Sue", "Susie"),
    "deborah": ("Deb", "Debbie"),
    "rebecca": ("Becky", "Becca"),
    "alexander": ("Alex",),
    "benjamin": ("Ben",),
    "samuel": ("Sam",),
    "nicholas": ("Nick",),
    "jonathan": ("Jon",),
    "joshua": ("Josh",),
    "andrew": ("Andy", "Drew"),
    "steven": ("Steve",),
    "stephen": ("Steve",),
    "timothy": ("Tim",),
    "david": ("Dave",),
    "kenneth": ("Ken", "Kenny"),
    "ronald": ("Ron",),
    "donald": ("Don",),
    "gregory": ("Greg",),
    "jeffrey": ("Jeff",),
    "lawrence": ("Larry",),
    "gerald": ("Jerry",),
    "henry": ("Hank",),
    "victoria": ("Vicky", "Tori"),
    "jessica": ("Jess", "Jessie"),
    "samantha": ("Sam",),
    "abigail": ("Abby",),
    "alexandra": ("Alex", "Lexi"),
    "christine": ("Chris", "Tina"),
    "christina": ("Chris", "Tina"),
    "barbara": ("Barb",),
    "pamela": ("Pam",),
    "kimberly": ("Kim",),
    "cynthia": ("Cindy",),
    "sandra": ("Sandy",),
    "theresa": ("Terri",),
    "judith": ("Judy",),
    "virginia": ("Ginny",),
    "francisco": ("Paco", "Pancho"),
    "jose": ("Pepe",),
    "guadalupe": ("Lupe",),
    "jesus": ("Chuy",),
    "alejandro": ("Alex",),
    "eduardo": ("Lalo",),
    "ignacio": ("Nacho",),
    "roberto": ("Beto",),
    "alberto": ("Beto",),
}

_KEYBOARD: dict[str, str] = {
    "a": "qwsz", "b": "vghn", "c": "xdfv", "d": "serfcx", "e": "wsdr", "f": "drtgvc",
    "g": "ftyhbv", "h": "gyujnb", "i": "ujko", "j": "huikmn", "k": "jiolm", "l": "kop",
    "m": "njk", "n": "bhjm", "o": "iklp", "p": "ol", "q": "wa", "r": "edft", "s": "awedxz",
    "t": "rfgy", "u": "yhji", "v": "cfgb", "w": "qase", "x": "zsdc", "y": "tghu", "z": "asx",
}  # fmt: skip


def ascii_fold(text: str) -> str:
    """Return ``text`` without accents, as most voter files spell names."""
    text = text.replace("Đ", "D").replace("đ", "d")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True, slots=True)
class Pool:
    """Indices into a name list with their sampling probabilities."""

    index: IntArray
    p: FloatArray
    cumulative: list[float]

    def draw(self, rng: np.random.Generator, size: int) -> IntArray:
        """Draw ``size`` name indices by frequency."""
        picks = rng.choice(len(self.index), size=size, p=self.p)
        return self.index[picks]

    def pick(self, u: float) -> int:
        """The name index at quantile ``u`` in [0, 1): one draw without numpy overhead."""
        at = min(bisect.bisect_right(self.cumulative, u), len(self.cumulative) - 1)
        return int(self.index[at])


class NameBook:
    """Every name the demo uses, once, with per-background and per-sex sampling pools."""

    def __init__(self) -> None:
        self.first_display: list[str] = []
        self.last_display: list[str] = []
        self._first_ids: dict[str, int] = {}
        self._last_ids: dict[str, int] = {}
        self.first_pools: dict[tuple[int, int], Pool] = {}
        self.last_pools: dict[int, Pool] = {}
        us = en_US.Provider
        self._add_first(US, FEMALE, us.first_names_female)
        self._add_first(US, MALE, us.first_names_male)
        self._add_last(US, us.last_names)
        self._add_first(HISPANIC, FEMALE, es_MX.Provider.first_names_female)
        self._add_first(HISPANIC, MALE, es_MX.Provider.first_names_male)
        self._add_last(HISPANIC, es_MX.Provider.last_names)
        self._add_first(SOUTH_ASIAN, FEMALE, en_IN.Provider.first_names_female)
        self._add_first(SOUTH_ASIAN, MALE, en_IN.Provider.first_names_male)
        self._add_last(SOUTH_ASIAN, en_IN.Provider.last_names)
        self._add_first(CHINESE, FEMALE, zh_CN.Provider.first_romanized_names)
        self._add_first(CHINESE, MALE, zh_CN.Provider.first_romanized_names)
        self._add_last(CHINESE, zh_CN.Provider.last_romanized_names)
        self._add_first(VIETNAMESE, FEMALE, vi_VN.Provider.first_names_female)
        self._add_first(VIETNAMESE, MALE, vi_VN.Provider.first_names_male)
        self._add_last(VIETNAMESE, vi_VN.Provider.last_names)
        self._add_first(JAPANESE, FEMALE, ja_JP.Provider.first_romanized_names_female)
        self._add_first(JAPANESE, MALE, ja_JP.Provider.first_romanized_names_male)
        self._add_last(JAPANESE, ja_JP.Provider.last_romanized_names)
        self.first: list[str] = [ascii_fold(n) for n in self.first_display]
        self.last: list[str] = [ascii_fold(n) for n in self.last_display]

    def _add_first(
        self, background: int, sex: int, names: Sequence[str] | Mapping[str, float]
    ) -> None:
        self.first_pools[(background, sex)] = _pool(names, self.first_display, self._first_ids)

    def _add_last(self, background: int, names: Sequence[str] | Mapping[str, float]) -> None:
        self.last_pools[background] = _pool(names, self.last_display, self._last_ids)


def _pool(
    names: Sequence[str] | Mapping[str, float], store: list[str], ids: dict[str, int]
) -> Pool:
    """Register ``names`` in ``store`` and return a frequency-weighted pool over them."""
    if isinstance(names, Mapping):
        items: Iterable[tuple[str, float]] = names.items()
    else:
        items = ((name, 1.0) for name in names)
    weights: dict[int, float] = {}
    for name, weight in items:
        if name not in ids:
            ids[name] = len(store)
            store.append(name)
        weights[ids[name]] = weights.get(ids[name], 0.0) + float(weight)
    index = np.fromiter(weights.keys(), dtype=np.int64, count=len(weights))
    p = np.fromiter(weights.values(), dtype=np.float64, count=len(weights))
    p /= p.sum()
    return Pool(index, p, np.cumsum(p).tolist())


@cache
def name_book() -> NameBook:
    """The shared, read-only name book (built once per process)."""
    return NameBook()


@cache
def _nick_namer() -> NickNamer:
    return NickNamer()


@cache
def nicknames_for(first: str) -> tuple[str, ...]:
    """Nicknames people really use for ``first``, best known first; empty if none."""
    key = ascii_fold(first).lower()
    if key in _NICKNAMES:
        return _NICKNAMES[key]
    found = sorted(n for n in _nick_namer().nicknames_of(key) if n[:1] == key[:1] and n != key)
    return tuple(n.title() for n in found if len(n) >= 2)


def typo(name: str, rnd: random.Random) -> str:
    """Return ``name`` with one plausible typing error (substitution, swap, drop, double)."""
    if len(name) < 3:
        return name + name[-1:]
    for _ in range(8):
        i = rnd.randrange(1, len(name))
        kind = rnd.random()
        if kind < 0.4:
            ch = name[i]
            near = _KEYBOARD.get(ch.lower())
            if not near:
                continue
            sub = rnd.choice(near)
            out = name[:i] + (sub.upper() if ch.isupper() else sub) + name[i + 1 :]
        elif kind < 0.75:
            j = i - 1 if i == len(name) - 1 else i
            out = name[:j] + name[j + 1] + name[j] + name[j + 2 :]
        elif kind < 0.9 and len(name) > 4:
            out = name[:i] + name[i + 1 :]
        else:
            out = name[:i] + name[i] + name[i:]
        if out != name:
            return out
    return name + name[-1]
