"""Sealed values: the supporter's own contact details for their friends, encrypted at rest.

A supporter's phone numbers and emails for a friend are needed to offer one-tap ``tel:``,
``sms:`` and ``mailto:`` links on *their* list, and for nothing else. They are kept only on
that supporter's own ``KNOWS`` edge, sealed with Fernet (AES-128-CBC with HMAC-SHA256,
from the ``cryptography`` package), and opened only to serve that supporter's list.

The key is ``OUTREACH_CONTACT_KEY`` (a Fernet key) when set; otherwise it is derived from
``OUTREACH_SECRET_KEY`` with HKDF, so a deployment has one secret less to manage. Keys
listed in ``OUTREACH_CONTACT_PREVIOUS_KEYS`` still open old values during a rotation.
"""

from __future__ import annotations

import base64
import functools
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from outreach.core.settings import Settings

_INFO = b"outreach: supporters' contact details for their own friends"


def derived_key(secret: str) -> bytes:
    """A Fernet key derived from the hashing secret (HKDF-SHA256)."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret.encode())
    return base64.urlsafe_b64encode(raw)


@functools.lru_cache(maxsize=8)
def _fernet(keys: tuple[bytes, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k) for k in keys])


def _keys(settings: Settings) -> tuple[bytes, ...]:
    current = (
        settings.contact_key.get_secret_value().encode()
        if settings.contact_key
        else derived_key(settings.secret_key.get_secret_value())
    )
    previous = tuple(k.get_secret_value().encode() for k in settings.contact_previous_keys)
    return (current, *previous)


def seal(settings: Settings, value: dict[str, Any]) -> str:
    """The value as an encrypted, authenticated token."""
    data = json.dumps(value, separators=(",", ":"), sort_keys=True).encode()
    return _fernet(_keys(settings)).encrypt(data).decode()


def unseal(settings: Settings, token: str | None) -> dict[str, Any]:
    """The sealed value, or an empty one if there is none or it cannot be opened."""
    if not token:
        return {}
    try:
        opened: dict[str, Any] = json.loads(_fernet(_keys(settings)).decrypt(token.encode()))
    except (InvalidToken, ValueError):
        return {}
    return opened
