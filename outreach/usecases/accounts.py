"""Accounts and tokens: staff and supporter accounts, and the signed API tokens they use."""

from __future__ import annotations

from neo4j import Driver

from graph.db.run import Row
from graph.users import create_user, list_users
from outreach.core.errors import InvalidInput
from outreach.core.settings import Settings
from outreach.core.tokens import ROLES, Role, issue_token


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
