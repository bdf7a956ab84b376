"""The README's main command, end to end through the CLI, then the same list over HTTP."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
from neo4j import Driver

from api.auth import issue_token
from outreach.settings import Settings


def test_demo_prints_a_ranked_list_that_the_api_serves(
    driver: Driver, api_url: str, settings: Settings, tmp_path: Path
) -> None:
    env = dict(os.environ)
    # The embedded broker: no Redis, a worker process the demo starts itself.
    env.update(
        OUTREACH_BROKER_URL="",
        OUTREACH_RESULT_BACKEND="",
        OUTREACH_DATA_DIR=str(tmp_path),
        COLUMNS="200",
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "outreach",
            "demo",
            "--exit",
            "--voters",
            "3000",
            "--supporters",
            "8",
            "--contacts-mean",
            "80",
            "--seed",
            "5",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    match = re.search(r"Ask these friends: supporter (\S+) \((\d+)\)", result.stdout)
    assert match, result.stdout
    supporter, total = match.group(1), int(match.group(2))
    assert total > 0

    token = issue_token(settings, subject=supporter, role="supporter")
    response = httpx.get(
        f"{api_url}/supporters/{supporter}/targets",
        params={"limit": 100},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == total
    for item in body["items"]:
        assert str(item["name"]) in result.stdout
        assert item["reasons"], "every friend on the list comes with reasons"
