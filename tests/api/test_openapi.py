"""The OpenAPI description is complete: every operation documented, errors as problem+json."""

from __future__ import annotations

from typing import Any

import httpx
from openapi_spec_validator import validate

from outreach.core.settings import Settings
from outreach.usecases.consent import CURRENT_TERMS
from tests.factories import api_client, unique


def test_every_operation_is_described_with_its_errors(api_url: str) -> None:
    spec = httpx.get(f"{api_url}/openapi.json").json()
    operations = [
        (path, method, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    assert len(operations) >= 20
    for path, method, op in operations:
        assert op.get("description") or op.get("summary"), f"{method} {path} is undocumented"
        if path.startswith(("/supporters", "/organizer", "/analytics", "/jobs")):
            assert "401" in op["responses"], f"{method} {path} does not document 401"
            assert "application/problem+json" in op["responses"]["401"]["content"]
    assert spec["components"]["schemas"]["Target"].get("examples")
    assert "Problem" in spec["components"]["schemas"]


PROBLEM = "application/problem+json"


def _spec(api_url: str) -> dict[str, Any]:
    spec: dict[str, Any] = httpx.get(f"{api_url}/openapi.json").json()
    return spec


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def test_the_description_is_a_valid_openapi_document(api_url: str) -> None:
    validate(_spec(api_url))  # raises, naming the place, if the document breaks the specification


def test_every_error_response_is_problem_json_with_its_schema(api_url: str) -> None:
    spec = _spec(api_url)
    problem = spec["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail"} <= set(problem["properties"])
    for path, method, op in _operations(spec):
        for status, response in op["responses"].items():
            if not status.startswith(("4", "5")):
                continue
            content = response.get("content", {})
            if path.startswith("/opt-out/") and status == "401":
                # People follow opt-out links in a browser: a bad link gets a page.
                assert set(content) == {"text/html"}, f"{method} {path} {status}"
                continue
            assert set(content) == {PROBLEM}, f"{method} {path} {status}: {set(content)}"
            assert content[PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}
            assert content[PROBLEM].get("examples"), f"{method} {path} {status} has no example"


def _problem_types(op: dict[str, Any], status: str) -> set[str]:
    examples = op["responses"][status]["content"][PROBLEM]["examples"]
    return {str(e["value"]["type"]).rsplit("/", 1)[1] for e in examples.values()}


def test_each_route_documents_the_statuses_it_can_return(api_url: str) -> None:
    paths = _spec(api_url)["paths"]
    upload = paths["/supporters/{supporter_id}/uploads"]["post"]
    assert _problem_types(upload, "409") == {"consent-required"}
    assert _problem_types(upload, "404") == {"not-found"}
    assert _problem_types(upload, "422") == {"file-rejected", "invalid-input"}
    assert _problem_types(upload, "503") == {"queue-unavailable"}
    for method in ("get", "post"):
        opt_out = paths["/opt-out/{token}"][method]
        assert set(opt_out["responses"]["401"]["content"]) == {"text/html"}  # a page, for people
    change = paths["/organizer/settings"]["patch"]
    assert "settings-invalid" in _problem_types(change, "422")
    assert _problem_types(change, "503") == {"queue-unavailable"}
    assert _problem_types(paths["/organizer/rerank"]["post"], "503") == {"queue-unavailable"}
    assert _problem_types(paths["/analytics/cypher"]["post"], "400") == {"query-refused"}
    consent = paths["/supporters/{supporter_id}/consent"]["post"]
    assert _problem_types(consent, "409") == {"conflict"}


def test_settings_history_and_expected_votes_are_typed(api_url: str) -> None:
    spec = _spec(api_url)
    paths = spec["paths"]

    def ok_schema(path: str, method: str = "get") -> dict[str, Any]:
        content = paths[path][method]["responses"]["200"]["content"]["application/json"]
        return _resolve(spec, content["schema"])

    settings = ok_schema("/organizer/settings")
    assert {"version", "settings", "rerank_needed"} <= set(settings["properties"])
    matcher = _resolve(spec, settings["properties"]["settings"])
    assert {"targets", "weights", "k", "n"} <= set(matcher["properties"])
    history = ok_schema("/organizer/settings/history")
    version = _resolve(spec, history["items"])
    assert {"version", "author", "patch", "changes"} <= set(version["properties"])
    votes = ok_schema("/organizer/reports/expected-votes")
    assert {"asks_assigned", "expected_net_votes", "measured_delivery"} <= set(votes["properties"])
    patch_body = paths["/organizer/settings"]["patch"]["requestBody"]["content"]
    assert "application/merge-patch+json" in patch_body


def test_every_request_body_has_an_example(api_url: str) -> None:
    spec = _spec(api_url)
    for path, method, op in _operations(spec):
        body = op.get("requestBody")
        if not body:
            continue
        for media, content in body["content"].items():
            if media == "multipart/form-data":
                continue  # a file upload: the field's description says what files
            schema = _resolve(spec, content.get("schema", {}))
            assert content.get("examples") or content.get("example") or schema.get("examples"), (
                f"{method} {path} ({media}) has no example"
            )


def test_unknown_routes_and_wrong_methods_answer_problem_json(api_url: str) -> None:
    missing = httpx.get(f"{api_url}/no/such/route")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith(PROBLEM)
    assert missing.json()["type"].endswith("/not-found")
    wrong = httpx.put(f"{api_url}/organizer/rerank")
    assert wrong.status_code == 405
    assert wrong.headers["content-type"].startswith(PROBLEM)
    assert wrong.headers["allow"] == "POST"
    assert "POST" in wrong.json()["detail"]


def test_body_errors_name_the_field_without_a_line(api_url: str, settings: Settings) -> None:
    supporter = unique("sup")
    with api_client(api_url, settings, supporter) as client:
        response = client.post(f"/supporters/{supporter}/consent", json={"terms": "2026-1"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["errors"] == [{"field": "terms_version", "reason": "Field required"}]


def test_the_terms_are_served_and_a_wrong_version_points_to_them(
    api_url: str, settings: Settings
) -> None:
    terms = httpx.get(f"{api_url}/terms")
    assert terms.status_code == 200
    body = terms.json()
    assert body["version"] == CURRENT_TERMS and "keyed hashes" in body["text"]
    supporter = unique("sup")
    with api_client(api_url, settings, supporter) as client:
        old = client.post(f"/supporters/{supporter}/consent", json={"terms_version": "2020-1"})
        assert old.status_code == 409
        assert old.json()["terms_url"] == "/terms"
        current = client.post(
            f"/supporters/{supporter}/consent", json={"terms_version": body["version"]}
        )
    assert current.status_code == 200


def test_the_description_says_who_may_call_each_protected_operation(api_url: str) -> None:
    paths = _spec(api_url)["paths"]
    expected = {
        ("/organizer/settings", "patch"): ["organizer", "admin"],
        ("/analytics/cypher", "post"): ["analyst", "admin"],
        ("/supporters/{supporter_id}/targets", "get"): [
            "the supporter named in the path",
            "admin",
        ],
    }
    for (path, method), roles in expected.items():
        operation = paths[path][method]
        assert operation.get("x-roles") == roles, (path, method)
        assert "Who may call:" in operation["description"]
