"""An opt-out link works after its list is deleted; no phone or email is kept in the clear."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
from neo4j import Driver

from graph.db.run import read
from outreach.core.settings import Settings
from tests.factories import (
    api_client,
    consent_and_upload,
    load_voter_rows,
    rank_now,
    unique,
    voter,
    wait_job,
)


def test_an_opt_out_link_records_the_opt_out_after_its_list_was_deleted(
    api_url: str,
    driver: Driver,
    settings: Settings,
    worker: subprocess.Popen[bytes],
    tmp_path: Path,
) -> None:
    tag = unique("d")[-6:]
    friend = {"first_name": "Gus", "last_name": f"Gone{tag}", "phone": "6085550188"}
    load_voter_rows(driver, tmp_path / "v.csv", [voter(**friend, state="WI")])
    first, second = unique("sup"), unique("sup")
    with api_client(api_url, settings, first) as client:
        consent_and_upload(client, first, [friend])
        rank_now(driver, [first])
        (item,) = client.get(f"/supporters/{first}/targets").json()["items"]
        assert client.delete(f"/supporters/{first}").status_code == 200

    page = httpx.post(item["opt_out_url"])
    assert page.status_code == 200
    assert "Done: you have opted out" in page.text
    again = httpx.get(item["opt_out_url"])
    assert "You have opted out" in again.text and "<button" not in again.text

    with api_client(api_url, settings, second) as client:
        consent_and_upload(client, second, [friend])
        rank_now(driver, [second])
        assert client.get(f"/supporters/{second}/targets").json()["items"] == []


def test_a_contact_without_a_name_keeps_no_phone_in_the_clear(
    api_url: str,
    driver: Driver,
    settings: Settings,
    worker: subprocess.Popen[bytes],
    tmp_path: Path,
) -> None:
    phone = "6085550199"
    load_voter_rows(
        driver, tmp_path / "v.csv", [voter(first_name="Nia", last_name=unique("N"), phone=phone)]
    )
    supporter = unique("sup")
    with api_client(api_url, settings, supporter) as client:
        consent_and_upload(client, supporter, [{"first_name": "", "last_name": "", "phone": phone}])
        rank_now(driver, [supporter])
        items = client.get(f"/supporters/{supporter}/targets").json()["items"]
    stored = read(
        driver,
        "MATCH (:Supporter {id: $id})-[k:KNOWS]->(:Person) RETURN k.display_name AS name, "
        "k.first_name AS first, k.contact AS contact",
        id=supporter,
    )
    assert len(stored) == 1
    assert phone not in str(stored[0]["name"]) and phone not in str(stored[0]["first"])
    assert phone not in str(stored[0]["contact"])  # sealed
    for item in items:  # if they are on the list, the supporter sees their own copy
        assert item["name"] == f"+1{phone}"


def test_a_friend_without_a_name_is_shown_by_the_supporters_own_number(
    settings: Settings,
) -> None:
    from datetime import date

    from graph.ask_lists import RankedFriend
    from outreach.core.sealing import seal
    from outreach.matching.matcher_settings import MatcherSettings
    from outreach.usecases.supporter_list import compose

    friend = RankedFriend(
        rank=1,
        friend_id="f1",
        name="",
        first_name=None,
        reasons=("Lives in Wisconsin",),
        channel="text",
        state="WI",
        model_version=1,
        sealed_contact=seal(settings, {"phones": ["+16085550199"], "emails": []}),
        outcomes=(),
        friend_key="k1",
    )
    ask = compose(
        friend,
        supporter_id="s1",
        matcher=MatcherSettings(),
        settings=settings,
        base_url="http://t",
        today=date(2026, 9, 1),
    )
    assert ask.name == "+16085550199"
    assert [a.kind for a in ask.actions] == ["text", "call"]


def test_a_rejected_row_does_not_repeat_its_value_in_the_job(
    driver: Driver, worker: subprocess.Popen[bytes], tmp_path: Path
) -> None:
    from outreach.usecases import voter_files
    from tests.factories import write_voters
    from workers.queue import CeleryQueue

    row = voter(first_name="Ola", last_name=unique("O"))
    row["birth_year"] = "+16085550143"  # a phone number in the wrong column
    path = write_voters(tmp_path / "v.csv", [row])
    job = wait_job(driver, voter_files.submit(driver, CeleryQueue(), path=path, mapping="demo"))
    reasons = " ".join(str(e) for e in job["errors"])
    assert job["errors"] and "6085550143" not in reasons
