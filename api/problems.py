"""Errors as problem+json (RFC 9457): our hierarchy, request validation, and HTTP errors.

Every error answer has the same shape, whatever raised it: one of the project's errors,
a request FastAPI could not validate (each field named, without a line, as a body has
none), or an HTTP error from routing itself (an unknown route, a wrong method).
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from outreach.core.errors import (
    InvalidInput,
    MethodNotAllowed,
    NotFound,
    OutreachError,
    RowError,
)

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"


def problem_response(exc: OutreachError, request: Request) -> JSONResponse:
    """The problem+json response for one of our errors."""
    return JSONResponse(
        exc.problem(instance=request.url.path),
        status_code=exc.status,
        media_type=PROBLEM,
    )


def _where(loc: tuple[object, ...] | list[object]) -> str:
    """A validation error's location as a field path: ``body.weights.WI`` -> ``weights.WI``."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        source, parts = parts[0], parts[1:]
        if source != "body" and parts:
            return f"{source} {'.'.join(parts)}"
    return ".".join(parts) or "body"


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
            RowError(line=None, field=_where(err.get("loc", ())), reason=str(err.get("msg")))
            for err in exc.errors()
        ]
        fields = ", ".join(dict.fromkeys(e.field or "body" for e in errors))
        return problem_response(
            InvalidInput(f"the request is not valid: check {fields}", errors), request
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            error: OutreachError = NotFound(f"no route {request.url.path}; see /docs")
        elif exc.status_code == 405:
            headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
            allowed = headers.get("allow", "")
            error = MethodNotAllowed(
                f"{request.method} is not allowed on {request.url.path}"
                + (f"; use {allowed}" if allowed else "")
            )
        else:
            phrase = HTTPStatus(exc.status_code).phrase
            error = OutreachError(str(exc.detail), exc.status_code, phrase, "http-error")
        response = problem_response(error, request)
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response
