"""The randomized holdout: which friends are never assigned, so lift can be measured.

A friend is held out when a keyed hash of ``(seed, friend_key)``, read as a number in
[0, 1), falls below the holdout share. Nothing else enters the hash, so membership is
stable across re-ranks and changes to any other setting; it changes only when the
seed or the share changes. Raising the share only adds friends: a friend held out at
5% is still held out at 10%.
"""

from __future__ import annotations

import hashlib

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
