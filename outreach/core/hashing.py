"""Keyed hashes for phone, email and voter keys: HMAC-SHA256 with the configured secret."""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache


@lru_cache(maxsize=8)
def _keyed(secret: str) -> hmac.HMAC:
    """HMAC-SHA256 with ``secret`` as its key, ready to copy: the key is prepared once."""
    return hmac.new(secret.encode(), digestmod=hashlib.sha256)


def keyed_hash(secret: str, kind: str, value: str) -> str:
    """A stable, keyed, non-reversible key for ``value`` of ``kind`` (phone, email, voter)."""
    mac = _keyed(secret).copy()
    mac.update(f"{kind}:{value}".encode())
    return mac.hexdigest()[:32]
