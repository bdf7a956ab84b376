"""Outcomes, the opt-out link, deleting one's data, and reviewing suggested matches."""

from __future__ import annotations

from pathlib import Path

import httpx
from neo4j import Driver

from graph.contacts import supporter_counts
from graph.outcomes import count_outcomes
from outreach.core.settings import Settings
from tests.factories import api_client, consent_and_upload, load_voter_rows, rank_now, unique, voter


def _ranked_supporter(
    api_url: str, driver: Driver, settings: Settings, tmp_path: Path, phone: str
) -> tuple[str, str, list[dict[str, object]]]:
    tag = unique("o")[-6:]
    friend = voter(
        first_name="Dana",
        last_name=f"Hill{tag}",
        phone=phone,
        state="PA",
        district="PA-7",
        city="Allentown",
        zip="18101",
        support_score="0.85",
        vote_2016g="Y",
        vote_2018g="N",
        vote_2020g="N",
        vote_2022g="N",
    )
    load_voter_rows(driver, tmp_path / "v.csv", [friend])
    supporter = unique("sup")
    with api_client(api_url, settings, supporter) as client:
        consent_and_upload(
            client, supporter, [{"first_name": "Dana", "last_name": f"Hill{tag}", "phone": phone}]
        )
        rank_now(driver, [supporter])
        items = client.get(f"/supporters/{supporter}/targets").json()["items"]
    assert items, "the friend in Pennsylvania should be on the list"
    return supporter, tag, items


def test_outcomes_are_recorded_once_per_client_id(
    api_url: str, driver: Driver, settings: Settings, tmp_path: Path
) -> None:
    supporter, _, items = _ranked_supporter(api_url, driver, settings, tmp_path, "610-437-7700")
    friend_id = items[0]["friend_id"]
    with api_client(api_url, settings, supporter) as client:
        body = {
            "friend_id": friend_id,
            "channel": "text",
            "outcome": "will_vote",
            "client_id": "x1",
        }
        first = client.post(f"/supporters/{supporter}/outcomes", json=body)
        again = client.post(f"/supporters/{supporter}/outcomes", json=body)
        unknown = client.post(
            f"/supporters/{supporter}/outcomes",
            json={**body, "friend_id": "nope", "client_id": "x2"},
        )
        invalid = client.post(
            f"/supporters/{supporter}/outcomes",
            json={**body, "outcome": "maybe", "client_id": "x3"},
        )
    assert first.status_code == 201 and not first.json()["duplicate"]
    assert again.status_code == 201 and again.json()["duplicate"]
    assert unknown.status_code == 404
    assert invalid.status_code == 422
    assert invalid.headers["content-type"].startswith("application/problem+json")
    assert count_outcomes(driver, supporter) == 1


def test_opt_out_link_removes_the_friend_everywhere_and_for_good(
    api_url: str, driver: Driver, settings: Settings, tmp_path: Path
) -> None:
    supporter, tag, items = _ranked_supporter(api_url, driver, settings, tmp_path, "610-437-7711")
    link = str(items[0]["opt_out_url"])
    page = httpx.get(link)
    assert page.status_code == 200 and "<form" in page.text
    assert httpx.post(link).status_code == 200
    assert httpx.post(link).status_code == 200, "opting out twice is fine"
    assert httpx.post(link[:-3] + "abc").status_code == 401, "a forged link is refused"
    with api_client(api_url, settings, supporter) as client:
        assert client.get(f"/supporters/{supporter}/targets").json()["items"] == []
        # A later upload of the same person does not bring them back.
        other = unique("sup")
        with api_client(api_url, settings, other) as client_other:
            job = consent_and_upload(
                client_other,
                other,
                [{"first_name": "Dana", "last_name": f"Hill{tag}", "phone": "610-437-7711"}],
            )
            # Not an error: the one contact opted out, and the job says so.
            assert job["status"] == "succeeded"
            assert job["counts"]["opted_out"] == 1 and job["counts"]["written"] == 0
            rank_now(driver, [other])
            assert client_other.get(f"/supporters/{other}/targets").json()["items"] == []
            assert supporter_counts(driver, other)["friends"] == 0


def test_delete_my_data_removes_everything_i_uploaded(
    api_url: str, driver: Driver, settings: Settings, tmp_path: Path
) -> None:
    supporter, _, _ = _ranked_supporter(api_url, driver, settings, tmp_path, "610-437-7722")
    with api_client(api_url, settings, supporter) as client:
        response = client.delete(f"/supporters/{supporter}")
        assert response.status_code == 200
        counts = response.json()
        assert counts["supporters"] == 1 and counts["uploads"] == 1
        assert counts["friend_links"] == 1 and counts["friends_deleted"] == 1
        # Deleting their data revokes the supporter's tokens.
        assert client.get(f"/supporters/{supporter}/targets").status_code == 401
    with api_client(api_url, settings, unique("admin"), role="admin") as admin:
        assert admin.get(f"/supporters/{supporter}/targets").json()["total"] == 0
        assert admin.delete(f"/supporters/{supporter}").json()["supporters"] == 0
    assert supporter_counts(driver, supporter)["friends"] == 0
    assert not any(settings.uploads_dir.glob("*.part"))


def test_organizer_settings_are_validated_and_versioned(api_url: str, settings: Settings) -> None:
    with api_client(api_url, settings, unique("org"), role="organizer") as client:
        before = client.get("/organizer/settings").json()
        bad = client.patch("/organizer/settings", json={"targets": ["ZZ"], "k": 0})
        assert bad.status_code == 422
        assert bad.headers["content-type"].startswith("application/problem+json")
        assert "ZZ" in bad.text
        same = client.patch("/organizer/settings", json={"n": before["settings"]["n"]})
        assert same.status_code == 200
        assert (same.json()["version"], same.json()["changed"]) == (before["version"], False)
        good = client.patch("/organizer/settings", json={"n": before["settings"]["n"] + 1})
        assert good.status_code == 200
        assert good.json()["version"] == before["version"] + 1
        back = client.patch("/organizer/settings", json={"n": before["settings"]["n"]})
        assert back.json()["version"] == before["version"] + 2
    with api_client(api_url, settings, unique("sup")) as supporter:
        assert supporter.get("/organizer/settings").status_code == 403


def test_expected_votes_report_states_its_assumptions_and_measured_delivery(
    api_url: str, driver: Driver, settings: Settings, tmp_path: Path
) -> None:
    supporter, _, items = _ranked_supporter(api_url, driver, settings, tmp_path, "610-437-7733")
    with api_client(api_url, settings, supporter) as client:
        client.post(
            f"/supporters/{supporter}/outcomes",
            json={"friend_id": items[0]["friend_id"], "outcome": "asked"},
        )
    with api_client(api_url, settings, unique("org"), role="organizer") as client:
        report = client.get("/organizer/reports/expected-votes").json()
    assert report["asks_assigned"] >= 1
    assert report["expected_net_votes"] > 0
    assert report["assumptions"]["deliver"]
    delivery = report["measured_delivery"]
    assert delivery["friends_asked"] >= 1
    assert 0 < delivery["ask_rate"] <= 1
    low, high = delivery["interval_95"]
    assert low <= delivery["ask_rate"] <= high
