"""The command line tells the truth: failures exit non-zero with the reason, output is readable.

Every test runs the real ``outreach`` command in a subprocess against the test graph.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from neo4j import Driver

from outreach.core.settings import Settings
from outreach.core.tokens import verify_token
from outreach.usecases import consent
from tests.factories import contacts_csv, unique, voter, write_voters


def outreach(*args: str, columns: int = 200) -> subprocess.CompletedProcess[str]:
    """Run the ``outreach`` command against the test graph, its output piped."""
    env = dict(os.environ, COLUMNS=str(columns))
    return subprocess.run(
        [sys.executable, "-m", "outreach", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def said(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


def test_an_unknown_mapping_is_refused_and_the_shipped_ones_are_named(
    driver: Driver, tmp_path: Path
) -> None:
    path = write_voters(tmp_path / "voters.csv", [voter()])
    result = outreach("ingest", "voters", str(path), "--mapping", "nosuch")
    assert result.returncode == 1
    assert "no voter-file mapping named 'nosuch'" in result.stderr
    assert "nc_ncvoter" in result.stderr and "demo" in result.stderr


def test_a_failed_upload_prints_the_jobs_reason(
    driver: Driver, worker: subprocess.Popen[bytes], tmp_path: Path
) -> None:
    supporter = unique("sup")
    consent.give(driver, supporter_id=supporter, terms_version=consent.CURRENT_TERMS)
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 40)
    result = outreach("ingest", "contacts", str(junk), "--supporter", supporter)
    assert result.returncode == 1
    assert "failed: " in result.stderr, said(result)
    assert "{}" not in said(result)
    reason = result.stderr.split("failed: ", 1)[1].strip()
    assert len(reason) > 10, result.stderr


def test_rejected_rows_name_line_and_field_never_none(
    driver: Driver, worker: subprocess.Popen[bytes], tmp_path: Path
) -> None:
    supporter = unique("sup")
    consent.give(driver, supporter_id=supporter, terms_version=consent.CURRENT_TERMS)
    rows = [
        {"first_name": "Good", "last_name": "One", "phone": "608-261-1000"},
        {"first_name": "", "last_name": "", "phone": "", "email": "", "city": "Madison"},
        {"first_name": "X" * 300, "last_name": "Long", "phone": "608-261-1001"},
    ]
    path = tmp_path / "contacts.csv"
    path.write_bytes(contacts_csv(rows))
    result = outreach("ingest", "contacts", str(path), "--supporter", supporter)
    assert result.returncode == 0, said(result)
    assert "None" not in result.stdout
    assert "line 3: " in result.stdout, result.stdout
    assert "line 4, first_name: " in result.stdout, result.stdout
    assert "read 3" in result.stdout and "'read'" not in result.stdout

    as_json = outreach("ingest", "contacts", str(path), "--supporter", supporter, "--json")
    job = json.loads(as_json.stdout)
    assert job["status"] == "succeeded" and job["counts"]["read"] == 3
    assert {e["line"] for e in job["errors"]} == {3, 4}


def test_an_unknown_supporter_is_named_not_asked_for_consent(
    driver: Driver, tmp_path: Path
) -> None:
    ghost = unique("sup-ghost")
    path = tmp_path / "contacts.csv"
    path.write_bytes(contacts_csv([{"first_name": "A", "phone": "608-261-1000"}]))
    upload = outreach("ingest", "contacts", str(path), "--supporter", ghost)
    assert upload.returncode == 1
    assert f"no supporter with id '{ghost}'" in upload.stderr
    assert "Consent" not in said(upload)

    listed = outreach("supporters", "targets", ghost)
    assert listed.returncode == 1 and f"no supporter with id '{ghost}'" in listed.stderr

    agreed = outreach("supporters", "consent", ghost)
    assert agreed.returncode == 1 and f"no supporter with id '{ghost}'" in agreed.stderr
    from graph.supporters import consent_version

    assert consent_version(driver, ghost) is None
    assert not driver.execute_query(
        "MATCH (s:Supporter {id: $id}) RETURN s", id=ghost, database_="outreach"
    ).records, "consent for an unknown id created a supporter"


def test_roster_supporters_can_consent_offline(driver: Driver, tmp_path: Path) -> None:
    supporter = unique("sup")
    roster = tmp_path / "roster.csv"
    roster.write_text(f"supporter_id,first_name,last_name,state\n{supporter},Ann,Lee,WI\n")
    loaded = outreach("supporters", "load", str(roster), "--json")
    assert loaded.returncode == 0, said(loaded)
    assert json.loads(loaded.stdout)["loaded"] == 1
    agreed = outreach("supporters", "consent", supporter, "--json")
    assert agreed.returncode == 0, said(agreed)
    assert json.loads(agreed.stdout)["version"] == consent.CURRENT_TERMS


def test_settings_set_without_equals_says_how_to_write_a_change(driver: Driver) -> None:
    result = outreach("settings", "set", "targets")
    assert result.returncode == 1
    assert "NAME=VALUE" in result.stderr
    assert "valid list" not in said(result)


def test_token_prints_the_bare_token_on_one_line(settings: Settings) -> None:
    subject = "x" * 120  # a long subject makes a token far wider than the terminal
    result = outreach("token", "--subject", subject, "--role", "organizer", columns=40)
    assert result.returncode == 0, said(result)
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and len(lines[0]) > 40
    principal = verify_token(settings, lines[0])
    assert (principal.subject, principal.role) == (subject, "organizer")
    bad = outreach("token", "--subject", "a", "--role", "boss")
    assert bad.returncode == 1 and "role must be one of" in bad.stderr


def test_reports_fit_the_terminal_and_offer_json(driver: Driver) -> None:
    narrow = outreach("report", "reach", columns=80)
    assert narrow.returncode == 0, said(narrow)
    assert max(len(line) for line in narrow.stdout.splitlines()) <= 80
    for word in ("reachable", "interested", "contact"):
        assert word in narrow.stdout, f"the heading word {word!r} was cut"

    reach = json.loads(outreach("report", "reach", "--json").stdout)
    assert reach and {"geo", "reachable", "assigned", "do_not_contact"} <= set(reach[0])
    funnel = outreach("report", "funnel")
    assert funnel.returncode == 0 and "{" not in funnel.stdout and "ask rate" in funnel.stdout
    assert "assigned" in json.loads(outreach("report", "funnel", "--json").stdout)
    lift = outreach("report", "lift")
    assert lift.returncode == 0 and "{" not in lift.stdout and "held out.friends" in lift.stdout
    assert json.loads(outreach("report", "lift", "--json").stdout)["measure"] == "turnout_proxy"
    unknown = outreach("report", "reach", "--geo", "Wisconsin")
    assert unknown.returncode == 1 and "unknown geography 'Wisconsin'" in unknown.stderr


def test_settings_show_and_history_offer_json(driver: Driver) -> None:
    shown = json.loads(outreach("settings", "show", "--json").stdout)
    assert {"version", "settings", "rerank_needed"} <= set(shown)
    assert shown["settings"]["k"] >= 1
    history = json.loads(outreach("settings", "history", "--json").stdout)
    assert history[0]["version"] == shown["version"]
    listed = outreach("user", "list", "--json")
    assert listed.returncode == 0 and isinstance(json.loads(listed.stdout), list)
