"""The OpenAPI description is complete: every operation documented, errors as problem+json."""

from __future__ import annotations

import httpx


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
