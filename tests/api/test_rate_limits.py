"""Rate limits on sign-in links, opt-out links, uploads and full re-ranks: a 429 problem
with Retry-After, counted per caller (or per address for the login-free opt-out page).

The real API counts in the test run's Redis, as production does.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from limits.storage import RedisStorage
from neo4j import Driver

from outreach.core.settings import Settings
from tests.factories import api_client, contacts_csv, unique


@pytest.fixture
def fresh_limits(redis_url: str) -> Iterator[None]:
    """Forget every count before and after, so no other test meets these limits."""
    storage = RedisStorage(redis_url)
    storage.reset()
    yield
    storage.reset()


def _limit(text: str) -> int:
    return int(text.split("/")[0])


def test_signin_links_are_limited_per_organizer(
    api_url: str, driver: Driver, settings: Settings, fresh_limits: None
) -> None:
    allowed = _limit(settings.rate_limit_signin)
    with api_client(api_url, settings, unique("org"), "organizer") as organizer:
        codes = [
            organizer.post("/signin-links", json={"subject": unique("s")}).status_code
            for _ in range(allowed + 2)
        ]
        last = organizer.post("/signin-links", json={"subject": "x"})
    assert codes[:allowed] == [200] * allowed
    assert codes[allowed:] == [429, 429]
    assert last.headers["content-type"] == "application/problem+json"
    assert 1 <= int(last.headers["retry-after"]) <= 60
    assert "too many requests" in last.json()["detail"]
    # Another organizer has their own allowance.
    with api_client(api_url, settings, unique("org"), "organizer") as other:
        assert other.post("/signin-links", json={"subject": "y"}).status_code == 200


def test_opt_out_links_are_limited_per_address(
    api_url: str, settings: Settings, fresh_limits: None
) -> None:
    import httpx

    allowed = _limit(settings.rate_limit_opt_out)
    with httpx.Client(base_url=api_url, timeout=30) as anyone:
        codes = [anyone.get("/opt-out/not-a-real-link").status_code for _ in range(allowed)]
        codes.append(anyone.post("/opt-out/not-a-real-link").status_code)
    assert set(codes[:allowed]) == {401}  # a bad link gets its page
    assert codes[allowed] == 429


def test_uploads_are_limited_per_supporter(
    api_url: str, settings: Settings, fresh_limits: None
) -> None:
    allowed = _limit(settings.rate_limit_upload)
    me = unique("sup")  # has not agreed to the terms: each upload is refused, and counted
    body = {"file": ("c.csv", contacts_csv([{"first_name": "A"}]), "text/csv")}
    with api_client(api_url, settings, me) as client:
        codes = [
            client.post(f"/supporters/{me}/uploads", files=body).status_code
            for _ in range(allowed + 1)
        ]
    assert 429 not in codes[:allowed] and codes[allowed] == 429, codes


def test_full_reranks_are_limited_per_organizer(
    api_url: str, settings: Settings, fresh_limits: None
) -> None:
    allowed = _limit(settings.rate_limit_rerank)
    with api_client(api_url, settings, unique("org"), "organizer") as organizer:
        codes = [organizer.post("/organizer/rerank").status_code for _ in range(allowed + 1)]
    assert codes[:allowed] == [202] * allowed and codes[allowed] == 429, codes


def test_counts_are_kept_in_redis_when_there_is_one_else_in_memory() -> None:
    assert Settings(broker_url=None).effective_rate_limit_storage == "memory://"
    redis = "redis://127.0.0.1:6379/0"
    assert Settings(broker_url=redis).effective_rate_limit_storage == redis
    chosen = Settings(broker_url=redis, rate_limit_storage="memory://")
    assert chosen.effective_rate_limit_storage == "memory://"
