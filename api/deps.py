"""Typed dependencies: the graph driver, settings, and the authenticated caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from neo4j import Driver

from outreach.core.errors import Forbidden, Unauthorized
from outreach.core.settings import Settings, get_settings
from outreach.core.tokens import Principal, verify_token

_bearer = HTTPBearer(auto_error=False, description="A token from `outreach token`")


def get_graph(request: Request) -> Driver:
    """The app's driver, made in the lifespan."""
    driver: Driver = request.app.state.driver
    return driver


def get_principal(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    settings: Annotated[Settings, Depends(get_settings)],
) -> Principal:
    """The caller named by the bearer token."""
    if credentials is None:
        raise Unauthorized("send a bearer token in the Authorization header")
    return verify_token(settings, credentials.credentials)


Graph = Annotated[Driver, Depends(get_graph)]
AppSettings = Annotated[Settings, Depends(get_settings)]
CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def ensure_self_or_admin(principal: Principal, supporter_id: str) -> None:
    """A supporter may act only on their own id; admins on anyone's."""
    if principal.role == "admin":
        return
    if principal.role != "supporter" or principal.subject != supporter_id:
        raise Forbidden("you can only see and change your own data")


def require_role(principal: Principal, *roles: str) -> None:
    """Refuse callers whose role is not one of ``roles`` (admins always pass)."""
    if principal.role != "admin" and principal.role not in roles:
        raise Forbidden(f"this needs the role {' or '.join(roles)}")
