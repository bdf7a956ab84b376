"""The stand-in VAN, on the port the test run's settings name."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from outreach.core.settings import Settings
from tests.conftest import VAN_PORT
from tests.http_stub import serve
from tests.integrations.fake_van import FakeVan


@pytest.fixture(scope="session")
def _van_server(settings: Settings) -> Iterator[FakeVan]:
    assert settings.van_api_key is not None and settings.van_application_name
    van = FakeVan(settings.van_application_name, settings.van_api_key.get_secret_value())
    with serve(van, port=VAN_PORT) as stub:
        van.base_url = stub.url
        yield van


@pytest.fixture
def fake_van(_van_server: FakeVan) -> Iterator[FakeVan]:
    """The stand-in VAN, emptied for each test; no test may leave a violation behind."""
    _van_server.reset()
    yield _van_server
    assert _van_server.violations == []
