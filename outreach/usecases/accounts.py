"""Accounts and tokens: staff and supporter accounts, and the signed API tokens they use."""

from __future__ import annotations

from neo4j import Driver

from graph.db.run import Row
from graph.users import create_user, list_users
from outreach.core.errors import InvalidInput
from outreach.core.settings import Settings
from outreach.core.tokens import ROLES, Principal, Role, issue_token
from outreach.usecases import consent

PAGE_OF_ROLE: dict[str, str] = {
    "supporter": "/app",
    "organizer": "/organizer",
    "analyst": "/analyst",
    "admin": "/organizer",
}


def check_role(role: str) -> Role:
    """The role, or a clear error naming the ones that exist."""
    for known in ROLES:
        if role == known:
            return known
    raise InvalidInput(f"role must be one of {', '.join(ROLES)}, not {role!r}")


def token(settings: Settings, *, subject: str, role: str) -> str:
    """A signed bearer token for ``subject`` acting as ``role``."""
    return issue_token(settings, subject=subject, role=check_role(role))


def create(driver: Driver, settings: Settings, *, user_id: str, role: str, name: str | None) -> str:
    """Create (or update) an account and return its token; tokens are signed, not stored."""
    checked = check_role(role)
    create_user(driver, user_id=user_id, role=checked, name=name)
    return issue_token(settings, subject=user_id, role=checked)


def accounts(driver: Driver) -> list[Row]:
    """Every account and its role."""
    return list_users(driver)


def signin_link(settings: Settings, *, subject: str, role: str, base_url: str = "") -> str:
    """The page for ``subject``'s role, signed in: the token rides in the URL fragment.

    A fragment never reaches a server, a proxy log or a referrer header; the page moves it
    to the tab's session storage and removes it from the address bar.
    """
    checked = check_role(role)
    token = issue_token(settings, subject=subject, role=checked)
    base = (base_url or settings.public_url).rstrip("/")
    return f"{base}{PAGE_OF_ROLE[checked]}#token={token}"


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
