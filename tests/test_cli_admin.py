"""The command line mirrors the API: accounts with tokens, settings, reports."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from neo4j import Driver

from tests.factories import unique


def outreach(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the ``outreach`` command against the test graph."""
    env = dict(os.environ, COLUMNS="200")
    return subprocess.run(
        [sys.executable, "-m", "outreach", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_user_create_prints_a_token_the_api_accepts(driver: Driver, api_url: str) -> None:
    analyst = unique("analyst")
    result = outreach("user", "create", "--id", analyst, "--role", "analyst")
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip().splitlines()[-1]
    response = httpx.get(
        f"{api_url}/analytics/reach-by-state", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    supporter_only = httpx.get(
        f"{api_url}/organizer/settings", headers={"Authorization": f"Bearer {token}"}
    )
    assert supporter_only.status_code == 200, "analysts may read the settings"
    listed = outreach("user", "list")
    assert analyst in listed.stdout


def test_settings_set_validates_and_versions(driver: Driver) -> None:
    before = outreach("settings", "show")
    assert before.returncode == 0 and "version" in before.stdout
    bad = outreach("settings", "set", "k=0")
    assert bad.returncode != 0
    assert "k" in (bad.stdout + bad.stderr)
    good = outreach("settings", "set", "k=2", "--author", "test")
    assert good.returncode == 0, good.stderr
    assert "Stored as version" in good.stdout and "k: 1 -> 2" in good.stdout
    assert "outreach rank" in good.stdout, "a change says a re-rank applies it"
    again = outreach("settings", "set", "k=2", "--author", "test")
    assert "Nothing changed" in again.stdout
    reset = outreach("settings", "set", "k=null", "--author", "test")
    assert reset.returncode == 0 and "k: 2 -> 1" in reset.stdout, reset.stdout + reset.stderr


def test_link_two_files_without_a_graph(tmp_path: Path) -> None:
    from outreach.demo import generate_linkage_eval

    voters, contacts, truth = generate_linkage_eval(tmp_path, seed=3, voters=3000, contacts=400)
    out = tmp_path / "pairs.csv"
    result = outreach("link", str(contacts), str(voters), "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "linked" in result.stdout
    with out.open(newline="") as fh:
        pairs = list(csv.DictReader(fh))
    assert pairs and set(pairs[0]) == {"left_id", "right_id", "probability", "decision"}
    with truth.open(newline="") as fh:
        true_voter = {row["contact_id"]: row["voter_id"] for row in csv.DictReader(fh)}
    links = [p for p in pairs if p["decision"] == "link"]
    correct = sum(1 for p in links if true_voter.get(p["left_id"]) == p["right_id"])
    assert correct / len(links) >= 0.95


def test_link_trains_on_known_pairs_when_given_them(tmp_path: Path) -> None:
    import json

    from outreach.demo import generate_linkage_eval

    voters, contacts, truth = generate_linkage_eval(tmp_path, seed=4, voters=2000, contacts=300)
    model = tmp_path / "model.json"
    result = outreach(
        "link", str(contacts), str(voters), "--out", str(tmp_path / "pairs.csv"),
        "--train", str(model), "--truth", str(truth),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "known pairs" in result.stdout
    with truth.open(newline="") as fh:
        labelled = sum(1 for row in csv.DictReader(fh) if row["voter_id"])
    prior = json.loads(model.read_text())["probability_two_random_records_match"]
    assert prior == pytest.approx(labelled / (300 * 2000), rel=1e-6)
    reused = outreach(
        "link", str(contacts), str(voters), "--out", str(tmp_path / "again.csv"),
        "--model", str(model), "--truth", str(truth),
    )  # fmt: skip
    assert reused.returncode != 0 and "drop --train and --truth" in reused.stdout + reused.stderr


def test_link_says_what_it_cannot_write_or_learn_before_any_work(tmp_path: Path) -> None:
    left, right = tmp_path / "a.csv", tmp_path / "b.csv"
    left.write_text("id,first_name,last_name\n1,Ann,Lee\n2,Bob,Ray\n", encoding="utf-8")
    right.write_text("id,first_name,last_name\n10,Ann,Lee\n11,Bo,Ray\n", encoding="utf-8")
    files = ("link", str(left), str(right), "--left-id", "id", "--right-id", "id")
    nowhere = outreach(*files, "--out", str(tmp_path / "missing" / "out.csv"))
    folder = outreach(*files, "--out", str(tmp_path))
    model = outreach(*files, "--out", str(tmp_path / "o.csv"),
                     "--train", str(tmp_path / "missing" / "m.json"))  # fmt: skip
    truth = tmp_path / "truth.csv"
    truth.write_text("left,right\n1,99\n7,10\n", encoding="utf-8")  # ids neither file holds
    unknown = outreach(*files, "--out", str(tmp_path / "o.csv"), "--truth", str(truth))
    for result, says in ((nowhere, "does not exist"), (folder, "is a folder"),
                         (model, "does not exist"), (unknown, "no known pair")):  # fmt: skip
        output = " ".join(re.sub("[│╭╮╰╯─]", " ", result.stdout + result.stderr).split())
        assert result.returncode != 0 and says in output, output
        assert "Traceback" not in output
    assert not (tmp_path / "o.csv").exists()


def test_link_never_overwrites_what_it_reads_nor_ignores_an_option(tmp_path: Path) -> None:
    left, right = tmp_path / "a.csv", tmp_path / "b.csv"
    left.write_text("id,first_name,last_name\n1,Ann,Lee\n", encoding="utf-8")
    right.write_text("id,first_name,last_name\n10,Ann,Lee\n", encoding="utf-8")
    files = ("link", str(left), str(right), "--left-id", "id", "--right-id", "id")
    cases = (
        (outreach(*files, "--out", str(left)), "is one of the files to read"),
        (outreach(*files, "--out", str(tmp_path / "o.csv"), "--train", str(right)),
         "is one of the files to read"),
        (outreach(*files, "--out", str(tmp_path / "o.csv"), "--train", str(tmp_path / "o.csv")),
         "are both"),
        (outreach(*files, "--out", str(left / "o.csv")), "is a file, not a folder"),
        (outreach("link", str(left), "--dedupe", "--one-to-one"), "drop them with --dedupe"),
        (outreach(*files, "--right-mapping", "demo"), "drop --right-id"),
    )  # fmt: skip
    for result, says in cases:
        output = " ".join(re.sub("[│╭╮╰╯─]", " ", result.stdout + result.stderr).split())
        assert result.returncode != 0 and says in output, output
        assert "Traceback" not in output
    assert left.read_text(encoding="utf-8").startswith("id,first_name")  # untouched
    assert right.read_text(encoding="utf-8").startswith("id,first_name")


def test_link_reads_local_phone_numbers_as_the_region_says(tmp_path: Path) -> None:
    left, right = tmp_path / "a.csv", tmp_path / "b.csv"
    left.write_text("id,first_name,last_name,phone\n1,Ann,Lee,02 9343 9709\n", "utf-8")
    right.write_text("id,first_name,last_name,phone\n9,Ann,Lee,(02) 9343 9709\n", "utf-8")
    files = ("link", str(left), str(right), "--left-id", "id", "--right-id", "id", "--out",
             str(tmp_path / "o.csv"))  # fmt: skip
    as_us = outreach(*files)
    as_au = outreach(*files, "--region", "AU")
    assert as_us.returncode == 0 and as_au.returncode == 0, as_us.stdout + as_au.stdout

    def compared(output: str) -> str:
        return " ".join(output.split()).split("compared on ")[1].split(" in ")[0]

    assert "phone" not in compared(as_us.stdout) and "phone" in compared(as_au.stdout)


def test_link_lists_every_rejected_row_and_leaves_no_stale_list(tmp_path: Path) -> None:
    right = tmp_path / "b.csv"
    right.write_text("id,first_name,last_name\n10,Ann,Lee\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("id,first_name,phone\n" + "".join(f"{i},,x\n" for i in range(8)), "utf-8")
    out, listed = tmp_path / "out.csv", tmp_path / "out.rejected.csv"
    refused = outreach("link", str(bad), str(right), "--out", str(out), "--right-id", "id")
    assert refused.returncode == 1 and "bad.csv: no row" in refused.stdout
    rows = listed.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "side,line,column,reason" and len(rows) == 9  # all eight, not three
    assert all(row.startswith("left,") for row in rows[1:])
    good = tmp_path / "good.csv"
    good.write_text("id,first_name,last_name\n1,Ann,Lee\n", encoding="utf-8")
    clean = outreach("link", str(good), str(right), "--out", str(out), "--left-id", "id",
                     "--right-id", "id")  # fmt: skip
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert not listed.exists()  # the earlier run's list is gone with its rows


def test_link_threshold_alone_and_clear_answers(tmp_path: Path) -> None:
    from outreach.demo import generate_linkage_eval

    voters, contacts, _ = generate_linkage_eval(tmp_path, seed=6, voters=2000, contacts=300)
    low = outreach("link", str(contacts), str(voters), "--out", str(tmp_path / "p.csv"),
                   "--threshold", "0.3")  # fmt: skip
    assert low.returncode == 0, low.stdout + low.stderr
    assert "not observed in dataset" not in low.stdout + low.stderr  # splink's noise is off
    bad = tmp_path / "contacts_bad.csv"
    bad.write_text(contacts.read_text() + "c-bad,,,not a phone,,,,,,\n", encoding="utf-8")
    with_bad = outreach("link", str(bad), str(voters), "--out", str(tmp_path / "b.csv"))
    assert with_bad.returncode == 0, with_bad.stdout + with_bad.stderr
    rejected = (tmp_path / "b.rejected.csv").read_text(encoding="utf-8").splitlines()
    assert rejected[0] == "side,line,column,reason" and rejected[1].startswith("left,302,")
    floor = outreach("link", str(contacts), str(voters), "--out", "x.csv", "--threshold", "0.3",
                     "--review-floor", "0.6")  # fmt: skip
    assert floor.returncode != 0 and "--review-floor 0.3 or lower" in floor.stdout + floor.stderr
    empty = tmp_path / "empty.csv"
    empty.write_text("first_name,phone\n,not a phone\n", encoding="utf-8")
    refused = outreach("link", str(empty), str(voters), "--out", str(tmp_path / "x.csv"))
    assert refused.returncode == 1
    assert "line 2" in refused.stdout and "nothing to link" in refused.stdout
    assert "Traceback" not in refused.stdout + refused.stderr
