"""The matcher on a real-layout voter file with no support scores and no vote history.

North Carolina's statewide file carries party registration and birth year but no model
score and no history: the ranking must still ask the right friends, from party and the
prior, with turnout imputed; and once the election is over, nobody is asked.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from neo4j import Driver

from graph.config_store import current_settings
from graph.ranking import ranking_details, rankings_of, read_competitors
from graph.supporters import record_consent
from ingest.contacts_job import ingest_upload
from ingest.keys import phone_key, voter_key
from ingest.voters_job import ingest_voters
from outreach.core.partition import partition_of
from outreach.core.settings import Settings
from outreach.matching.holdout import is_held_out
from outreach.usecases import organizer_settings
from outreach.usecases.consent import CURRENT_TERMS
from outreach.usecases.reports import (
    expected_votes,
    holdout,
    holdout_arm,
    holdout_power,
    model_inputs_report,
)
from outreach.usecases.rerank import rank
from outreach.usecases.supporter_list import ask_list
from tests.factories import askable_voter_id, contacts_csv, load_voter_rows, unique, voter
from tests.ingest.factories import write_nc_voters


def _before_and_after(driver: Driver) -> tuple[date, date]:
    """A day seven weeks before the election set, and the day after it."""
    election = current_settings(driver)[1].election_date
    return election - timedelta(days=49), election + timedelta(days=1)


PARTIES = ("DEM", "UNA", "REP", "DEM", "UNA", "LIB", "DEM", "REP", "UNA", "DEM", "GRE", "UNA")


def _nc_network(
    driver: Driver,
    settings: Settings,
    tmp_path: Path,
    contacts_by_key: dict[str, dict[str, str]] | None = None,
) -> tuple[str, dict[str, str]]:
    """One supporter whose friends are on an NCSBE-layout file; returns their parties by name.

    ``contacts_by_key``, when given, receives each friend's contact row by friend key.
    """
    tag = unique("nc")[-6:]
    exchange = 200 + int(tag, 16) % 700
    rows = [
        {
            "ncid": askable_voter_id(),
            "last_name": f"TAR{tag}",
            "first_name": f"F{chr(65 + i)}",
            "status_cd": "A",
            "res_city_desc": "RALEIGH",
            "state_cd": "NC",
            "zip_code": "27601",
            "full_phone_number": f"919{exchange}{4000 + i:04d}",
            "party_cd": party,
            "birth_year": str(1950 + 4 * i),
            "cong_dist_abbrv": "2",
        }
        for i, party in enumerate(PARTIES)
    ]
    path = write_nc_voters(tmp_path / "ncvoter_Statewide.txt", rows)
    counts = ingest_voters(driver, path=path, mapping="nc_ncvoter", settings=settings)
    assert counts["written"] == len(rows)
    supporter = unique("sup")
    record_consent(
        driver, supporter_id=supporter, version=CURRENT_TERMS, partition=partition_of(supporter)
    )
    contacts = [
        {
            "first_name": r["first_name"],
            "last_name": r["last_name"],
            "phone": r["full_phone_number"],
            "state": "NC",
        }
        for r in rows
    ]
    if contacts_by_key is not None:
        secret = settings.secret_key.get_secret_value()
        for r, contact in zip(rows, contacts, strict=True):
            contacts_by_key[voter_key(secret, r["ncid"])] = contact
    data = contacts_csv(contacts)
    ingest_upload(
        driver,
        supporter_id=supporter,
        upload_id=unique("u"),
        data=data,
        filename="c.csv",
        consent=CURRENT_TERMS,
        settings=settings,
    )
    return supporter, {r["first_name"]: r["party_cd"] for r in rows}


def test_a_voter_file_without_support_scores_yields_a_sensible_ranking(
    driver: Driver, settings: Settings, tmp_path: Path
) -> None:
    supporter, _ = _nc_network(driver, settings, tmp_path)
    before, _ = _before_and_after(driver)
    result = rank(driver, supporter_ids=[supporter], include_competitors=False, as_of=before)
    assert result.counts["assigned"] > 0, result.counts
    assert result.expected_votes > 0 and result.weighted_value > 0
    ranked = rankings_of(driver, [supporter])
    assert 0 < len(ranked) <= 10
    factors = _factors_by_rank(driver, supporter)
    sources = [f["support_source"] for f in factors]
    assert "party" in sources and "prior" in sources
    # registered Democrats (our side by default) first, then friends on the prior; no Republicans
    first_prior = sources.index("prior")
    assert all(s == "party" for s in sources[:first_prior])
    assert all(f["support"] > 0.5 for f in factors)
    assert all(f["turnout_imputed"] for f in factors)  # NC's file has no history
    assert result.counts["support_from_prior"] >= 4
    assert result.counts["turnout_imputed"] == result.counts["pairs"]


def test_the_reports_show_how_much_rests_on_the_prior_and_the_honest_units(
    driver: Driver, settings: Settings, tmp_path: Path
) -> None:
    supporter, parties = _nc_network(driver, settings, tmp_path)
    before, _ = _before_and_after(driver)
    rank(driver, supporter_ids=[supporter], include_competitors=False, as_of=before)
    inputs = model_inputs_report(driver)
    nc = next(row for row in inputs["by_state"] if row["state"] == "NC")
    minor = sum(1 for p in parties.values() if p not in ("DEM", "REP"))
    assert nc["support_prior"] >= minor and nc["support_party"] >= len(parties) - minor
    assert nc["turnout_imputed"] >= len(parties)
    assert 0 < inputs["share_on_support_prior"] < 1
    mine = model_inputs_report(driver, supporter_id=supporter)  # what this upload brought
    assert mine["friends"]["friends"] == len(parties)
    assert mine["friends"]["support_prior"] == minor
    report = expected_votes(driver, as_of=before)
    by_state = {row["state"]: row for row in report["by_state"]}
    assert by_state["NC"]["expected_net_votes"] > 0
    # NC weighs less than the top target: the weighted value is below the votes
    assert by_state["NC"]["weighted_value"] < by_state["NC"]["expected_net_votes"]
    assert by_state["NC"]["asks_on_support_prior"] > 0
    assert "top target" in report["weighted_value_unit"]
    assert report["assumptions"]["support"]["prior_for_a_supporters_friend"] == 0.65
    power = holdout_power(driver)
    assert power["treated"]["friends"] > 0
    if power["held_out"]["units"]:
        assert 0 < power["minimum_detectable_lift"] < 1
    assert set(power["share_to_detect"]) == {"0.02", "0.03", "0.05"}


def test_once_the_election_is_over_nobody_is_asked(
    driver: Driver, settings: Settings, tmp_path: Path
) -> None:
    supporter, _ = _nc_network(driver, settings, tmp_path)
    before, day_after = _before_and_after(driver)
    rank(driver, supporter_ids=[supporter], include_competitors=False, as_of=before)
    assert rankings_of(driver, [supporter])
    after = rank(driver, supporter_ids=[supporter], include_competitors=False, as_of=day_after)
    assert after.counts["assigned"] == 0 and after.counts["eligible"] == 0
    assert rankings_of(driver, [supporter]) == []
    assert any("is over: nobody is asked" in w for w in after.warnings)


def test_the_supporters_list_is_empty_after_the_election_and_says_why(
    driver: Driver, settings: Settings, tmp_path: Path
) -> None:
    supporter, _ = _nc_network(driver, settings, tmp_path)
    before, day_after = _before_and_after(driver)
    rank(driver, supporter_ids=[supporter], include_competitors=False, as_of=before)
    base = "http://test"
    shown = ask_list(driver, settings, supporter_id=supporter, base_url=base, today=before)
    assert shown.items and shown.notice is None
    # the day after the election, before any re-rank has cleared the stored ranking
    late = ask_list(driver, settings, supporter_id=supporter, base_url=base, today=day_after)
    assert (late.items, late.total) == ([], 0)
    assert late.notice is not None and "is over" in late.notice


def _factors_by_rank(driver: Driver, supporter: str) -> list[dict[str, object]]:
    return [
        {
            "support": json.loads(str(row["factors"]))["support"],
            "support_source": row["support_source"],
            "turnout_imputed": row["turnout_imputed"],
        }
        for row in ranking_details(driver, supporter)
    ]


def test_the_holdout_is_drawn_among_friends_who_would_have_been_assigned(
    driver: Driver, settings: Settings, tmp_path: Path
) -> None:
    tag = unique("ho")[-6:]
    exchange = 200 + int(tag, 16) % 700
    secret = settings.secret_key.get_secret_value()
    # 13 registered Democrats; one more, a favorite, drawn into the holdout (would be
    # assigned: the best ask); one unaffiliated friend drawn too, whose ask (on the prior)
    # is worth less than the top ten: never in the pool, so not held out.
    kinds = ["dem"] * 13 + ["dem_drawn", "una_drawn"]
    rows = [
        {
            "ncid": askable_voter_id(held_out=kind.endswith("drawn")),
            "last_name": f"HOL{tag}",
            "first_name": f"G{chr(65 + i)}",
            "status_cd": "A",
            "state_cd": "NC",
            "zip_code": "27601",
            "full_phone_number": f"919{exchange}{5000 + i:04d}",
            "party_cd": "UNA" if kind == "una_drawn" else "DEM",
            "birth_year": "1980",
        }
        for i, kind in enumerate(kinds)
    ]
    ingest_voters(
        driver,
        path=write_nc_voters(tmp_path / "nc.txt", rows),
        mapping="nc_ncvoter",
        settings=settings,
    )
    supporter = unique("sup")
    record_consent(
        driver, supporter_id=supporter, version=CURRENT_TERMS, partition=partition_of(supporter)
    )
    contacts = [
        {
            "first_name": r["first_name"],
            "last_name": r["last_name"],
            "phone": r["full_phone_number"],
            "state": "NC",
            "favorite": "true" if kind == "dem_drawn" else "",
        }
        for r, kind in zip(rows, kinds, strict=True)
    ]
    ingest_upload(
        driver,
        supporter_id=supporter,
        upload_id=unique("u"),
        data=contacts_csv(contacts),
        filename="c.csv",
        consent=CURRENT_TERMS,
        settings=settings,
    )
    before, _ = _before_and_after(driver)
    n = current_settings(driver)[1].n
    result = rank(driver, supporter_ids=[supporter], include_competitors=False, as_of=before)
    key = {kind_row: voter_key(secret, r["ncid"]) for r, kind_row in zip(rows, kinds, strict=True)}
    held, _ = holdout(driver, geos=["NC"], offset=0, limit=100_000)
    held_keys = {str(r["key"]) for r in held}
    assert key["dem_drawn"] in held_keys  # would have been assigned: held out
    assert key["una_drawn"] not in held_keys  # drawn, but would not have been assigned
    assert result.counts["held_out"] == 1
    ranked = {str(r["friend"]) for r in ranking_details(driver, supporter)}
    assert len(ranked) == n and not ranked & {key["dem_drawn"], key["una_drawn"]}
    # the two arms an analyst compares: the would-be-assigned, held out or treated
    treated = {str(r["key"]) for r in holdout_arm(driver, held_out=False, offset=0, limit=10**6)}
    held_arm = {str(r["key"]) for r in holdout_arm(driver, held_out=True, offset=0, limit=10**6)}
    assert key["dem_drawn"] in held_arm and key["dem_drawn"] not in treated
    assert key["una_drawn"] not in held_arm | treated
    # the first assignment's n friends, less the one held out
    mine = {voter_key(secret, r["ncid"]) for r in rows}
    assert len(treated & mine) == n - 1
    # once nobody would be asked (the election is over), the flags are cleared
    _, day_after = _before_and_after(driver)
    rank(driver, supporter_ids=[supporter], include_competitors=False, as_of=day_after)
    arms = [holdout_arm(driver, held_out=h, offset=0, limit=10**6) for h in (True, False)]
    assert not {str(r["key"]) for arm in arms for r in arm} & mine


def test_friends_in_a_loaded_target_state_but_not_on_its_file_are_asked_to_register(
    driver: Driver, settings: Settings, tmp_path: Path
) -> None:
    supporter, _ = _nc_network(driver, settings, tmp_path)  # NC's file is loaded
    tag = unique("nf")[-6:]
    secret = settings.secret_key.get_secret_value()
    defaults = current_settings(driver)[1]
    phones: list[str] = []
    number = 200 + int(tag, 16) % 700
    while len(phones) < 4:  # friends whose holdout draw keeps them askable
        number += 1
        phone = f"704{number:03d}{6000 + len(phones):04d}"
        key = phone_key(secret, "+1" + phone)
        if not is_held_out(key, share=defaults.holdout_share, seed=defaults.holdout_seed):
            phones.append(phone)
    newcomers = [
        {
            "first_name": f"Newcomer{chr(65 + i)}",
            "last_name": f"Zqx{tag}",
            "phone": phone,
            "state": state,
            "labels": "Family",  # a close tie: their registration ask outranks acquaintances
        }
        # The last has no address: their Charlotte (704) number places them in NC.
        for i, (state, phone) in enumerate(zip(["NC", "NC", "CA", ""], phones, strict=True))
    ]
    ingest_upload(
        driver,
        supporter_id=supporter,
        upload_id=unique("u"),
        data=contacts_csv(newcomers),
        filename="more.csv",
        consent=CURRENT_TERMS,
        settings=settings,
    )
    before, _ = _before_and_after(driver)
    rank(driver, supporter_ids=[supporter], include_competitors=False, as_of=before)
    rows = ranking_details(driver, supporter)
    off_file = [r for r in rows if json.loads(str(r["factors"]))["on_file"] == 0.0]
    assert len(off_file) == 3  # the three in North Carolina, not the one in California
    assert all(r["state"] == "NC" for r in off_file)
    by_phone = [json.loads(str(r["factors"]))["match_p"] for r in off_file]
    assert sorted(by_phone) == pytest.approx([0.45, 0.5, 0.5])  # 0.5, x 0.9 by area code
    shown = ask_list(
        driver, settings, supporter_id=supporter, base_url="http://t", today=before, limit=100
    )
    reasons = {a.name: a.reasons for a in shown.items if (a.name or "").startswith("Newcomer")}
    assert reasons and all(
        any(r.startswith("Not on the voter rolls we have") for r in rs) for rs in reasons.values()
    )
    assert len(reasons) == 3
    assert reasons[f"NewcomerD Zqx{tag}"][0].startswith("Has a North Carolina phone number")


def test_an_uploads_rerank_covers_only_the_supporters_whose_lists_it_can_move(
    driver: Driver, settings: Settings, tmp_path: Path
) -> None:
    contacts: dict[str, dict[str, str]] = {}
    holder, _ = _nc_network(driver, settings, tmp_path, contacts)
    before, _ = _before_and_after(driver)
    rank(driver, supporter_ids=[holder], include_competitors=False, as_of=before)
    held = ranking_details(driver, holder)
    assert held
    # A bystander knows one of the holder's assigned friends but is not assigned them;
    # an uploader then adds the same friend.
    shared = {"key": str(held[0]["friend"]), "contact": contacts[str(held[0]["friend"])]}
    bystander, uploader = unique("sup"), unique("sup")
    for sid in (bystander, uploader):
        record_consent(driver, supporter_id=sid, version=CURRENT_TERMS, partition=partition_of(sid))
    ingest_upload(
        driver,
        supporter_id=bystander,
        upload_id=unique("u"),
        data=contacts_csv([shared["contact"]]),
        filename="b.csv",
        consent=CURRENT_TERMS,
        settings=settings,
    )
    assert read_competitors(driver, supporter_ids=[bystander]) == [holder]
    # the bystander is not assigned the shared friend, so the uploader does not reach them
    assert all(str(r["friend"]) != shared["key"] for r in ranking_details(driver, bystander))
    ingest_upload(
        driver,
        supporter_id=uploader,
        upload_id=unique("u"),
        data=contacts_csv([shared["contact"]]),
        filename="c.csv",
        consent=CURRENT_TERMS,
        settings=settings,
    )
    assert read_competitors(driver, supporter_ids=[uploader]) == [holder]
    result = rank(driver, supporter_ids=[uploader], as_of=before)
    assert result.counts["supporters"] == 2  # the uploader and the holder, not the bystander
    taken = [
        sid
        for sid in (holder, uploader)
        if any(str(r["friend"]) == shared["key"] for r in ranking_details(driver, sid))
    ]
    assert len(taken) == 1  # k = 1: the shared friend is still asked once


def test_the_organizer_sees_todays_warnings_with_the_settings(driver: Driver) -> None:
    now = organizer_settings.current(driver)
    assert now.warnings == organizer_settings.warnings_for(now.settings)
    over = organizer_settings.warnings_for(
        now.settings, now.settings.election_date + timedelta(days=1)
    )
    assert any("is over: nobody is asked" in w for w in over)


def test_the_loaded_states_are_kept_as_voters_load_and_rebuilt_for_an_older_graph(
    driver: Driver, tmp_path: Path, worker: object
) -> None:
    from graph.db.run import read, write
    from graph.ranking import states_on_file

    load_voter_rows(driver, tmp_path / "v.csv", [voter(state="NM"), voter(state="AK")])
    assert states_on_file(driver, states=["NM", "AK", "GU"]) == ["NM", "AK"]
    codes = {r["code"] for r in read(driver, "MATCH (s:VoterState) RETURN s.code AS code")}
    # A graph loaded before the states were recorded: read once from the voters.
    write(driver, "MATCH (s:VoterState) DETACH DELETE s")
    assert states_on_file(driver, states=["AK", "NM"]) == ["AK", "NM"]
    again = {r["code"] for r in read(driver, "MATCH (s:VoterState) RETURN s.code AS code")}
    assert again == codes
