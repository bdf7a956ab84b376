"""Organizer settings change one field at a time (JSON merge patch), with diffs in the history."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from neo4j import Driver

from outreach.core.settings import Settings
from outreach.matching.matcher_settings import MatcherSettings
from outreach.usecases import organizer_settings
from tests.factories import api_client, unique, wait_job_http

MERGE_PATCH = "application/merge-patch+json"


@pytest.fixture
def organizer(api_url: str, settings: Settings, driver: Driver) -> Iterator[httpx.Client]:
    """An organizer's client; the settings in force are put back afterwards."""
    before = organizer_settings.current(driver).settings.model_dump(mode="json")
    with api_client(api_url, settings, unique("organizer"), role="organizer") as client:
        yield client
    organizer_settings.change(driver, changes=before, author="test-restore")


def patch(client: httpx.Client, body: Any, **params: Any) -> httpx.Response:
    return client.patch(
        "/organizer/settings",
        content=httpx.Request("POST", "/", json=body).content,
        headers={"Content-Type": MERGE_PATCH},
        params=params,
    )


def test_one_weight_changes_and_the_others_are_kept(organizer: httpx.Client) -> None:
    now = organizer.get("/organizer/settings").json()
    weights = now["settings"]["weights"]
    assert {"WI", "PA"} <= set(weights) and weights["WI"] == 1.0
    response = patch(organizer, {"weights": {"PA": 0.5}})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["version"] == now["version"] + 1 and body["changed"] is True
    after = body["settings"]["weights"]
    assert after["PA"] == 0.5
    assert {k: v for k, v in after.items() if k != "PA"} == {
        k: v for k, v in weights.items() if k != "PA"
    }
    assert body["settings"]["targets"] == now["settings"]["targets"]
    assert body["rerank_needed"] is True and body["rank_job_id"] is None


def test_a_new_target_gets_its_default_weight_and_null_resets(organizer: httpx.Client) -> None:
    now = organizer.get("/organizer/settings").json()["settings"]
    patch(organizer, {"weights": {"PA": 0.5}})
    body = patch(organizer, {"targets": [*now["targets"], "GA"]}).json()
    assert body["settings"]["weights"]["PA"] == 0.5, "a change of targets keeps the weights"
    assert 0 < body["settings"]["weights"]["GA"] < 1
    reset = patch(organizer, {"targets": None, "weights": None}).json()["settings"]
    defaults = MatcherSettings().model_dump(mode="json")
    assert (reset["targets"], reset["weights"]) == (defaults["targets"], defaults["weights"])


def test_a_bad_change_names_the_field_and_stores_nothing(organizer: httpx.Client) -> None:
    before = organizer.get("/organizer/settings").json()["version"]
    response = patch(organizer, {"k": 0, "weights": {"WI": -1}})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"].endswith("/settings-invalid")
    fields = {e["field"] for e in problem["errors"]}
    assert "k" in fields
    assert all("line" not in e for e in problem["errors"]), "a body has no lines"
    assert organizer.get("/organizer/settings").json()["version"] == before
    not_an_object = patch(organizer, ["k", 2])
    assert not_an_object.status_code == 422
    assert all("line" not in e for e in not_an_object.json()["errors"])


def test_the_same_values_store_no_new_version(organizer: httpx.Client) -> None:
    now = organizer.get("/organizer/settings").json()
    again = patch(organizer, {"k": now["settings"]["k"]}).json()
    assert again["version"] == now["version"] and again["changed"] is False


def test_history_shows_what_each_version_changed(organizer: httpx.Client) -> None:
    patch(organizer, {"weights": {"PA": 0.5}, "n": 12})
    newest = organizer.get("/organizer/settings/history").json()[0]
    assert newest["patch"]["n"] == 12 and newest["patch"]["weights"] == {"PA": 0.5}
    changes = {c["path"]: (c["before"], c["after"]) for c in newest["changes"]}
    assert changes["n"] == (10, 12)
    assert changes["weights.PA"][1] == 0.5
    assert set(changes) == {"n", "weights.PA"}
    assert newest["author"].startswith("organizer-")


def test_a_rerank_started_with_the_change_is_named(organizer: httpx.Client) -> None:
    body = patch(organizer, {"n": 11}, rerank="true").json()
    assert body["rank_job_id"] and body["rerank_needed"] is False
    assert wait_job_http(organizer, body["rank_job_id"], timeout=300)["status"] == "succeeded"
    assert organizer.get("/organizer/settings").json()["rerank_needed"] is False


def test_changes_from_the_defaults_are_named(organizer: httpx.Client, driver: Driver) -> None:
    patch(organizer, {"targets": None, "weights": None, "k": None, "n": None})
    assert organizer_settings.changed_from_defaults(driver)[1] == []
    patch(organizer, {"k": 3})
    version, changes = organizer_settings.changed_from_defaults(driver)
    assert [(c.path, c.before, c.after) for c in changes] == [("k", 1, 3)]
    assert version == organizer.get("/organizer/settings").json()["version"]
