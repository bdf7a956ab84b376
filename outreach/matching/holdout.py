"""The randomized holdout: which friends are never assigned, so lift can be measured.

The unit of randomization is the friend's household when the voter file gives one (a
contact reaches the other members of a household too: Nickerson 2008 measured about 60%
of the effect on the second voter of a two-voter household), else the friend. A unit is
held out when a keyed hash of ``(seed, unit)``, read as a number in [0, 1), falls below
the holdout share. Nothing else enters the hash, so membership is stable across
re-ranks and changes to any other setting; it changes only when the seed or the share
changes. Raising the share only adds units: a unit held out at 5% is still held out at
10%. Only friends who would otherwise be asked count as held out (the matcher decides
that); ``minimum_detectable_lift`` sizes the share.
"""

from __future__ import annotations

import hashlib
import math
from statistics import NormalDist

_SCALE = float(2**53)


def holdout_draw(friend_key: str, *, seed: str) -> float:
    """The friend's deterministic uniform draw in [0, 1) for this seed."""
    message = f"{len(seed)}:{seed}:{friend_key}".encode()
    digest = hashlib.blake2b(message, digest_size=8, person=b"outreach-holdout").digest()
    return (int.from_bytes(digest, "big") >> 11) / _SCALE  # 53 bits: exact, below 1.0


def is_held_out(friend_key: str, *, share: float, seed: str) -> bool:
    """True when the friend belongs to the holdout for this share and seed."""
    if share <= 0.0:
        return False
    return holdout_draw(friend_key, seed=seed) < share


def holdout_unit(friend_key: str, household_id: str | None, *, by_household: bool) -> str:
    """The unit whose draw decides the friend: their household when known and asked for."""
    if by_household and household_id:
        return f"household:{household_id}"
    return friend_key


def minimum_detectable_lift(
    *,
    treated: int,
    held_out: int,
    base_rate: float,
    alpha: float = 0.05,
    power: float = 0.8,
    design_effect: float = 1.0,
) -> float | None:
    """The smallest rise in turnout (a share) a two-sided test can detect between the arms.

    ``(z_(1-alpha/2) + z_power) * sqrt(p (1 - p) (1/n_t + 1/n_h) * design_effect)``, the
    usual normal approximation for two proportions at the base rate ``p``. The design effect
    widens it when households, not friends, were randomized. None when an arm is empty.
    """
    if treated <= 0 or held_out <= 0:
        return None
    z = NormalDist().inv_cdf(1.0 - alpha / 2.0) + NormalDist().inv_cdf(power)
    p = min(max(base_rate, 1e-6), 1.0 - 1e-6)
    return z * math.sqrt(p * (1.0 - p) * (1.0 / treated + 1.0 / held_out) * design_effect)


def holdout_share_for(
    *, friends: int, lift: float, base_rate: float, alpha: float = 0.05, power: float = 0.8
) -> float | None:
    """The smallest holdout share that detects ``lift`` among ``friends``; None if none does."""
    if friends <= 1 or lift <= 0:
        return None
    z = NormalDist().inv_cdf(1.0 - alpha / 2.0) + NormalDist().inv_cdf(power)
    p = min(max(base_rate, 1e-6), 1.0 - 1e-6)
    # need 1/(n s) + 1/(n (1 - s)) <= lift^2 / (z^2 p (1 - p)) =: c; 1/(s (1 - s)) <= n c
    c = friends * lift**2 / (z**2 * p * (1.0 - p))
    if c < 4.0:
        return None
    return (1.0 - math.sqrt(1.0 - 4.0 / c)) / 2.0
