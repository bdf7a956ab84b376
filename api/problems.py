"""Errors as problem+json (RFC 9457): one handler for the project's hierarchy and validation."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from outreach.core.errors import InvalidInput, OutreachError, RowError

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"


def problem_response(exc: OutreachError, request: Request) -> JSONResponse:
    """The problem+json response for one of our errors."""
    return JSONResponse(
        exc.problem(instance=request.url.path), status_code=exc.status, media_type=PROBLEM
    )


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(OutreachError)
    async def _ours(request: Request, exc: OutreachError) -> JSONResponse:
        if exc.status >= 500:
            log.error("%s on %s: %s", exc.title, request.url.path, exc.type_slug)
        return problem_response(exc, request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            RowError(
                line=0,
                field=".".join(str(p) for p in err.get("loc", ())),
                reason=str(err.get("msg")),
            )
            for err in exc.errors()
        ]
        fields = ", ".join(e.field or "?" for e in errors)
        return problem_response(
            InvalidInput(f"the request is not valid: check {fields}", errors), request
        )
