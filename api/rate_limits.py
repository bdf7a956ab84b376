"""Rate limits on the routes that cost or that anyone can call, as FastAPI dependencies.

Counting is the ``limits`` library's moving window, stored in Redis when one is configured
(every API process shares the counts) or in the process's memory otherwise. A caller past
the limit gets a 429 problem with ``Retry-After``. Callers are told apart by their token's
subject where the route needs one, else by their address (behind a proxy, run uvicorn with
``--proxy-headers`` so the address is the client's).
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from api.deps import CurrentPrincipal, app_settings
from outreach.core.errors import ConfigError, TooManyRequests
from outreach.core.settings import Settings
from outreach.core.tokens import Principal


@functools.lru_cache(maxsize=4)
def _limiter(storage_uri: str) -> MovingWindowRateLimiter:
    """One limiter per storage, made on first use (not at import)."""
    return MovingWindowRateLimiter(storage_from_string(storage_uri))


@functools.lru_cache(maxsize=64)
def _item(text: str) -> RateLimitItem:
    try:
        return parse(text)
    except ValueError as exc:
        raise ConfigError(f"rate limit {text!r} is not like '10/minute'") from exc


def _hit(settings: Settings, limit_text: str, scope: str, who: str) -> None:
    limiter = _limiter(settings.effective_rate_limit_storage)
    item = _item(limit_text)
    if limiter.hit(item, scope, who):
        return
    raise _refusal(limiter, item, limit_text, scope, who, "too many requests")


def _refusal(
    limiter: MovingWindowRateLimiter,
    item: RateLimitItem,
    limit_text: str,
    scope: str,
    who: str,
    what: str,
) -> TooManyRequests:
    reset_at = limiter.get_window_stats(item, scope, who).reset_time
    retry_after = max(1, math.ceil(reset_at - time.time()))
    return TooManyRequests(
        f"{what}: at most {limit_text.replace('/', ' per ')}; try again in {retry_after} s",
        retry_after=retry_after,
    )


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


Check = Callable[..., Coroutine[Any, Any, None]]


def by_address(setting: str, scope: str) -> Check:
    """A dependency limiting each client address to the limit named by ``setting``."""

    async def check(request: Request, settings: Annotated[Settings, Depends(app_settings)]) -> None:
        limit_text: str = getattr(settings, setting)
        await run_in_threadpool(_hit, settings, limit_text, scope, _address(request))

    return check


def by_caller(setting: str, scope: str) -> Check:
    """A dependency limiting each signed-in caller to the limit named by ``setting``."""

    async def check(
        principal: CurrentPrincipal, settings: Annotated[Settings, Depends(app_settings)]
    ) -> None:
        limit_text: str = getattr(settings, setting)
        who = f"{principal.role}:{principal.subject}"
        await run_in_threadpool(_hit, settings, limit_text, scope, who)

    return check


def _analyst(principal: Principal) -> str:
    return f"{principal.role}:{principal.subject}"


async def analyst_query_limit(
    principal: CurrentPrincipal, settings: Annotated[Settings, Depends(app_settings)]
) -> None:
    """Limit each analyst's queries, and refuse them all while too many ran out of time."""

    def check() -> None:
        limiter = _limiter(settings.effective_rate_limit_storage)
        abandoned = _item(settings.rate_limit_analyst_timeouts)
        who = _analyst(principal)
        if not limiter.test(abandoned, "analyst-timeout", who):
            raise _refusal(
                limiter,
                abandoned,
                settings.rate_limit_analyst_timeouts,
                "analyst-timeout",
                who,
                "too many of your queries ran out of time",
            )
        _hit(settings, settings.rate_limit_analyst_query, "analyst-query", who)

    await run_in_threadpool(check)


def count_abandoned_query(settings: Settings, principal: Principal) -> None:
    """Count a query that ran out of time against its analyst (``rate_limit_analyst_timeouts``)."""
    limiter = _limiter(settings.effective_rate_limit_storage)
    limiter.hit(_item(settings.rate_limit_analyst_timeouts), "analyst-timeout", _analyst(principal))


SigninLimit = Depends(by_caller("rate_limit_signin", "signin"))
OptOutLimit = Depends(by_address("rate_limit_opt_out", "opt-out"))
UploadLimit = Depends(by_caller("rate_limit_upload", "upload"))
RerankLimit = Depends(by_caller("rate_limit_rerank", "rerank"))
AnalystQueryLimit = Depends(analyst_query_limit)
