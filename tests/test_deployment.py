"""What can be checked of the production deployment without a Docker engine."""

from __future__ import annotations

from pathlib import Path

import yaml

from outreach.core.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def _compose() -> dict[str, object]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(data, dict)
    return data


def test_compose_runs_neo4j_5_redis_api_and_worker_with_healthchecks() -> None:
    services = _compose()["services"]
    assert isinstance(services, dict)
    assert {"neo4j", "redis", "api", "worker"} <= set(services)
    assert str(services["neo4j"]["image"]).startswith("neo4j:5")
    assert "healthcheck" in services["neo4j"] and "healthcheck" in services["redis"]
    assert any("/data" in v for v in services["neo4j"]["volumes"])
    for name in ("api", "worker"):
        depends = services[name]["depends_on"]
        assert depends["neo4j"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"


def test_every_outreach_variable_in_compose_is_a_real_setting() -> None:
    services = _compose()["services"]
    assert isinstance(services, dict)
    fields = {f"OUTREACH_{name.upper()}" for name in Settings.model_fields}
    for name in ("api", "worker", "init"):
        env = services[name]["environment"]
        unknown = {key for key in env if key.startswith("OUTREACH_")} - fields
        assert not unknown, f"{name} sets unknown settings {unknown}"
        assert env["OUTREACH_ENVIRONMENT"] == "production"
        assert env["OUTREACH_GRAPH_URI"].startswith("neo4j://neo4j:")
        assert env["OUTREACH_BROKER_URL"].startswith("redis://redis:")


def test_production_refuses_placeholder_secrets() -> None:
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="OUTREACH_SECRET_KEY"):
        Settings(
            environment="production",
            graph_uri="neo4j://db:7687",
            graph_password="s3cret-pw",
            secret_key="change-me",
            api_secret="real-api-key",
        )
    ok = Settings(
        environment="production",
        graph_uri="neo4j://db:7687",
        graph_password="s3cret-pw",
        secret_key="real-hash-key",
        api_secret="real-api-key",
    )
    assert ok.graph_uri == "neo4j://db:7687"


def test_the_image_contains_every_package() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    for package in ("graph", "ingest", "api", "workers", "outreach"):
        assert f"COPY {package} {package}" in dockerfile
