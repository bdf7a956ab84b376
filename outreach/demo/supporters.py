"""Who the demo supporters are, and whom each one's address book holds.

Supporters live mostly outside the swing states and are usually voters themselves. Each
address book holds the supporter's household, a few fellow supporters (often both ways
round), friends mostly from the supporter's own state and city, a realistic share of
friends elsewhere (swing states among them, never fewer than three for a supporter who
lives outside them), about a fifth who are in no voter file, friends that other
supporters also know, and the odd exact duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from outreach.demo.contacts import Contact, ContactMaker
from outreach.demo.geo import STATES
from outreach.demo.names import nicknames_for

SUPPORTER_HEADER: tuple[str, ...] = (
    "supporter_id",
    "first_name",
    "last_name",
    "state",
    "email",
    "voter_id",
)
_SWING = [i for i, s in enumerate(STATES) if s.swing]
_OTHER = [i for i, s in enumerate(STATES) if not s.swing]


@dataclass(slots=True)
class Supporter:
    """A supporter: the row written to ``supporters.csv`` and where they live."""

    supporter_id: str
    first: str
    last: str
    state: int
    city: int
    email: str
    voter: int  # index in the population, -1 when not in the voter file

    def row(self, voter_id: str) -> tuple[str, ...]:
        """The ``supporters.csv`` row for this supporter."""
        return (self.supporter_id, self.first, self.last, STATES[self.state].code, self.email,
                voter_id)  # fmt: skip


class AddressBooks:
    """Draws supporters and then, one by one, their address books."""

    def __init__(
        self, maker: ContactMaker, *, same_state: float = 0.65, unmatched: float = 0.2
    ) -> None:
        self.maker = maker
        self.rnd = maker.rnd
        self.same_state = same_state
        self.unmatched = unmatched
        self.supporters: list[Supporter] = []
        self.peers: dict[int, list[int]] = {}
        self._seen: list[list[int]] = [[] for _ in STATES]  # friends already known, by state
        self._weights = np.array([s.population_m for s in STATES])

    def _state_among(self, group: list[int], exclude: int = -1) -> int:
        choices = [s for s in group if s != exclude]
        w = [float(self._weights[s]) for s in choices]
        return self.rnd.choices(choices, weights=w)[0]

    def draw_supporters(self, count: int) -> list[Supporter]:
        """Choose ``count`` supporters (about 80% outside swing states) and who knows whom."""
        pop, rnd, maker = self.maker.pop, self.rnd, self.maker
        width = max(4, len(str(count)))
        used: set[int] = set()
        for k in range(count):
            state = self._state_among(_SWING if rnd.random() < 0.2 else _OTHER)
            voter = -1
            if rnd.random() < 0.88:
                for _ in range(50):
                    v = maker.voter_in_state(state)
                    if v not in used and pop.status[v] != 2 and pop.birth_year[v] <= 2004:
                        voter = v
                        break
            sid = f"sup-{k + 1:0{width}d}"
            if voter >= 0:
                used.add(voter)
                book = pop.names
                first = book.first_display[pop.first[voter]]
                nicks = nicknames_for(first)
                if nicks and rnd.random() < 0.15:
                    first = nicks[0]
                last = book.last_display[pop.last[voter]]
                email = pop.email[voter] or maker.new_email(first, last)
                self.supporters.append(
                    Supporter(sid, first, last, state, pop.city(voter), email, voter)
                )
            else:
                p = maker.stranger(state)
                email = maker.new_email(p.first, p.last)
                self.supporters.append(Supporter(sid, p.first, p.last, state, p.city, email, -1))
        self._link_peers()
        return self.supporters

    def _link_peers(self) -> None:
        """Some supporters know each other, usually both ways round."""
        rnd, n = self.rnd, len(self.supporters)
        if n < 2:
            return
        by_state: dict[int, list[int]] = {}
        for i, s in enumerate(self.supporters):
            by_state.setdefault(s.state, []).append(i)
        for i, s in enumerate(self.supporters):
            if rnd.random() >= 0.35:
                continue
            for _ in range(rnd.randint(1, 3)):
                local = by_state[s.state]
                j = rnd.choice(local) if len(local) > 1 and rnd.random() < 0.6 else rnd.randrange(n)
                if j == i:
                    continue
                if j not in self.peers.setdefault(i, []):
                    self.peers[i].append(j)
                if rnd.random() < 0.7 and i not in self.peers.setdefault(j, []):
                    self.peers[j].append(i)

    def book_for(self, k: int, size: int) -> list[Contact]:
        """The address book of supporter ``k``: about ``size`` contacts, sorted by name."""
        maker, rnd, pop = self.maker, self.rnd, self.maker.pop
        sup = self.supporters[k]
        out: list[Contact] = []
        known: set[int] = {sup.voter}
        if sup.voter >= 0:
            for j in pop.housemates(sup.voter):
                if j != sup.voter and rnd.random() < 0.85:
                    known.add(j)
                    out.append(maker.from_voter(j, family_of=sup.voter))
        for j in self.peers.get(k, []):
            peer = self.supporters[j]
            if peer.voter >= 0:
                if peer.voter in known:
                    continue
                known.add(peer.voter)
                out.append(maker.from_voter(peer.voter))
            else:
                p = maker.stranger(peer.state)
                p.first, p.last, p.city = peer.first, peer.last, peer.city
                out.append(maker.from_person(p, email=peer.email))
        for state, stranger in self._plan(sup, max(0, size - len(out))):
            if stranger:
                out.append(maker.from_person(maker.stranger(state)))
                continue
            v = self._friend_in(state, sup, known)
            known.add(v)
            out.append(maker.from_voter(v))
            if pop.shares_landline(v) and rnd.random() < 0.12:
                mates = [
                    j for j in pop.housemates(v) if j not in known and pop.phone[j] == pop.phone[v]
                ]
                if mates:
                    known.add(mates[0])
                    out.append(maker.from_voter(mates[0]))
        for c in list(out):
            if rnd.random() < 0.012:
                out.append(c.copy())
        out.sort(key=lambda c: (c.first.lower(), c.last.lower()))
        return out

    def _plan(self, sup: Supporter, slots: int) -> list[tuple[int, bool]]:
        """Where each remaining friend lives and whether they are in no voter file.

        A supporter outside the swing states always gets at least three swing-state
        friends who are voters, so every supporter has someone to ask.
        """
        rnd = self.rnd
        plan: list[tuple[int, bool]] = []
        for _ in range(slots):
            if rnd.random() < self.same_state:
                state = sup.state
            elif rnd.random() < 0.45:
                state = self._state_among(_SWING, exclude=sup.state)
            else:
                state = self._state_among(_OTHER, exclude=sup.state)
            plan.append((state, rnd.random() < self.unmatched))
        if not STATES[sup.state].swing:
            have = sum(1 for s, stranger in plan if STATES[s].swing and not stranger)
            spots = [i for i, (s, _) in enumerate(plan) if not STATES[s].swing]
            rnd.shuffle(spots)
            for i in spots[: max(0, 3 - have)]:
                plan[i] = (self._state_among(_SWING), False)
        return plan

    def _friend_in(self, state: int, sup: Supporter, known: set[int]) -> int:
        """A voter in ``state`` the supporter does not know yet; sometimes a shared friend."""
        maker, rnd = self.maker, self.rnd
        seen = self._seen[state]
        v = -1
        for _ in range(6):
            if seen and rnd.random() < 0.15:
                v = seen[rnd.randrange(len(seen))]
            elif state == sup.state and rnd.random() < 0.45:
                v = maker.voter_in_city(sup.city)
            else:
                v = maker.voter_in_state(state)
            if v not in known:
                break
        seen.append(v)
        return v
