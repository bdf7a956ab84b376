"""The graph schema reference is generated from the code and kept current."""

from __future__ import annotations

from pathlib import Path

import httpx

from outreach.core.settings import Settings
from outreach.usecases import graph_schema
from tests.factories import api_client, unique

ROOT = Path(__file__).resolve().parents[1]


def test_the_doc_is_the_generated_reference() -> None:
    written = (ROOT / graph_schema.DOC_PATH).read_text(encoding="utf-8")
    assert written == graph_schema.reference(), (
        "docs/graph_schema.md is stale: run `python -m outreach.usecases.graph_schema --write`"
    )


def test_every_label_and_relationship_the_cypher_uses_is_described() -> None:
    assert graph_schema.undescribed() == []
    labels, rels = graph_schema.collect()
    assert {"Voter", "Person", "Supporter", "DoNotContact"} <= set(labels)
    assert ("Supporter", "Person") in rels["SHOULD_ASK"].ends
    assert ("Person", "Voter") in rels["MATCHES"].ends
    assert {"rank", "impact", "model_version"} <= rels["SHOULD_ASK"].properties
    assert {"state", "district", "phone_hash"} <= labels["Voter"].properties


def test_analysts_are_pointed_to_the_reference(api_url: str, settings: Settings) -> None:
    spec = httpx.get(f"{api_url}/openapi.json").json()
    description = spec["paths"]["/analytics/cypher"]["post"]["description"]
    assert "docs/graph_schema.md" in description and "/analytics/graph-schema" in description
    with api_client(api_url, settings, unique("analyst"), role="analyst") as client:
        served = client.get("/analytics/graph-schema")
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("text/markdown")
    assert served.text == graph_schema.reference()
