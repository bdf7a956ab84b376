"""API credentials: signed bearer tokens carrying a subject and a role.

Tokens are signed with ``OUTREACH_API_SECRET`` (itsdangerous, HMAC-SHA256). Signed
tokens need no token table, and rotation is built in: set the new secret in
``OUTREACH_API_SECRET`` and the old one in ``OUTREACH_API_PREVIOUS_SECRETS``; tokens
signed with either verify until the old one is dropped.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Literal

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from outreach.core.errors import Unauthorized
from outreach.core.settings import Settings

Role = Literal["supporter", "organizer", "analyst", "admin"]
ROLES: tuple[Role, ...] = ("supporter", "organizer", "analyst", "admin")
SALT = "outreach-api-token"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a subject id and its role."""

    subject: str
    role: Role


def _secrets(settings: Settings) -> tuple[str, ...]:
    """The signing secrets, oldest first; the current one (last) signs."""
    previous = tuple(s.get_secret_value() for s in settings.api_previous_secrets)
    return (*previous, settings.api_secret.get_secret_value())


@functools.lru_cache(maxsize=16)
def _signer(secrets: tuple[str, ...], salt: str) -> URLSafeTimedSerializer:
    """One serializer per key set and purpose, made once (a list signs many links)."""
    return URLSafeTimedSerializer(list(secrets), salt=salt)


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return _signer(_secrets(settings), SALT)


def issue_token(settings: Settings, *, subject: str, role: Role) -> str:
    """A bearer token for ``subject`` acting as ``role``."""
    return str(_serializer(settings).dumps({"sub": subject, "role": role}))


def verify_token(settings: Settings, token: str) -> Principal:
    """The principal a token names, or Unauthorized."""
    try:
        data = _serializer(settings).loads(token, max_age=settings.token_max_age_seconds)
    except SignatureExpired as exc:
        raise Unauthorized("the token has expired; ask for a new one") from exc
    except BadSignature as exc:
        raise Unauthorized("the token is not valid") from exc
    role = data.get("role")
    if role not in ROLES or not isinstance(data.get("sub"), str):
        raise Unauthorized("the token is not valid")
    return Principal(subject=data["sub"], role=role)


OPT_OUT_SALT = "outreach-opt-out"


@dataclass(frozen=True)
class OptOutLink:
    """What an opt-out link names: the list it came from, and the friend's keyed hash."""

    supporter_id: str
    friend_id: str
    friend_key: str | None  # absent from links made before keys were carried


def issue_opt_out_token(
    settings: Settings, *, supporter_id: str, friend_id: str, friend_key: str | None = None
) -> str:
    """A signed, login-free opt-out token for one friend on one supporter's list.

    It carries the friend's key (a keyed hash, not their details), so the opt-out is
    recorded even after the list it came from has been deleted.
    """
    payload = {"s": supporter_id, "f": friend_id}
    if friend_key:
        payload["k"] = friend_key
    return str(_signer(_secrets(settings), OPT_OUT_SALT).dumps(payload))


def read_opt_out_token(settings: Settings, token: str) -> OptOutLink:
    """What an opt-out token names; opt-out links never expire."""
    try:
        data = _signer(_secrets(settings), OPT_OUT_SALT).loads(token)
    except BadSignature as exc:
        raise Unauthorized("this opt-out link is not valid") from exc
    key = data.get("k")
    return OptOutLink(str(data["s"]), str(data["f"]), str(key) if key else None)
