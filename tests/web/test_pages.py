"""The pages, in a real browser, against the real API, worker, graph and queue.

A supporter consents, uploads, acts on their list and records what happened; an organizer
changes one weight and re-ranks; an asked friend opts out; an analyst runs a query with a
parameter and downloads the CSV. Each page is checked with axe-core for accessibility.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from axe_playwright_python.sync_playwright import Axe
from neo4j import Driver
from playwright.sync_api import Page, expect

from outreach.core.settings import Settings
from outreach.usecases import accounts
from tests.factories import (
    api_client,
    contacts_csv,
    load_voter_rows,
    unique,
    voter,
    wait_job_http,
)

LIST_WAIT_MS = 180_000


def serious_accessibility_problems(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations of impact serious or critical on the page as it is now."""
    results = Axe().run(page)
    violations: list[dict[str, Any]] = results.response["violations"]
    return [v for v in violations if v.get("impact") in ("serious", "critical")]


def signin(settings: Settings, api_url: str, subject: str, role: str = "supporter") -> str:
    from graph.db.driver import get_driver

    return accounts.signin_link(
        get_driver(), settings, subject=subject, role=role, base_url=api_url
    )


def wisconsin_friends(driver: Driver, tmp_path: Path, tag: str) -> list[dict[str, str]]:
    """Three voters in Wisconsin, a target state, and the same people as contacts.

    Their numbers are the test's own (from ``tag``): voters of two tests sharing a phone and
    a first name would be doubtful candidates for each other's contacts, not links.
    """
    exchange = 200 + int(tag, 16) % 700
    people = [
        (first, f"608{exchange}{n:04d}") for first, n in (("Amy", 111), ("Ben", 122), ("Cal", 133))
    ]
    load_voter_rows(
        driver,
        tmp_path / "voters.csv",
        [
            voter(first_name=first, last_name=f"Web{tag}", phone=phone, state="WI")
            for first, phone in people
        ],
    )
    return [
        {"first_name": first, "last_name": f"Web{tag}", "phone": phone} for first, phone in people
    ]


def test_a_supporter_consents_uploads_texts_a_friend_and_records_it(
    driver: Driver,
    settings: Settings,
    api_url: str,
    worker: subprocess.Popen[bytes],
    phone: Page,
    artifacts: Path,
    tmp_path: Path,
) -> None:
    tag = unique("w")[-6:]
    contacts = wisconsin_friends(driver, tmp_path, tag)
    supporter = unique("sup")
    upload = tmp_path / "my-contacts.csv"
    upload.write_bytes(contacts_csv(contacts))

    phone.goto(signin(settings, api_url, supporter))
    expect(phone).to_have_url(re.compile(r"/app$"))  # the token left the address bar
    expect(phone.locator("#consent")).to_be_visible()
    expect(phone.locator("#terms-text")).to_contain_text("encrypted")
    phone.screenshot(path=artifacts / "supporter-1-consent.png", full_page=True)
    phone.get_by_role("button", name="I agree", exact=True).click()

    expect(phone.locator("#upload")).to_be_visible()
    phone.set_input_files("#file", str(upload))
    phone.get_by_role("button", name="Upload", exact=True).click()
    friends = phone.locator("#friends > li")
    expect(friends).to_have_count(3, timeout=LIST_WAIT_MS)
    expect(phone.locator("#progress-text")).to_have_text("0 of 3 asked")
    phone.screenshot(path=artifacts / "supporter-2-list.png", full_page=True)

    first = friends.first
    name = first.locator(".name").inner_text()
    friend = next(c for c in contacts if c["first_name"] in name)
    text = first.locator('a[data-kind="text"]')
    href = text.get_attribute("href") or ""
    assert href.startswith(f"sms:+1{friend['phone']}?&body=")
    message = unquote(href.split("body=", 1)[1])
    assert message.startswith(f"Hi {friend['first_name']}!")
    assert message == first.locator("textarea.message").input_value()
    assert first.locator('a[data-kind="call"]').get_attribute("href") == f"tel:+1{friend['phone']}"
    assert first.locator('a[data-kind="email"]').count() == 0  # no email was given

    first.get_by_role("button", name="Will vote", exact=True).click()
    expect(phone.locator("#status")).to_contain_text("Will vote")
    done = phone.locator("#friends > li.asked")
    expect(done).to_have_count(1)
    expect(done.locator(".done")).to_have_text("Done: Will vote")
    expect(phone.locator("#progress-text")).to_have_text("1 of 3 asked")
    expect(phone.locator('#fate-list li[data-fate="on_your_list"]')).to_contain_text("3")
    phone.screenshot(path=artifacts / "supporter-3-asked.png", full_page=True)
    assert serious_accessibility_problems(phone) == []

    phone.once("dialog", lambda dialog: dialog.accept())
    phone.get_by_role("button", name="Withdraw consent", exact=True).click()
    expect(phone.locator("#consent")).to_be_visible()
    expect(phone.locator("#list")).to_be_hidden()
    with api_client(api_url, settings, supporter) as client:
        assert client.get(f"/supporters/{supporter}/targets").json()["items"] == []


def test_an_organizer_changes_one_weight_and_the_lists_follow(
    driver: Driver,
    settings: Settings,
    api_url: str,
    worker: subprocess.Popen[bytes],
    desktop: Page,
    artifacts: Path,
    tmp_path: Path,
) -> None:
    tag = unique("o")[-6:]
    load_voter_rows(
        driver,
        tmp_path / "voters.csv",
        [
            voter(first_name="Wes", last_name=f"Org{tag}", phone="6085550144", state="WI"),
            voter(first_name="Pam", last_name=f"Org{tag}", phone="2155550155", state="PA"),
        ],
    )
    supporter = unique("sup")
    with api_client(api_url, settings, supporter) as client:
        client.post(f"/supporters/{supporter}/consent", json={"terms_version": "2026-1"})
        accepted = client.post(
            f"/supporters/{supporter}/uploads",
            files={
                "file": (
                    "c.csv",
                    contacts_csv(
                        [
                            {"first_name": "Wes", "last_name": f"Org{tag}", "phone": "6085550144"},
                            {"first_name": "Pam", "last_name": f"Org{tag}", "phone": "2155550155"},
                        ]
                    ),
                    "text/csv",
                )
            },
        ).json()
        assert wait_job_http(client, accepted["rank_job_id"])["status"] == "succeeded"
        loaded = client.get(f"/jobs/{accepted['job_id']}").json()["counts"]
        # The upload's report says what the model stands on (these voters carry scores).
        assert loaded["friends_in_targets"] == 2
        assert loaded["on_support_prior"] == 0 and loaded["turnout_imputed"] == 0
        before = [i["name"] for i in client.get(f"/supporters/{supporter}/targets").json()["items"]]
        friend_id = client.get(f"/supporters/{supporter}/targets").json()["items"][0]["friend_id"]
        client.post(
            f"/supporters/{supporter}/outcomes",
            json={"friend_id": friend_id, "outcome": "will_vote", "channel": "call"},
        )
    assert len(before) == 2
    top_state = "WI" if "Wes" in before[0] else "PA"
    other = "PA" if top_state == "WI" else "WI"

    organizer = unique("org")
    with api_client(api_url, settings, organizer, role="organizer") as staff:
        original = staff.get("/organizer/settings").json()["settings"]
        inputs = staff.get("/organizer/reports/model-inputs").json()
        power = staff.get("/organizer/reports/holdout-power").json()
    states = {row["state"]: row for row in inputs["by_state"]}
    assert states["WI"]["friends"] >= 1 and states["PA"]["friends"] >= 1
    assert inputs["friends"]["friends"] == sum(r["friends"] for r in inputs["by_state"])
    assert power["treated"]["friends"] >= 1 and set(power["share_to_detect"]) == {
        "0.02",
        "0.03",
        "0.05",
    }
    try:
        desktop.goto(signin(settings, api_url, organizer, role="organizer"))
        row = desktop.locator(f'#targets tr[data-code="{top_state}"]')
        expect(row).to_be_visible()
        # What the model stands on, and whether the holdout can measure, as the API says.
        expect(desktop.locator("#inputs-summary")).to_contain_text("friends in the targets")
        expect(desktop.locator("#inputs tbody th", has_text="WI")).to_be_visible()
        expect(desktop.locator("#power")).to_contain_text(
            f"would-be assigned: {power['treated']['friends']} friends"
        )
        expect(desktop.locator("#power-shares li")).to_have_count(3)
        desktop.screenshot(path=artifacts / "organizer-1-targets.png", full_page=True)
        other_weight = float(
            desktop.locator(f'#targets tr[data-code="{other}"] .weight').inner_text()
        )
        row.locator("input").fill("0.001")
        row.get_by_role("button", name="Save", exact=True).click()
        expect(desktop.locator("#rerank-needed")).to_be_visible()
        expect(row.locator(".weight")).to_have_text("0.001")
        # The history shows what the change did, field by field.
        expect(desktop.locator("#history li").first).to_contain_text(f"weights.{top_state}")
        # One weight changed; the other state's weight is what it was (up to the scaling).
        assert float(desktop.locator(f'#targets tr[data-code="{other}"] .weight').inner_text()) > 0
        assert other_weight > 0

        desktop.get_by_role("button", name="Re-rank every supporter now", exact=True).click()
        expect(desktop.locator("#status")).to_contain_text("Re-ranked", timeout=LIST_WAIT_MS)
        expect(desktop.locator("#rerank-needed")).to_be_hidden()
        coverage = desktop.evaluate("document.getElementById('chart-coverage').data")
        will_vote = next(t for t in coverage if t["name"] == "Will vote")
        assert sum(will_vote["y"]) >= 1  # the outcome recorded above is on the chart
        desktop.screenshot(path=artifacts / "organizer-2-reranked.png", full_page=True)
        assert serious_accessibility_problems(desktop) == []

        with api_client(api_url, settings, supporter) as client:
            after = [
                i["name"] for i in client.get(f"/supporters/{supporter}/targets").json()["items"]
            ]
        assert after and after[0] == before[1], (before, after)
    finally:
        with api_client(api_url, settings, organizer, role="organizer") as staff:
            staff.patch("/organizer/settings", json={"weights": original["weights"]})


def test_an_asked_friend_opts_out_and_leaves_every_list(
    driver: Driver,
    settings: Settings,
    api_url: str,
    worker: subprocess.Popen[bytes],
    phone: Page,
    artifacts: Path,
    tmp_path: Path,
) -> None:
    tag = unique("x")[-6:]
    contacts = wisconsin_friends(driver, tmp_path, tag)
    one, two = unique("sup"), unique("sup")
    for supporter in (one, two):
        with api_client(api_url, settings, supporter) as client:
            client.post(f"/supporters/{supporter}/consent", json={"terms_version": "2026-1"})
            accepted = client.post(
                f"/supporters/{supporter}/uploads",
                files={"file": ("c.csv", contacts_csv(contacts), "text/csv")},
            ).json()
            assert wait_job_http(client, accepted["rank_job_id"])["status"] == "succeeded"
    items = []
    for supporter in (one, two):  # with k = 1 each friend is on one of the two lists
        with api_client(api_url, settings, supporter) as client:
            items += client.get(f"/supporters/{supporter}/targets").json()["items"]
    assert len(items) == 3
    item = items[0]

    phone.goto(item["opt_out_url"])
    expect(phone.get_by_role("heading", level=2)).to_contain_text("Our campaign")
    phone.screenshot(path=artifacts / "opt-out-1-ask.png", full_page=True)
    assert serious_accessibility_problems(phone) == []
    phone.get_by_role("button", name="Don't contact me", exact=True).click()
    expect(phone.get_by_role("heading", level=2)).to_have_text("Done: you have opted out")
    phone.goto(item["opt_out_url"])
    expect(phone.get_by_role("heading", level=2)).to_have_text("You have opted out")
    expect(phone.get_by_role("button", name="Don't contact me", exact=True)).to_have_count(0)
    phone.screenshot(path=artifacts / "opt-out-2-done.png", full_page=True)

    for supporter in (one, two):
        with api_client(api_url, settings, supporter) as client:
            names = [
                i["name"] for i in client.get(f"/supporters/{supporter}/targets").json()["items"]
            ]
        assert item["name"] not in names

    broken = phone.goto(item["opt_out_url"][:-6] + "AAAAAA")
    assert broken is not None and broken.status == 401
    assert "text/html" in (broken.headers.get("content-type") or "")
    expect(phone.get_by_role("heading", level=2)).to_have_text("This link does not work")


def test_an_analyst_runs_a_query_with_a_parameter_and_downloads_csv(
    driver: Driver,
    settings: Settings,
    api_url: str,
    worker: subprocess.Popen[bytes],
    desktop: Page,
    artifacts: Path,
    tmp_path: Path,
) -> None:
    tag = unique("a")[-6:]
    load_voter_rows(
        driver,
        tmp_path / "voters.csv",
        [voter(first_name=f, last_name=f"Ana{tag}", state="WI") for f in ("Ida", "Joe")],
    )
    desktop.goto(signin(settings, api_url, unique("analyst"), role="analyst"))
    desktop.locator("#query").fill(
        "MATCH (v:Voter) WHERE v.last_name = $last RETURN v.first_name AS first ORDER BY first"
    )
    desktop.locator(".param-name").first.fill("last")
    desktop.locator(".param-value").first.fill(f"Ana{tag}")
    desktop.get_by_role("button", name="Run", exact=True).click()
    expect(desktop.locator("#results tbody tr")).to_have_count(2)
    expect(desktop.locator("#results tbody")).to_contain_text("Ida")
    expect(desktop.locator("#meta")).to_contain_text("2 rows")
    desktop.screenshot(path=artifacts / "analyst-1-query.png", full_page=True)
    assert serious_accessibility_problems(desktop) == []

    with desktop.expect_download() as download:
        desktop.get_by_role("button", name="Download CSV", exact=True).click()
    text = Path(download.value.path()).read_text()
    assert text.splitlines() == ["first", "Ida", "Joe"]


@pytest.mark.parametrize("path", ["/app", "/organizer", "/analyst"])
def test_a_page_without_its_link_says_how_to_sign_in(api_url: str, phone: Page, path: str) -> None:
    phone.goto(api_url + path)
    expect(phone.locator("#signin-needed")).to_be_visible()
    assert json.dumps(phone.evaluate("sessionStorage.length")) == "0"


def test_the_api_docs_load_without_the_internet(api_url: str, desktop: Page) -> None:
    outside: list[str] = []
    desktop.on(
        "request",
        lambda request: (
            outside.append(request.url)
            if not request.url.startswith(api_url) and not request.url.startswith("data:")
            else None
        ),
    )
    desktop.goto(api_url + "/docs")
    expect(desktop.locator(".swagger-ui .title").first).to_contain_text("Outreach engine API")
    assert outside == []
