"""The measurement cards in a real browser: experiments, teams, coverage, lift; goals on /app.

An organizer starts a message experiment from the page and the supporter's list shows its
variant; the organizer makes a team; a supporter sets a goal, records an ask and sees
progress, joins the team with its code, opts in and finds themself on the leaderboard.
Both pages are checked with axe-core.
"""

from __future__ import annotations

import re
import subprocess
from datetime import date, timedelta
from pathlib import Path

from neo4j import Driver
from playwright.sync_api import Page, Route, expect

from outreach.core.settings import Settings
from tests.factories import api_client, contacts_csv, load_voter_rows, unique, voter
from tests.web.test_pages import LIST_WAIT_MS, serious_accessibility_problems, signin


def own_friends(driver: Driver, tmp_path: Path, tag: str) -> list[dict[str, str]]:
    """Three voters in Wisconsin with phones no other test uses, and them as contacts."""
    base = 2_000_000 + int(tag, 16) % 7_000_000
    people = [(first, f"262{base + i}") for i, first in enumerate(("Amy", "Ben", "Cal"))]
    load_voter_rows(
        driver,
        tmp_path / "voters.csv",
        [voter(first_name=f, last_name=f"Meas{tag}", phone=p, state="WI") for f, p in people],
    )
    return [{"first_name": f, "last_name": f"Meas{tag}", "phone": p} for f, p in people]


def test_an_organizer_starts_an_experiment_makes_a_team_and_reads_coverage_and_lift(
    driver: Driver,
    settings: Settings,
    api_url: str,
    worker: subprocess.Popen[bytes],
    desktop: Page,
    phone: Page,
    artifacts: Path,
    tmp_path: Path,
) -> None:
    tag = unique("m")[-6:]
    contacts = own_friends(driver, tmp_path, tag)
    supporter = unique("sup")
    upload = tmp_path / "c.csv"
    upload.write_bytes(contacts_csv(contacts))
    organizer = unique("org")
    desktop.goto(signin(settings, api_url, organizer, role="organizer"))
    try:
        expect(desktop.locator("#variant-fields fieldset")).to_have_count(2)
        desktop.fill("#experiment-name", f"Openers {tag}")
        desktop.fill("#variant-0-template", "Hi {first_name}! Page-variant A from {state}.")
        desktop.fill("#variant-1-template", "Hi {first_name}! Page-variant B.")
        desktop.get_by_role("button", name="Start the experiment", exact=True).click()
        expect(desktop.locator("#status")).to_contain_text("started")
        expect(desktop.locator("#experiment-summary")).to_contain_text("Status: running")
        expect(desktop.locator("#experiment-variants tbody tr")).to_have_count(2)

        desktop.fill("#team-name", f"Porch {tag}")
        desktop.get_by_role("button", name="Make the team", exact=True).click()
        expect(desktop.locator("#status")).to_contain_text("invite code is")
        code = re.search(r"invite code is (\w+)", desktop.locator("#status").inner_text())
        assert code is not None
        row = desktop.locator("#team-board tbody tr", has_text=f"Porch {tag}")
        expect(row.locator(".invite-code")).to_have_text(code.group(1))
        expect(desktop.locator("#coverage-table tbody tr").first).to_be_visible()

        expect(desktop.locator("#turnout-election")).not_to_have_value("")
        desktop.get_by_role("button", name="Compare turnout", exact=True).click()
        expect(desktop.locator('#turnout-lift-table tr[data-where="All states"]')).to_be_visible()
        expect(desktop.locator("#turnout-lift-verdict")).not_to_be_empty()
        desktop.screenshot(path=artifacts / "organizer-3-measure.png", full_page=True)
        assert serious_accessibility_problems(desktop) == []

        # The supporter: the experiment's text on the list, a goal, the team, the leaderboard.
        phone.goto(signin(settings, api_url, supporter))
        phone.get_by_role("button", name="I agree", exact=True).click()
        phone.set_input_files("#file", str(upload))
        phone.get_by_role("button", name="Upload", exact=True).click()
        friends = phone.locator("#friends > li")
        expect(friends).to_have_count(3, timeout=LIST_WAIT_MS)
        for i in range(3):
            message = friends.nth(i).locator("textarea.message").input_value()
            assert "Page-variant A from Wisconsin." in message or "Page-variant B." in message

        expect(phone.locator("#goal")).to_be_visible()
        suggestion = "0 friends asked. Set a goal: we suggest 3."
        expect(phone.locator("#goal-text")).to_have_text(suggestion)
        by = (date.today() + timedelta(days=10)).isoformat()
        phone.fill("#goal-friends", "2")
        phone.fill("#goal-by", by)
        phone.get_by_role("button", name="Set my goal", exact=True).click()
        expect(phone.locator("#goal-text")).to_contain_text(f"0 of 2 friends asked by {by}")
        friends.first.get_by_role("button", name="Will vote", exact=True).click()
        expect(phone.locator("#goal-text")).to_contain_text(f"1 of 2 friends asked by {by}")
        assert phone.locator("#goal-bar").get_attribute("value") == "50"

        phone.fill("#invite-code", code.group(1).lower())
        phone.get_by_role("button", name="Join the team", exact=True).click()
        expect(phone.locator("#team-text")).to_have_text(f"You are on Porch {tag}.")
        phone.get_by_label("Show my first name on the leaderboard").check()
        expect(phone.locator("#people-board li")).to_have_text(["A supporter (you): 1 asked"])
        team_row = phone.locator("#teams-board tbody tr", has_text=f"Porch {tag}")
        expect(team_row.locator("td").nth(1)).to_have_text("1")
        phone.screenshot(path=artifacts / "supporter-4-goal.png", full_page=True)
        assert serious_accessibility_problems(phone) == []

        desktop.reload()
        expect(desktop.locator("#experiment-variants tbody tr").first).to_be_visible()
        asks = desktop.locator("#experiment-variants tbody tr td:nth-child(2)").all_inner_texts()
        assert sorted(asks) in (["0", "1"], ["1", "0"]) or sum(map(int, asks)) == 1
        desktop.get_by_role("button", name="Stop", exact=True).click()
        expect(desktop.locator("#experiment-summary")).to_contain_text("Status: stopped")
    finally:
        with api_client(api_url, settings, organizer, role="organizer") as staff:
            for experiment in staff.get("/organizer/experiments").json():
                if experiment["status"] != "stopped":
                    staff.post(f"/organizer/experiments/{experiment['id']}/stop")


def test_a_slow_first_report_does_not_paint_over_the_experiment_just_started(
    settings: Settings, api_url: str, desktop: Page
) -> None:
    """The page's first read of an old experiment answers late; the new one stays shown."""
    organizer = unique("org")
    tag = unique("s")[-6:]
    body = {
        "name": f"Old {tag}",
        "variants": [{"name": "A", "template": "Hi {first_name}!"},
                     {"name": "B", "template": "Hello {first_name}!"}],
        "share": 1.0,
        "success": ["will_vote"],
    }  # fmt: skip
    with api_client(api_url, settings, organizer, role="organizer") as staff:
        made = staff.post("/organizer/experiments", json=body)
        assert made.status_code == 201, made.text
        old = made.json()["id"]
        assert staff.post(f"/organizer/experiments/{old}/stop").status_code == 200
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)

    desktop.route(f"**/organizer/experiments/{old}", hold)
    with desktop.expect_request(f"**/organizer/experiments/{old}"):
        desktop.goto(signin(settings, api_url, organizer, role="organizer"))
    try:
        for _ in range(100):  # the held request reaches its handler on a later turn
            if held:
                break
            desktop.wait_for_timeout(50)
        assert len(held) == 1  # the page asked for the old experiment's report, and waits
        expect(desktop.locator("#variant-fields fieldset")).to_have_count(2)
        desktop.fill("#experiment-name", f"New {tag}")
        desktop.get_by_role("button", name="Start the experiment", exact=True).click()
        expect(desktop.locator("#experiment-summary")).to_contain_text("Status: running")

        with desktop.expect_response(f"**/organizer/experiments/{old}") as late:
            held[0].continue_()
        late.value.finished()
        desktop.wait_for_timeout(300)  # time for the page to handle the late answer
        expect(desktop.locator("#experiment-summary")).to_contain_text("Status: running")
        expect(desktop.locator("#experiment-select option:checked")).to_contain_text(f"New {tag}")
    finally:
        desktop.unroute(f"**/organizer/experiments/{old}")
        with api_client(api_url, settings, organizer, role="organizer") as staff:
            for experiment in staff.get("/organizer/experiments").json():
                if experiment["status"] != "stopped":
                    staff.post(f"/organizer/experiments/{experiment['id']}/stop")
