"""Every paging parameter is bounded in the schema: a huge offset is a 422 problem, not a 500."""

from __future__ import annotations

import pytest
from neo4j import Driver

from outreach.core.settings import Settings
from tests.factories import api_client, unique

PAGED = [
    ("/analytics/holdout", "analyst"),
    ("/supporters/{me}/targets", "supporter"),
    ("/supporters/{me}/matches", "supporter"),
]


@pytest.mark.parametrize(("path", "role"), PAGED)
@pytest.mark.parametrize("offset", ["2147483648", "9223372036854775808", "1000001", "-1"])
def test_an_offset_out_of_bounds_is_a_clear_422(
    api_url: str, driver: Driver, settings: Settings, path: str, role: str, offset: str
) -> None:
    me = unique("sup")
    with api_client(api_url, settings, me, role) as client:
        response = client.get(path.format(me=me), params={"offset": offset})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "query offset" in response.json()["detail"]


@pytest.mark.parametrize(("path", "role"), PAGED)
def test_the_largest_offset_allowed_still_answers(
    api_url: str, driver: Driver, settings: Settings, path: str, role: str
) -> None:
    me = unique("sup")
    with api_client(api_url, settings, me, role) as client:
        response = client.get(path.format(me=me), params={"offset": "1000000"})
    assert response.status_code in (200, 409), response.text
    assert response.json()["offset"] == 1_000_000 if response.status_code == 200 else True


def test_an_analyst_parameter_past_64_bits_is_a_clear_422(
    api_url: str, driver: Driver, settings: Settings
) -> None:
    with api_client(api_url, settings, unique("ana"), "analyst") as client:
        response = client.post(
            "/analytics/cypher",
            json={"query": "RETURN $n.x AS x", "parameters": {"n": {"x": 2**70}}},
        )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "parameters.n.x"
