"""Supporter partitions: a stable split of supporters so re-ranking can fan out."""

from __future__ import annotations

import hashlib

PARTITIONS = 64


def partition_of(supporter_id: str, partitions: int = PARTITIONS) -> int:
    """The partition a supporter belongs to, stable across runs and machines."""
    digest = hashlib.sha256(supporter_id.encode()).digest()
    return int.from_bytes(digest[:4], "big") % partitions
