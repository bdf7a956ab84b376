"""Keyed hashes for phone, email and voter keys: HMAC-SHA256 with the configured secret."""

from __future__ import annotations

import hashlib
import hmac


def keyed_hash(secret: str, kind: str, value: str) -> str:
    """A stable, keyed, non-reversible key for ``value`` of ``kind`` (phone, email, voter)."""
    message = f"{kind}:{value}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]
