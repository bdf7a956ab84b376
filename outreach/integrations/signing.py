"""Webhook signatures: HMAC-SHA256 over the timestamp and the body, like the payment APIs.

Each delivery carries the header::

    Outreach-Signature: t=1767225600,v1=5257a869e7ec...(64 hex digits)

where ``t`` is the Unix time of sending and ``v1`` the lowercase hex HMAC-SHA256, keyed with
the webhook's secret (``whsec_...``, UTF-8), of the bytes ``f"{t}.".encode() + body``.
A receiver recomputes it over the raw body, compares in constant time, and refuses a
``t`` older than a few minutes (a replay). More ``v1=`` entries may appear while a
secret is being rotated; any one matching is enough.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

HEADER = "Outreach-Signature"
TOLERANCE_SECONDS = 300


def new_secret() -> str:
    """A fresh signing secret."""
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``"{timestamp}." + body`` under ``secret``."""
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The header value for ``body``: ``t=<unix time>,v1=<hex>``."""
    when = int(time.time()) if timestamp is None else timestamp
    return f"t={when},v1={signature(secret, when, body)}"


def verify(
    secret: str, header: str, body: bytes, *, now: float | None = None, tolerance: int = 300
) -> bool:
    """True if ``header`` signs ``body`` with ``secret`` and is recent enough."""
    parts = [p.split("=", 1) for p in header.split(",") if "=" in p]
    stamps = [v for k, v in parts if k.strip() == "t"]
    candidates = [v.strip() for k, v in parts if k.strip() == "v1"]
    if len(stamps) != 1 or not stamps[0].strip().isdigit() or not candidates:
        return False
    when = int(stamps[0])
    if abs((time.time() if now is None else now) - when) > tolerance:
        return False
    expected = signature(secret, when, body)
    return any(hmac.compare_digest(expected, c) for c in candidates)
