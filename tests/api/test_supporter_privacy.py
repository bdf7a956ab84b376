"""Two supporters who share a friend: neither response lets either learn of the other."""

from __future__ import annotations

import json
from pathlib import Path

from neo4j import Driver

from outreach.core.settings import Settings
from tests.factories import api_client, consent_and_upload, load_voter_rows, rank_now, unique, voter


def test_shared_friend_reveals_nothing_across_supporters(
    api_url: str, driver: Driver, settings: Settings, tmp_path: Path
) -> None:
    tag = unique("p")[-6:]
    shared = voter(
        first_name="Robert",
        last_name=f"Vance{tag}",
        phone="608-266-1212",
        state="WI",
        support_score="0.9",
        vote_2016g="N",
        vote_2018g="N",
        vote_2020g="Y",
        vote_2022g="N",
    )
    only_b = voter(
        first_name="Maria",
        last_name=f"Ortiz{tag}",
        phone="602-262-6011",
        state="AZ",
        district="AZ-3",
        city="Phoenix",
        zip="85004",
        support_score="0.8",
    )
    load_voter_rows(driver, tmp_path / "v.csv", [shared, only_b])

    a, b = unique("supA"), unique("supB")
    with api_client(api_url, settings, a) as client_a, api_client(api_url, settings, b) as client_b:
        job_a = consent_and_upload(
            client_a,
            a,
            [{"first_name": "Robert", "last_name": f"Vance{tag}", "phone": "6082661212"}],
        )
        consent_and_upload(
            client_b,
            b,
            [
                {
                    "first_name": "Bobby",
                    "last_name": f"V{tag}",
                    "phone": "(608) 266-1212",
                    "labels": "family",
                },
                {"first_name": "Maria", "last_name": f"Ortiz{tag}", "phone": "602 262 6011"},
            ],
        )
        rank_now(driver, [a, b])
        body_a = client_a.get(f"/supporters/{a}/targets").json()
        body_b = client_b.get(f"/supporters/{b}/targets").json()
        # B cannot see A's job, and each sees only their own list.
        assert client_b.get(f"/jobs/{job_a['id']}").status_code == 404
        assert client_a.get(f"/supporters/{b}/targets").status_code == 403
        matches_a = client_a.get(f"/supporters/{a}/matches").json()

    text_a, text_b = json.dumps(body_a), json.dumps(body_b)
    assert b not in text_a and a not in text_b
    assert f"V{tag}" not in text_a.replace(f"Vance{tag}", ""), "A must not see B's name for him"
    assert "Bobby" not in text_a
    assert f"Vance{tag}" not in text_b, "B must not see A's name for the shared friend"
    for body in (body_a, body_b):
        for item in body["items"]:
            assert set(item) == {
                "rank",
                "friend_id",
                "name",
                "reasons",
                "channel",
                "suggested_message",
                "opt_out_url",
                "actions",
                "status",
            }
            # One-tap actions carry only the numbers the supporter gave for this friend.
            for action in item["actions"]:
                assert action["kind"] in ("call", "text")
                assert "+16082661212" in action["href"] or "+16022626011" in action["href"]
            assert not any("supporter" in reason.lower() for reason in item["reasons"])
    ids_a = {item["friend_id"] for item in body_a["items"]}
    ids_b = {item["friend_id"] for item in body_b["items"]}
    assert not ids_a & ids_b, "the same friend has a different id for each supporter"
    # With k = 1 the shared friend is asked by exactly one of them.
    shared_asks = sum(
        1
        for item in body_a["items"] + body_b["items"]
        if "Robert" in str(item["name"]) or "Bobby" in str(item["name"])
    )
    assert shared_asks == 1
    assert all(f"Ortiz{tag}" not in str(m) for m in matches_a["items"])
