"""The FastAPI application: lifespan-managed driver, routers, problem+json errors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel
from starlette.routing import BaseRoute

from api import pages, problems
from api.body_limit import BodyLimit
from api.routes import (
    analytics,
    experiments,
    goals,
    jobs,
    lift,
    opt_out,
    organizer,
    session,
    supporters,
    terms,
    van,
    webhooks,
)
from api.schemas import Problem
from graph.db.driver import create_driver, set_driver
from outreach import __version__
from outreach.core.logs import configure_logging
from outreach.core.settings import get_settings


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Make the graph driver once for the process, and close it on shutdown."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.default_region)
    driver = create_driver(settings)
    app.state.driver = driver
    set_driver(driver)
    try:
        yield
    finally:
        set_driver(None)
        driver.close()


def create_app() -> FastAPI:
    """Build the API application."""
    app = FastAPIOffline(
        title="Outreach engine API",
        version=__version__,
        description=(
            "Ask the right friends. Supporters get a short, personal list of friends in "
            "target states to ask to vote, with the reasons. Errors are problem+json."
        ),
        lifespan=lifespan,
    )
    problems.install(app)
    app.add_middleware(BodyLimit)
    for router in (
        supporters.router,
        jobs.router,
        organizer.router,
        webhooks.router,
        van.router,
        lift.router,
        experiments.router,
        goals.router,
        opt_out.router,
        analytics.router,
        terms.router,
        session.router,
        pages.router,
    ):
        publish_roles(router.routes)  # before including: the app keeps the router's routes
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=pages.HERE / "static"), name="static")

    @app.get("/health", tags=["meta"], response_model=Health)
    def health() -> Health:
        """Liveness: the process is up."""
        return Health(status="ok")

    def openapi() -> dict[str, Any]:
        """The OpenAPI description, with the problem+json schema the error responses name."""
        if app.openapi_schema is None:
            spec = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
            )
            schemas = spec.setdefault("components", {}).setdefault("schemas", {})
            schemas["Problem"] = Problem.model_json_schema(
                ref_template="#/components/schemas/{model}"
            )
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


class Health(BaseModel):
    """The process is up."""

    status: str


def allowed_callers(dependant: Dependant) -> list[str] | None:
    """Who the route's authorisation dependencies admit, read from the dependencies."""
    for dependency in dependant.dependencies:
        allowed = getattr(dependency.call, "allowed", None)
        if allowed is not None:
            return list(allowed)
        found = allowed_callers(dependency)
        if found is not None:
            return found
    return None


def publish_roles(routes: Sequence[BaseRoute]) -> None:
    """Write each route's allowed callers into its OpenAPI operation (``x-roles``)."""
    for route in routes:
        if not isinstance(route, APIRoute):
            continue
        allowed = allowed_callers(route.dependant)
        if allowed is None:
            continue
        route.openapi_extra = {**(route.openapi_extra or {}), "x-roles": allowed}
        route.description = f"{route.description}\n\nWho may call: {', '.join(allowed)}."


app = create_app()
