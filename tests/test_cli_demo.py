"""The README's main command, end to end through the CLI, then the same list over HTTP."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
from neo4j import Driver

from outreach.core.settings import Settings
from outreach.core.tokens import issue_token


def test_demo_prints_a_ranked_list_that_the_api_serves(
    driver: Driver, api_url: str, settings: Settings, tmp_path: Path, test_root: Path
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
    link = re.search(r"(http://\S+/app#token=\S+)", result.stdout)
    assert link, "the demo prints the link to the sample supporter's page"

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

    # No phone number or email from the uploads appears in any log or output of the run.
    personal = _personal_data(tmp_path / "demo")
    assert len(personal) > 100
    logs = [result.stdout, result.stderr]
    logs += [p.read_text(errors="replace") for p in tmp_path.rglob("*.log")]
    logs += [p.read_text(errors="replace") for p in tmp_path.rglob("server.out")]
    haystack = re.sub(r"\D", "", "\n".join(logs)), "\n".join(logs).lower()
    leaked = [v for v in personal if v in (haystack[0] if v.isdigit() else haystack[1])]
    assert not leaked, f"{len(leaked)} phone numbers or emails leaked into the logs"
    # And nothing that looks like one, in those logs or the API's (which served the list).
    logs.append((test_root / "api.log").read_text(errors="replace"))
    found = [m.group(0) for text in logs for m in LOOKS_PERSONAL.finditer(text)]
    assert not found, f"phone- or email-like text in the logs: {found[:5]}"


LOOKS_PERSONAL = re.compile(
    r"\+1\d{10}\b"  # E.164
    r"|(?<![\w.:/-])\(?[2-9]\d{2}\)?[ .-]\d{3}[ .-]\d{4}(?![\w.-])"  # (608) 555-0100
    r"|(?<![\w.:/-])[2-9]\d{9}(?![\w.])"  # 6085550100
    r"|[\w.+-]+@[\w-]+\.[a-z]{2,}\b",  # an email
    re.IGNORECASE,
)


def _personal_data(demo_dir: Path) -> set[str]:
    """Every phone (as 10 digits) and email in the demo's contact files."""
    found: set[str] = set()
    for path in demo_dir.rglob("contacts/*"):
        with path.open(newline="") as fh:
            for row in csv.DictReader(fh):
                digits = re.sub(r"\D", "", row.get("phone") or "")[-10:]
                if len(digits) == 10:
                    found.add(digits)
                email = (row.get("email") or "").strip().lower()
                if "@" in email:
                    found.add(email)
    return found
