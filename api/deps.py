"""Typed dependencies: the graph driver, settings, the job queue, and who may call what.

The dependencies here are ``async``: FastAPI runs them on the event loop instead of sending
each one to its thread pool. The one that may touch the graph (a token's version, on a
cache miss) sends that read to the pool itself. Handlers that touch the graph or the
queue are plain functions and run in the pool.

Authorisation is declared on each route as a dependency: :data:`SupporterSelf` (the
supporter named in the path, or an admin), or a :class:`RoleRequired` alias such as
:data:`Organizer`. ``api.app`` reads these declarations back into the OpenAPI description
(``x-roles``), so the published contract says who may call each operation.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from neo4j import Driver

from outreach.core.errors import Forbidden, Unauthorized
from outreach.core.settings import Settings, get_settings
from outreach.core.tokens import Principal, verify_token
from outreach.usecases import accounts
from outreach.usecases.jobs import TaskQueue
from outreach.usecases.van_sync import IntegrationQueue
from workers.queue import CeleryQueue

_bearer = HTTPBearer(auto_error=False, description="A token from `outreach token`")
_queue = CeleryQueue()


async def get_graph(request: Request) -> Driver:
    """The app's driver, made in the lifespan."""
    driver: Driver = request.app.state.driver
    return driver


async def get_queue() -> TaskQueue:
    """The job queue the use cases send work to."""
    return _queue


async def get_outbox() -> IntegrationQueue:
    """Where webhook deliveries and VAN syncs are sent (the same queue)."""
    return _queue


async def app_settings() -> Settings:
    """The process's settings (read once)."""
    return get_settings()


async def get_principal(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    settings: Annotated[Settings, Depends(app_settings)],
    driver: Annotated[Driver, Depends(get_graph)],
) -> Principal:
    """The caller named by the bearer token, unless that token was revoked.

    The subject's token version comes from a short cache; only a miss reads the graph,
    in the thread pool.
    """
    if credentials is None:
        raise Unauthorized("send a bearer token in the Authorization header")
    principal = verify_token(settings, credentials.credentials)
    version = accounts.cached_version(settings, principal.subject)
    if version is None:
        version = await run_in_threadpool(
            accounts.current_version, driver, settings, principal.subject
        )
    return accounts.check_not_revoked(principal, version)


Graph = Annotated[Driver, Depends(get_graph)]
AppSettings = Annotated[Settings, Depends(app_settings)]
Queue = Annotated[TaskQueue, Depends(get_queue)]
Outbox = Annotated[IntegrationQueue, Depends(get_outbox)]
CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


class RoleRequired:
    """A dependency that admits callers with one of ``roles`` (admins always pass)."""

    def __init__(self, *roles: str) -> None:
        self.roles = roles

    async def __call__(self, principal: CurrentPrincipal) -> Principal:
        if principal.role != "admin" and principal.role not in self.roles:
            raise Forbidden(f"this needs the role {' or '.join(self.roles or ('admin',))}")
        return principal

    @property
    def allowed(self) -> list[str]:
        """Who may call, as the OpenAPI description shows it."""
        return [*self.roles, "admin"]


async def supporter_self(
    supporter_id: Annotated[str, Path(description="The supporter's id")],
    principal: CurrentPrincipal,
) -> Principal:
    """A supporter may act only on their own id; admins on anyone's."""
    if principal.role == "admin":
        return principal
    if principal.role != "supporter" or principal.subject != supporter_id:
        raise Forbidden("you can only see and change your own data")
    return principal


supporter_self.allowed = ["the supporter named in the path", "admin"]  # type: ignore[attr-defined]

SupporterSelf = Annotated[Principal, Depends(supporter_self)]
Organizer = Annotated[Principal, Depends(RoleRequired("organizer"))]
Reporter = Annotated[Principal, Depends(RoleRequired("organizer", "analyst"))]
Analyst = Annotated[Principal, Depends(RoleRequired("analyst"))]
Admin = Annotated[Principal, Depends(RoleRequired())]
AnyCaller = CurrentPrincipal
