"""What can be checked of the production deployment without a Docker engine."""

from __future__ import annotations

import re
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
    for name in ("api", "worker", "worker-uploads", "beat"):
        depends = services[name]["depends_on"]
        assert depends["neo4j"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"


def test_every_outreach_variable_in_compose_is_a_real_setting() -> None:
    services = _compose()["services"]
    assert isinstance(services, dict)
    fields = {f"OUTREACH_{name.upper()}" for name in Settings.model_fields}
    for name in ("api", "worker", "worker-uploads", "beat", "init"):
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


def test_compose_follows_neo4j_and_celery_guidance() -> None:
    compose = _compose()
    services = compose["services"]
    assert isinstance(services, dict)
    neo4j = services["neo4j"]
    image = str(neo4j["image"])
    assert re.fullmatch(r"neo4j:5\.26\.\d+-community", image), "pin a 5.26 LTS release"
    env = neo4j["environment"]
    assert (
        env["NEO4J_server_memory_heap_initial__size"] == env["NEO4J_server_memory_heap_max__size"]
    )
    assert env["NEO4J_AUTH_FILE"] == "/run/secrets/neo4j_auth" and "NEO4J_AUTH" not in env
    secrets = compose["secrets"]
    assert isinstance(secrets, dict) and {"neo4j_auth", "graph_password"} <= set(secrets)
    for name in ("api", "worker", "worker-uploads", "beat", "init"):
        assert "graph_password" in services[name]["secrets"]
        assert services[name]["environment"]["OUTREACH_GRAPH_PASSWORD_FILE"] == (
            "/run/secrets/graph_password"
        )
    for name in ("worker", "worker-uploads"):
        assert "stop_grace_period" in services[name]
    queues = {
        name: services[name]["command"][services[name]["command"].index("--queues") + 1]
        for name in ("worker", "worker-uploads")
    }
    assert queues == {"worker": "outreach,uploads", "worker-uploads": "uploads"}
    assert "--appendonly" in services["redis"]["command"]


def test_the_graph_password_can_come_from_a_secret_file(tmp_path: Path) -> None:
    secret = tmp_path / "graph_password"
    secret.write_text("a-long-secret\n")
    settings = Settings(graph_password_file=secret)
    assert settings.graph_password.get_secret_value() == "a-long-secret"
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="cannot be read"):
        Settings(graph_password_file=tmp_path / "missing")


def test_redelivery_waits_longer_than_the_longest_task() -> None:
    import pytest
    from pydantic import ValidationError

    from workers.app import celery_config

    config = celery_config(Settings(broker_url="redis://redis:6379/0"))
    visibility = config["broker_transport_options"]["visibility_timeout"]
    assert visibility > config["task_time_limit"] > config["task_soft_time_limit"]
    assert config["worker_cancel_long_running_tasks_on_connection_loss"] is True
    assert celery_config(Settings(broker_url=None))["broker_transport_options"] == {}
    with pytest.raises(ValidationError, match="must exceed"):
        Settings(task_time_limit=3600, task_visibility_timeout=1800)
