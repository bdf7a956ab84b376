"""Accounts and tokens: staff and supporter accounts, the signed API tokens they use, and
revoking one subject's tokens.

A token carries its subject's token version at issue; raising the version revokes every
token issued before. Checking a token reads the version through a short per-process cache
(``OUTREACH_TOKEN_VERSION_CACHE_SECONDS``), since every request checks it: the process that
revokes forgets its cached version at once, the others within the cache's lifetime.
"""

from __future__ import annotations

import threading

from cachetools import TTLCache
from neo4j import Driver

from graph.db.run import Row
from graph.users import bump_token_version, create_user, list_users, token_version
from outreach.core.errors import InvalidInput, Unauthorized
from outreach.core.hashing import keyed_hash
from outreach.core.settings import Settings
from outreach.core.tokens import ROLES, Principal, Role, issue_token
from outreach.usecases import consent

PAGE_OF_ROLE: dict[str, str] = {
    "supporter": "/app",
    "organizer": "/organizer",
    "analyst": "/analyst",
    "admin": "/organizer",
}

_lock = threading.Lock()
_versions: TTLCache[str, int] | None = None


def _cache(settings: Settings) -> TTLCache[str, int]:
    global _versions
    if _versions is None or _versions.ttl != settings.token_version_cache_seconds:
        _versions = TTLCache(maxsize=100_000, ttl=settings.token_version_cache_seconds)
    return _versions


def subject_key(settings: Settings, subject: str) -> str:
    """The keyed hash a subject's token version is stored under (never the id itself)."""
    return keyed_hash(settings.secret_key.get_secret_value(), "token-subject", subject)


def cached_version(settings: Settings, subject: str) -> int | None:
    """The subject's token version if this process read it recently; no I/O."""
    with _lock:
        return _cache(settings).get(subject)


def current_version(driver: Driver, settings: Settings, subject: str) -> int:
    """The subject's token version: from the cache, or read from the graph and cached."""
    found = cached_version(settings, subject)
    if found is not None:
        return found
    version = token_version(driver, key=subject_key(settings, subject))
    with _lock:
        _cache(settings)[subject] = version
    return version


def check_not_revoked(principal: Principal, version: int) -> Principal:
    """The principal, unless its token was issued before the subject's ``version``."""
    if principal.version < version:
        raise Unauthorized("the token has been revoked; ask for a new sign-in link")
    return principal


def revoke(driver: Driver, settings: Settings, *, subject: str) -> int:
    """Revoke every token issued so far to ``subject``; returns the new token version."""
    version = bump_token_version(driver, key=subject_key(settings, subject))
    with _lock:
        _cache(settings)[subject] = version
    return version


def check_role(role: str) -> Role:
    """The role, or a clear error naming the ones that exist."""
    for known in ROLES:
        if role == known:
            return known
    raise InvalidInput(f"role must be one of {', '.join(ROLES)}, not {role!r}")


def token(driver: Driver, settings: Settings, *, subject: str, role: str) -> str:
    """A signed bearer token for ``subject`` acting as ``role``, at its current version."""
    checked = check_role(role)
    version = token_version(driver, key=subject_key(settings, subject))
    return issue_token(settings, subject=subject, role=checked, version=version)


def create(driver: Driver, settings: Settings, *, user_id: str, role: str, name: str | None) -> str:
    """Create (or update) an account and return its token; a changed role revokes old tokens."""
    checked = check_role(role)
    row = create_user(driver, user_id=user_id, role=checked, name=name)
    if row["previous_role"] is not None and row["previous_role"] != checked:
        revoke(driver, settings, subject=user_id)
    return token(driver, settings, subject=user_id, role=checked)


def accounts(driver: Driver) -> list[Row]:
    """Every account and its role."""
    return list_users(driver)


def signin_link(
    driver: Driver, settings: Settings, *, subject: str, role: str, base_url: str = ""
) -> str:
    """The page for ``subject``'s role, signed in: the token rides in the URL fragment.

    A fragment never reaches a server, a proxy log or a referrer header; the page moves it
    to the tab's session storage and removes it from the address bar.
    """
    checked = check_role(role)
    signed = token(driver, settings, subject=subject, role=checked)
    base = (base_url or settings.public_url).rstrip("/")
    return f"{base}{PAGE_OF_ROLE[checked]}#token={signed}"


def whoami(driver: Driver, settings: Settings, principal: Principal) -> dict[str, object]:
    """Who the caller is, the campaign, the terms, and (for a supporter) their consent."""
    me: dict[str, object] = {
        "subject": principal.subject,
        "role": principal.role,
        "campaign": settings.campaign_name,
        "terms_version": consent.CURRENT_TERMS,
        "terms": consent.TERMS_SUMMARY,
    }
    if principal.role == "supporter":
        me["consent_version"] = consent.status(driver, principal.subject)
    return me
